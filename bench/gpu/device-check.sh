#!/usr/bin/env bash
# The one-run check for a GPU machine (issue 9). Two halves:
#
#   bench/gpu/device-check.sh build   here (with .NET): publishes gpu-check — engine-viz + the checks, self-contained,
#                                     one compressed file for linux-x64 — into artifacts/gpu-check/ with two photos.
#                                     That folder is what travels to the GPU machine (the device tool's `carry`).
#   bench/gpu/device-check.sh run     on the GPU machine (NVIDIA driver, PyTorch with CUDA, no .NET), < 8 minutes:
#        1. full-size (224²) parity of --device cuda against --device cpu on two photos: every layer, every pool's
#           switches, the top-5 (seeded random weights with the top: the real ImageNet file cannot be downloaded there);
#        2. one deconvnet projection (descent on the GPU) and one occlusion map (forwards on the GPU) vs the CPU;
#        3. speed: conv stack and full model at batch 1 and 32, every rung, and PyTorch eager fp32 on the same GPU;
#        4. the CLI itself: engine-viz IMAGE --device cuda --export-npy, and --list-devices;
#        5. own Keras models (issue 11): --model FILE --device cuda vs cpu, every layer and switch (1e-4 of the layer's max);
#      and writes bench/gpu/RESULTS.md (plus the raw JSON under artifacts/gpu-check/results/).
set -uo pipefail
cd "$(dirname "$0")/../.."
DIST=artifacts/gpu-check
mode=${1:-run}

if [ "$mode" = build ]; then
  set -e
  rm -rf "$DIST"
  dotnet publish bench/gpu/GpuCheck.csproj -c Release -r linux-x64 --self-contained true -nodeReuse:false \
    -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$DIST" -v q
  rm -f "$DIST"/*.pdb "$DIST"/*.dbg
  mkdir -p "$DIST/images"
  cp ../shared/images/ozbulak_snake.png ../shared/images/ozbulak_cat_dog.png "$DIST/images/"   # PNG: decoded in managed code
  # Own Keras models (issue 11) for the GPU model backend: the small fixtures, written here with h5py (~250 KB).
  /usr/bin/python3 tests/fixtures/models/make_keras_models.py "$DIST/models" > /dev/null
  (cd "$DIST/models" && rm -f vgg19_notop.h5 bad_* gray_valid.h5 mnist.weights.h5 mnist.config.json models.json)
  echo "gpu-check published: $(du -sb "$DIST" | cut -f1) bytes in $DIST ($(du -sh "$DIST" | cut -f1)); the device tool carries at most 64 MiB"
  ls -la "$DIST"
  # Smoke test here: the published file starts and runs engine-viz without a .NET install on the path.
  env -u DOTNET_ROOT PATH=/usr/bin:/bin "$DIST/gpu-check" engine-viz --list-devices
  exit 0
fi

[ "$mode" = run ] || { echo "usage: $0 build|run"; exit 2; }
[ -x "$DIST/gpu-check" ] || { echo "error: $DIST/gpu-check is missing: run '$0 build' where .NET is installed, and carry $DIST"; exit 1; }
OUT=$DIST/results; rm -rf "$OUT"; mkdir -p "$OUT"
export DOTNET_gcServer=1
CHECK="$DIST/gpu-check"
start=$(date +%s)
log() { echo "[$(( $(date +%s) - start ))s] $*"; }

log "devices"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/nvidia-smi.txt" 2>&1 || true
$CHECK engine-viz --list-devices > "$OUT/list-devices.txt" 2>&1; cat "$OUT/list-devices.txt"

log "parity: cuda vs cpu on two photos, projection, occlusion"
timeout 240 $CHECK parity --device cuda --out "$OUT" "$DIST"/images/*.png > "$OUT/parity.log" 2>&1; parity=$?
tail -5 "$OUT/parity.log"

log "CLI: engine-viz IMAGE --device cuda --export-npy"
timeout 60 $CHECK engine-viz "$DIST/images/ozbulak_snake.png" --device cuda --weights random --export-npy "$OUT/npy-cuda" \
  --out "$OUT/viz-cuda" > "$OUT/cli.log" 2>&1; cli=$?
tail -3 "$OUT/cli.log"

log "own models: engine-viz IMAGE --model FILE --device cuda vs --device cpu, every layer and switch"
own=0
for m in "$DIST"/models/*; do
  name=$(basename "$m"); name=${name%%.*}
  for dev in cpu cuda; do
    timeout 60 $CHECK engine-viz "$DIST/images/ozbulak_cat_dog.png" --model "$m" --device $dev --no-viz --quiet \
      --export-npy "$OUT/own-$name-$dev" >> "$OUT/own-models.log" 2>&1 || own=1
  done
done
python3 - "$OUT" >> "$OUT/own-models.md" 2>> "$OUT/own-models.log" <<'PY' || own=1
import glob, os, sys
import numpy as np
out, bad = sys.argv[1], 0
print("| model | layers | switches | largest error (of the layer's max) |\n|---|---:|---:|---:|")
for cpu in sorted(glob.glob(os.path.join(out, "own-*-cpu"))):
    cuda, worst, n, sw = cpu[:-3] + "cuda", 0.0, 0, 0
    for f in sorted(glob.glob(os.path.join(cpu, "*.npy"))):
        a, b = np.load(f), np.load(os.path.join(cuda, os.path.basename(f)))
        if f.endswith("_switches.npy"): sw += int((a != b).sum() == 0); bad |= int((a != b).mean() > 1e-3); continue
        e = float(np.abs(a.astype(np.float64) - b).max() / max(np.abs(a).max(), 1e-30)); worst = max(worst, e); n += 1
    bad |= int(worst > 1e-4 or n == 0)
    print(f"| {os.path.basename(cpu)[4:-4]} | {n} | {sw} identical | {worst:.2e} |")
sys.exit(bad)
PY
cat "$OUT/own-models.md"

log "speed: PyTorch"
timeout 120 python3 bench/gpu/torch_bench.py --batches 1,32 > "$OUT/torch.jsonl" 2> "$OUT/torch.err"; tail -2 "$OUT/torch.err"
log "speed: ours, every rung"
timeout 200 $CHECK speed --device cuda --out "$OUT" --rungs winograd,regblock,tiled,naive --batches 1,32 > "$OUT/speed.log" 2>&1
tail -3 "$OUT/speed.log"

log "writing bench/gpu/RESULTS.md"
python3 - "$OUT" "$parity" "$cli" "$(( $(date +%s) - start ))" "$own" <<'PY'
import json, sys, os, datetime
out, parity, cli, secs, own = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def read(p, default=""):
    try: return open(os.path.join(out, p)).read()
    except OSError: return default
torch_rows = [json.loads(l) for l in read("torch.jsonl").splitlines() if l.startswith("{")]
try: ours = json.loads(read("speed.json", "[]"))
except ValueError: ours = []
lines = ["# GPU results (bench/gpu/device-check.sh)", "",
         f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC in {secs} s. GPU: {read('nvidia-smi.txt').strip() or 'unknown'}.", "",
         "## Devices (engine-viz --list-devices)", "", "```", read("list-devices.txt").strip(), "```", "",
         f"## Parity: --device cuda vs --device cpu (exit {parity}: {'passed' if parity == 0 else 'FAILED'})", "",
         read("parity.md", "(no parity output: see artifacts/gpu-check/results/parity.log)\n" + read("parity.log")[-2000:]), "",
         f"CLI `engine-viz IMAGE --device cuda --weights random --export-npy DIR`: exit {cli}.", "",
         f"## Own Keras models (GpuCnnBackend): --device cuda vs --device cpu ({'passed' if own == 0 else 'FAILED'})", "",
         read("own-models.md", "(no output: see artifacts/gpu-check/results/own-models.log)"), "",
         "## Speed, 224×224, fp32 (median ms per forward, input upload and result read-back included)", "",
         "| model | batch | PyTorch eager (strict fp32, cuDNN) | " + " | ".join(sorted({r['rung'] for r in ours}, key=['winograd','regblock','tiled','naive'].index)) + " | peak device MB (winograd) |",
         "|---|---:|---:|" + "---:|" * len({r['rung'] for r in ours}) + "---:|"]
rungs = sorted({r['rung'] for r in ours}, key=['winograd','regblock','tiled','naive'].index)
for model in ("conv stack", "full"):
    for batch in (1, 32):
        t = next((r for r in torch_rows if r["model"] == model and r["batch"] == batch), None)
        cells = []
        for rung in rungs:
            o = next((r for r in ours if r["model"] == model and r["batch"] == batch and r["rung"] == rung), None)
            cells.append(f"{o['median_ms']:.1f}" + (f" ({t['median_ms'] / o['median_ms']:.2f}× PyTorch speed)" if t and o else "") if o else "—")
        w = next((r for r in ours if r["model"] == model and r["batch"] == batch and r["rung"] == "winograd"), None)
        lines.append(f"| {model} | {batch} | {t['median_ms']:.1f} |" if t else f"| {model} | {batch} | — |")
        lines[-1] += " " + " | ".join(cells) + f" | {w['peak_device_mb'] if w else '—'} |"
if torch_rows: lines += ["", f"PyTorch {torch_rows[0]['torch']} (CUDA {torch_rows[0]['cuda']}) on {torch_rows[0]['device']}, TF32 off, cudnn.benchmark on."]
lines += ["", "Weights: seeded random (the ImageNet file cannot be downloaded on the GPU machine); parity and speed do not depend on the values."]
open("bench/gpu/RESULTS.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "done"
