#!/usr/bin/python3
"""PyTorch peer of bench/peers/run.py: a long-lived worker that answers one command per line on stdin.

    load notop|full BATCH   → builds the model from --weights, 2 warm-up forwards, prints "ok"
    time K                  → K timed forwards, prints a JSON list of milliseconds
    quit
fp32, eager, no grad, torch.set_num_threads(--threads). Input: seeded random (N, 3, 224, 224).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg16_torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models, model, x = {}, None, None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "load":
            full = cmd[1] == "full"
            if full not in models:
                models.clear()  # one model at a time keeps the worker's memory to one copy
                models[full] = vgg16_torch.build(a.weights, full)
            model = models[full]
            x = torch.randn(int(cmd[2]), 3, 224, 224, generator=torch.Generator().manual_seed(1234))
            with torch.no_grad():
                for _ in range(2):
                    model(x)
            print("ok", flush=True)
        elif cmd[0] == "time":
            times = []
            with torch.no_grad():
                for _ in range(int(cmd[1])):
                    t = time.perf_counter()
                    model(x)
                    times.append((time.perf_counter() - t) * 1000)
            print(json.dumps(times), flush=True)
        elif cmd[0] == "info":
            print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        elif cmd[0] == "quit":
            break


if __name__ == "__main__":
    main()
