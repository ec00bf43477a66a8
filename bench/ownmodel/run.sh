#!/usr/bin/env bash
# Own-model speed (issue 11), one command: writes bench/results/ownmodel.md.
#  1. Convolution per layer shape, this engine vs PyTorch F.conv2d (NCHW and channels_last), batch 1 and 8, interleaved
#     workers on the same thread count (run.py): all cores, then one thread each.
#  2. The full default run of small own CNNs, end to end: `engine-viz PHOTO --model M.h5 --out DIR --force --quiet --json`
#     from a Release publish (ReadyToRun, and plain JIT), process wall time including .NET startup, median of N, plus
#     user+sys CPU time and the run's own wall_ms (image decode to last file renamed into place; no startup/arg parsing).
#  3. `engine-viz bench --model M.h5`: the models' forward alone, median ms and images/s, batch 1 and 8.
#   bench/ownmodel/run.sh [rounds] [default-run repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-7}
repeats=${2:-7}
threads=$(nproc)
out=bench/results/ownmodel.md
work=/tmp/cnn-ownmodel-bench-$$
mkdir -p "$work/models" bench/results
trap 'rm -rf "$work"' EXIT
photo=../shared/images/tfkerasvis_bear.jpg
dotnet build -c Release bench/ownmodel/OwnModelBench.csproj -o "$work/conv" -v q -nodeReuse:false >/dev/null
dotnet publish viz/EngineViz.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/viz-r2r" -v q -nodeReuse:false >/dev/null
dotnet publish viz/EngineViz.csproj -c Release -o "$work/viz-jit" -v q -nodeReuse:false >/dev/null
/usr/bin/python3 tests/fixtures/models/make_keras_models.py "$work/models" >/dev/null
/usr/bin/python3 bench/ownmodel/make_bench_models.py "$work/models"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

conv=$(/usr/bin/python3 bench/ownmodel/run.py --build "$work/conv" --rounds "$rounds" --k 5 --threads "$threads")
conv1=$(/usr/bin/python3 bench/ownmodel/run.py --build "$work/conv" --rounds "$rounds" --k 5 --threads 1)

models="emotion60 catsdogs64 gray_valid elu_s2"
default_rows=""
for build in viz-r2r viz-jit; do
  for m in $models; do
    "$work/$build/engine-viz" "$photo" --model "$work/models/$m.h5" --out "$work/out" --force --quiet >/dev/null  # warm the file cache
    stats=$(for i in $(seq "$repeats"); do
      /usr/bin/time -f '%e %U %S' -o "$work/time" "$work/$build/engine-viz" "$photo" --model "$work/models/$m.h5" --out "$work/out" --force --quiet --json > "$work/json"
      echo "$(cat "$work/time") $(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["wall_ms"], d["forward_ms"], len(d["files"]))' "$work/json")"
    done | /usr/bin/python3 -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
col = lambda i: statistics.median(r[i] for r in rows)
print(f"{col(0):.2f} s ({min(r[0] for r in rows):.2f}–{max(r[0] for r in rows):.2f}) | {col(1) + col(2):.2f} s | {col(3):.0f} ms | {col(4):.1f} ms | {int(rows[0][5])}")')
    default_rows+="| $m | ${build#viz-} | $stats |"$'\n'
  done
done

bench_rows=""
for m in $models; do
  for b in 1 8; do
    line=$("$work/viz-r2r/engine-viz" bench --model "$work/models/$m.h5" --batch "$b" --iterations 50 --warmup 5 --json --quiet | tail -1)
    bench_rows+=$(/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("| %s | %s | %.1f | %d | %.3f | %.0f | %.1f |" % (sys.argv[2], tuple(d["input"]), d["mflop_per_image"], d["batch"], d["median_ms"], d["images_per_s"], d["gflops_per_s"]))' "$line" "$m")$'\n'
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "### Own models: general convolution vs PyTorch, default run, forward (bench/ownmodel/run.sh)"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $threads threads."
  echo "Load average (1, 5, 15 min) before: $load_before, after: $load_after (this machine has $threads cores)."
  echo
  echo "**Convolution per layer shape.** Engine: the kernel the CPU backend picks for the layer (PackedConv2d: direct 3×3"
  echo "for 3×3 stride-1 'same' on widths its 14-pixel tiles suit, else im2col + Vector512 GEMM), fp32, NHWC, $threads threads."
  echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') F.conv2d, fp32, no grad, set_num_threads($threads), in NCHW and in channels_last"
  echo "(both timed; the ratio is against the faster one in each round). Seeded random input and weights, bias, no activation."
  echo "$rounds rounds × 5 calls per worker, order rotating, 20 ms pause between workers (spinning threads park)."
  echo
  echo "$conv" | grep '^|'
  echo
  echo "The same on **one thread each** (the kernels alone, without the two cores' scaling; less sensitive to other load):"
  echo
  echo "$conv1" | grep '^|'
  echo
  echo "**Full default run** (\`engine-viz PHOTO --model M.h5 --out DIR --force --quiet --json\`: decode, load the .h5, forward,"
  echo "grids, journey.gif, zoom.gif, index.html): median of $repeats runs of the whole process. wall_ms: the run's own clock"
  echo "(photo decode to the output folder renamed into place; excludes .NET startup and argument parsing)."
  echo "r2r: \`dotnet publish -c Release -r linux-x64 -p:PublishReadyToRun=true\`; jit: \`dotnet publish -c Release\`."
  echo
  echo "| model | build | process wall (range) | process CPU (user+sys) | wall_ms | forward_ms | files |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s' "$default_rows"
  echo
  echo "**Forward alone** (\`engine-viz bench --model M.h5 --batch B --iterations 50 --warmup 5\`, r2r build, seeded 0–255 input):"
  echo
  echo "| model | input | MFLOP / image | batch | median ms | images/s | GFLOP/s |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s' "$bench_rows"
} > "$out"
cat "$out"
