#!/usr/bin/env bash
# General convolution per layer shape: C# Conv2dGeneral vs PyTorch conv2d, same machine, same thread count.
#   bench/ownmodel/run.sh [iterations]   → prints the markdown table (paste into bench/ownmodel/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")"
iterations=${1:-20}
threads=$(nproc)
dotnet build -c Release OwnModelBench.csproj -o /tmp/cnn-ownmodel-bench -v q >/dev/null
dotnet /tmp/cnn-ownmodel-bench/ownmodel-bench.dll shapes.json "$iterations" > /tmp/cnn-ownmodel-cs.jsonl
/usr/bin/python3 pytorch_conv.py shapes.json "$iterations" "$threads" > /tmp/cnn-ownmodel-pt.jsonl
python3 - <<'PY'
import json
cs = [json.loads(l) for l in open("/tmp/cnn-ownmodel-cs.jsonl")]
pt = [json.loads(l) for l in open("/tmp/cnn-ownmodel-pt.jsonl")]
print("| shape | C# ms | C# GFLOP/s | PyTorch ms | PyTorch GFLOP/s | C# / PyTorch time |")
print("|---|---|---|---|---|---|")
for c, p in zip(cs, pt):
    print(f"| {c['name']} | {c['median_ms']:.3f} | {c['gflops']:.0f} | {p['median_ms']:.3f} | {p['gflops']:.0f} | {c['median_ms'] / p['median_ms']:.2f}× |")
PY
