#!/usr/bin/env bash
# CPU benchmark, C# engine and PyTorch side by side in one run, same machine, same thread count.
# Times VGG16's conv stack (notop weights, 224×224) at batch 1 and 8, and the full model at batch 1,
# and writes the table to bench/results/cpu.md (bench/RESULTS.md gathers every section).
#   bench/run_cpu.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-10}
threads=$(nproc)
peak=440   # GFLOP/s: Vector512 FMA peak on 2 threads, measured on this machine (see README/Facts)
dotnet build -c Release viz/EngineViz.csproj -o /tmp/cnn-bench-build -v q >/dev/null
engine() { dotnet /tmp/cnn-bench-build/engine-viz.dll bench --weights "$1" --device cpu --batch "$2" --iterations "$iterations" --json --quiet | tail -1; }
torchrun() { /usr/bin/python3 bench/pytorch_vgg16.py --batch "$1" --iterations "$iterations" --threads "$threads" $2 | tail -1; }

full_weights=tests/.generated/bench_vgg16_full.h5
[ -f "$full_weights" ] || /usr/bin/python3 tests/fixtures/weights/make_vgg16_h5.py "$full_weights" --layout applications --seed 7 >/dev/null

rows=()
for case in "notop 1" "notop 8" "full 1"; do
  set -- $case
  if [ "$1" = notop ]; then w=random; flag=""; else w=$full_weights; flag="--full"; fi
  e=$(engine "$w" "$2"); t=$(torchrun "$2" "$flag")
  rows+=("$(python3 - "$1" "$2" "$e" "$t" "$peak" <<'PY'
import json, sys
model, batch, e, t, peak = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), float(sys.argv[5])
flops = 30.69e9 * batch  # conv stack FLOPs at 224² (2 per multiply-add)
eg = flops / (e["median_ms"] / 1e3) / 1e9
tg = flops / (t["median_ms"] / 1e3) / 1e9
what = "conv stack" if model == "notop" else "full model"
print(f"| {what} | {batch} | {e['median_ms']:.1f} | {eg:.0f} | {100*eg/peak:.0f}% | {t['median_ms']:.1f} | {tg:.0f} | "
      f"{t['median_ms']/e['median_ms']:.2f}× | {e['images_per_s']:.2f} | {e['peak_rss_mb']} |")
PY
)")
done

mkdir -p bench/results
{
  echo "### CPU: C# engine vs PyTorch (same run)"
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $threads threads, median of $iterations forwards after 2 warm-ups."
  echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') eager fp32, no grad, torch.set_num_threads($threads). GFLOP/s counts the conv stack (30.7 GFLOP per 224² image) even for the full model."
  echo
  echo "| what | batch | C# ms | C# GFLOP/s | % of FMA peak ($peak) | PyTorch ms | PyTorch GFLOP/s | speed-up vs PyTorch | C# images/s | C# peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > bench/results/cpu.md
cat bench/results/cpu.md
