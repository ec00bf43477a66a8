#!/bin/sh
# Conv-stack GFLOP/s of every conv rung on OpenCL device 0 (pocl here), 224×224, batch 1; per-layer times for the
# fast rungs. Results go to stdout as markdown rows; paste them into bench/gpu/RESULTS.md with the date and load.
#   bench/gpu/run.sh [--device opencl:0|cuda:0]
set -e
cd "$(dirname "$0")/../.."
dotnet build bench/gpu/GpuBench.csproj -c Release --artifacts-path artifacts/gpu-bench -v q
export POCL_AFFINITY=1
BENCH="dotnet artifacts/gpu-bench/bin/GpuBench/release/gpu-bench.dll"
$BENCH "$@" --rungs naive,tiled --reps 1            # ~1 GFLOP/s on pocl: one forward each is plenty
$BENCH "$@" --rungs regblock,winograd --reps 7 --layers
