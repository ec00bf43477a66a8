#!/usr/bin/python3
"""PyTorch's conv2d on the shapes of shapes.json (TensorFlow 'same' padding applied with F.pad, as the engine does),
batch 1, fp32, no grad, torch.set_num_threads(THREADS): median of N runs after 2 warm-ups, one JSON line per shape."""
import json, sys, time
import torch
import torch.nn.functional as F

shapes = json.load(open(sys.argv[1]))
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
torch.manual_seed(1)
for s in shapes:
    h, w, cin, cout, k, st = s["h"], s["w"], s["cin"], s["cout"], s["k"], s["s"]
    x = torch.rand(1, cin, h, w)
    wt = torch.rand(cout, cin, k, k) - 0.5
    def pads(n):
        if not s["same"]:
            return 0, 0
        out = (n + st - 1) // st
        t = max((out - 1) * st + k - n, 0)
        return t // 2, t - t // 2
    (pt, pb), (pl, pr) = pads(h), pads(w)
    times = []
    with torch.no_grad():
        for i in range(iterations + 2):
            t0 = time.perf_counter()
            y = F.conv2d(F.pad(x, (pl, pr, pt, pb)), wt, stride=st)
            if i >= 2:
                times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    med = times[len(times) // 2]
    flops = 2.0 * y.numel() * k * k * cin
    print(json.dumps({"name": s["name"], "median_ms": med, "gflops": flops / med / 1e6}))
