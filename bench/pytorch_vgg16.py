#!/usr/bin/env python3
"""PyTorch side of the CPU benchmark: VGG16's conv stack (13 conv + ReLU + 5 max pools, as Keras builds it)
at batch N, fp32, eager, no grad, with the same thread count as the C# engine. Prints one JSON line.

Usage: pytorch_vgg16.py --batch 1 --iterations 10 --threads 2 [--side 224] [--full]
"""
import argparse, json, statistics, time
import torch
import torch.nn as nn


def vgg16_conv_stack():
    layers, c = [], 3
    for width, convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(convs):
            layers += [nn.Conv2d(c, width, 3, padding=1), nn.ReLU(inplace=True)]
            c = width
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--side", type=int, default=224)
    ap.add_argument("--full", action="store_true", help="whole model with the top (fc1, fc2, predictions)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = vgg16_conv_stack()
    if a.full:
        model = nn.Sequential(model, nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
                              nn.Linear(4096, 1000), nn.Softmax(dim=1))
    model.eval()
    x = torch.randn(a.batch, 3, a.side, a.side)
    times = []
    with torch.no_grad():
        for _ in range(a.warmup):
            model(x)
        for _ in range(a.iterations):
            t = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
                      "batch": a.batch, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "model": "full" if a.full else "notop"}))


if __name__ == "__main__":
    main()
