#!/usr/bin/env bash
# CPU benchmark: this engine, ONNX Runtime 1.31.1 (C#, MLAS) and PyTorch 1.13 in one run, interleaved, same model
# (torch.onnx.export, opset 13, from the seeded full-size .h5), same thread count; then the per-layer
# direct-vs-Winograd table (with the algorithm each layer uses and why), the conv stack under each ConvPolicy, the
# `features` pipeline and peak RSS (direct only = before Winograd, packed = every transformed kernel kept, auto). Writes bench/results/cpu.md (RESULTS.md quotes it).
#   bench/run_cpu.sh [rounds]        (rounds of the interleaved peers run; 2 forwards per peer per round)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
threads=$(nproc)
build=/tmp/cnn-bench-peers
out=bench/results/cpu.md
weights=tests/.generated/bench_vgg16_full.h5
onnx=tests/.generated/onnx
[ -f "$weights" ] || /usr/bin/python3 tests/fixtures/weights/make_vgg16_h5.py "$weights" --layout applications --seed 7 >/dev/null
[ -f "$onnx/vgg16_full.onnx" ] || /usr/bin/python3 bench/peers/export_onnx.py "$weights" "$onnx" >/dev/null
dotnet build -c Release bench/peers/PeersBench.csproj -o "$build" -v q -nodeReuse:false >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
peers=$(/usr/bin/python3 bench/peers/run.py --weights "$weights" --onnx "$onnx" --build "$build" --rounds "$rounds" --k 2 --threads "$threads")
# The same without the settling pause and untimed forward before each turn (how runs 1–6 were measured), for comparison.
unsettled=$(/usr/bin/python3 bench/peers/run.py --weights "$weights" --onnx "$onnx" --build "$build" --rounds "$rounds" --k 2 --threads "$threads" --cases notop:1,full:1 --no-settle)
layers1=$(dotnet "$build/peers-bench.dll" layers --batch 1 --rounds 5 --threads "$threads")
policies1=$(dotnet "$build/peers-bench.dll" policies --batch 1 --rounds 9 --threads "$threads")
policies8=$(dotnet "$build/peers-bench.dll" policies --batch 8 --rounds 3 --threads "$threads")
gemm=""
for cin in 64 256 512; do gemm+="$(dotnet "$build/peers-bench.dll" gemm --cin $cin --reps 3000)"$'\n'; done
features=$(dotnet "$build/peers-bench.dll" features --images ../shared/images --copies 8 --rounds 5)
rss=""
for args in "--policy direct --batch 1" "--policy packed --batch 1" "--policy auto --batch 1" "--policy lowmem --batch 1" "--policy direct --batch 8" "--policy packed --batch 8" "--policy auto --batch 8" "--policy lowmem --batch 8"; do
  rss+="$(dotnet "$build/peers-bench.dll" rss $args)"$'\n'
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p bench/results
{
  echo "### CPU: this engine vs ONNX Runtime vs PyTorch (one interleaved run)"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $threads threads each."
  echo "Load average (1, 5, 15 min) before: $load_before, after: $load_after (this machine has $threads cores)."
  echo "ONNX Runtime $(ls ~/.nuget/packages/microsoft.ml.onnxruntime/ | tail -1) (C#, IntraOpNumThreads = $threads, sequential, ORT_ENABLE_ALL) on the torch.onnx.export (opset 13) model;"
  echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') eager fp32, no grad, set_num_threads($threads). Same seeded weights for all three; $rounds rounds × 2 timed forwards per peer, order rotating; before each turn a 50 ms pause (the previous peer's spinning threads park) and one untimed forward (caches refilled)."
  echo "Ratios: median over rounds of (engine's round median / peer's round median), range in brackets."
  echo
  echo "$peers" | grep '^|'
  echo
  echo '```json'
  echo "$peers" | tail -1
  echo '```'
  echo
  echo "Without the settling pause and untimed forward before each turn (the method of runs 1–6), batch 1 only:"
  echo
  echo "$unsettled" | grep '^|'
  echo
  echo "### Per layer, batch 1: direct vs Winograd F(4×4, 3×3) packed or transformed on the fly, and F(2×2, 3×3) on the fly or packed (alternating, median of 5)"
  echo
  echo "$layers1"
  echo
  echo "### Conv stack under each ConvPolicy (interleaved; auto = what the engine uses)"
  echo
  echo "$policies1"
  echo
  echo "$policies8"
  echo
  echo "### Winograd GEMM microkernel alone (cache-resident, one thread; per-core FMA peak ≈ 220 GFLOP/s)"
  echo
  echo '```'
  printf '%s' "$gemm"
  echo '```'
  echo
  echo "### features"
  echo
  echo "$features"
  echo
  echo "### Peak RSS (seeded random weights, 3 forwards, one process each)"
  echo
  echo '```'
  printf '%s' "$rss"
  echo '```'
} > "$out"
cat "$out"
