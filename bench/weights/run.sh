#!/usr/bin/env bash
# Weights loading benchmark (issue 2): loading the 553 MB VGG16 .h5 into engine-ready tensors vs reading the file
# once from page cache, and safetensors open time. Writes bench/weights/RESULTS.md.
#   bench/weights/run.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-15}
gen=tests/.generated
mkdir -p "$gen"
h5=$gen/bench_weights_vgg16_full.h5
st=$gen/bench_weights_vgg16_full.safetensors
[ -f "$h5" ] || /usr/bin/python3 tests/fixtures/weights/make_vgg16_h5.py "$h5" --layout applications --seed 7
out=/tmp/cnn-weights-bench-$$
# A private artifacts folder: other builds running in this checkout are never disturbed.
dotnet build -c Release bench/weights/WeightsBench.csproj --artifacts-path "$out" -v q >/dev/null
dotnet build -c Release weights-tools/WeightsTools.csproj --artifacts-path "$out" -v q >/dev/null
[ -f "$st" ] || dotnet "$out/bin/WeightsTools/release/weights-tools.dll" convert "$h5" -o "$st" >/dev/null
table=$(dotnet "$out/bin/WeightsBench/release/weights-bench.dll" "$h5" "$st" --runs "$runs")
rm -rf "$out"
{
  echo "# Weights loading benchmark"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/weights/run.sh\` on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))."
  echo "The machine is shared with other jobs: numbers are noisy, so each measurement runs $runs times, interleaved round by round with the others,"
  echo "after one warm-up run that also puts the file in the page cache; the table gives medians, min and max, and the median of the per-round ratio to read-once (the ratio is what the target is about, and it is more robust to the noise than the raw times)."
  echo
  echo "$table"
  echo
  echo "- **read-once**: the whole file read into one freshly allocated buffer — the baseline of the issue's target."
  echo "- **read-streaming**: the file streamed through a reused 4 MiB buffer (page-cache bandwidth without fresh memory)."
  echo "- **h5-load**: \`WeightStore.Open\` + \`Vgg16Weights.FromStore\` on the keras-applications layout: every tensor"
  echo "  decoded to float32 in Keras layout, ready for the engine (backends repack conv kernels at their own load; not timed here)."
  echo "  Target: ≤ 1.5 × read-once."
  echo "- **st-open**: \`WeightStore.Open\` of the converted .safetensors (header parsed and validated, file mapped). Target: ≤ 50 ms."
  echo "- **st-load**: st-open + \`Vgg16Weights.FromStore\`: zero-copy views into the mapping (pages are touched later, by the first forward)."
} > bench/weights/RESULTS.md
cat bench/weights/RESULTS.md
