#!/usr/bin/python3
"""PyTorch side of bench/ownmodel/run.py: a long-lived worker answering one command per line on stdin.

    conv N H W CIN COUT KH KW STRIDE same|valid LAYOUT   → seeded input and weights, LAYOUT nchw | nhwc
                                                          (torch.channels_last), 2 warm-ups, prints "ok"
    time K                                              → K timed F.conv2d calls, prints a JSON list of ms
    quit
fp32, no grad, torch.set_num_threads(--threads). TensorFlow 'same' padding: padding=(k-1)/2 when it is symmetric
(odd kernel, stride 1, as every 'same' shape of the benchmark), else F.pad first.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def tf_pads(n, k, s):
    out = (n + s - 1) // s
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(7)
    run = None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "conv":
            n, h, w, cin, cout, kh, kw, s = map(int, cmd[1:9])
            same, layout = cmd[9] == "same", cmd[10]
            x = torch.rand(n, cin, h, w, generator=g)
            wt = torch.rand(cout, cin, kh, kw, generator=g) - 0.5
            b = torch.zeros(cout)
            if layout == "nhwc":
                x, wt = x.contiguous(memory_format=torch.channels_last), wt.contiguous(memory_format=torch.channels_last)
            (pt, pb), (pl, pr) = tf_pads(h, kh, s) if same else (0, 0), tf_pads(w, kw, s) if same else (0, 0)
            if pt == pb and pl == pr:
                run = lambda x=x, wt=wt, b=b, s=s, p=(pt, pl): F.conv2d(x, wt, b, stride=s, padding=p)
            else:
                run = lambda x=x, wt=wt, b=b, s=s, p=(pl, pr, pt, pb): F.conv2d(F.pad(x, p), wt, b, stride=s)
            with torch.no_grad():
                run(); run()
            print("ok", flush=True)
        elif cmd[0] == "time":
            times = []
            with torch.no_grad():
                for _ in range(int(cmd[1])):
                    t = time.perf_counter()
                    run()
                    times.append((time.perf_counter() - t) * 1000)
            print(json.dumps(times), flush=True)
        elif cmd[0] == "quit":
            break


if __name__ == "__main__":
    main()
