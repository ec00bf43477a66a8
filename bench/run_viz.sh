#!/usr/bin/env bash
# Wall time of the default engine-viz run (weights cached: forward + 18 grids + journey + zoom + report) on real
# photos, CPU device, Release build. Writes bench/results/viz.md.
#   bench/run_viz.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
build=/tmp/cnn-bench-build
dotnet build -c Release viz/EngineViz.csproj -o $build -v q >/dev/null
dotnet build -c Release weights-tools/WeightsTools.csproj -o /tmp/cnn-bench-wt -v q >/dev/null
h5=tests/.generated/bench_vgg16_full.h5
st=tests/.generated/bench_vgg16_full.safetensors
[ -f "$h5" ] || /usr/bin/python3 tests/fixtures/weights/make_vgg16_h5.py "$h5" --layout applications --seed 7 >/dev/null
[ -f "$st" ] || dotnet /tmp/cnn-bench-wt/weights-tools.dll convert "$h5" -o "$st" >/dev/null
out=$(mktemp -d)
median() { python3 -c 'import sys,statistics; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }
rows=()
for image in tfkerasvis_bear.jpg ozbulak_snake.png kerasvis_ouzel1.jpg; do
  for weights in "$st" "$h5"; do
    times=()
    for _ in $(seq "$runs"); do
      s=$(date +%s.%N)
      dotnet $build/engine-viz.dll "../shared/images/$image" --weights "$weights" --device cpu --out "$out/viz" --force --quiet >/dev/null 2>&1
      e=$(date +%s.%N)
      times+=("$(python3 -c "print($e-$s)")")
    done
    rows+=("| $image | $(basename "$weights") | $(median "${times[@]}") | $(python3 -c "print(f'{min(map(float, \"${times[*]}\".split())):.2f}')") |")
  done
done
rm -rf "$out"
mkdir -p bench/results
{
  echo "### Visualizer: the default run, wall time"
  echo
  echo "Measured $(date -u +%Y-%m-%d), $(nproc) cores, CPU device, Release build, whole process (start-up, weights open, decode, forward with every layer tapped, 18 grids, journey.gif, zoom.gif, index.html), median of $runs runs. Weights: seeded full-size VGG16 with the top (the real ImageNet file cannot be downloaded here), as .safetensors (memory-mapped) and as the 553 MB keras-applications .h5. Target: ≤ 3 s with cached weights."
  echo
  echo "| image | weights file | median s | best s |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > bench/results/viz.md
cat bench/results/viz.md
