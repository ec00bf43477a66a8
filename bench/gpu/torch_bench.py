#!/usr/bin/env python3
"""VGG16 in PyTorch on the same GPU, the reference speed for device-check.sh: conv stack (13 convs + 5 pools) and the
full model (+ fc1, fc2, predictions, softmax), fp32, eager, NHWC input converted as our engine takes it (the transfer
and conversion are timed, as our forward times its upload and read-back). Prints one JSON object per line.
Built by hand (no torchvision needed); random weights: speed does not depend on the values."""
import argparse, json, time
import torch
import torch.nn as nn

CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16(top):
    layers, c = [], 3
    for v in CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    if top:
        layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 4096),
                   nn.ReLU(inplace=True), nn.Linear(4096, 1000), nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 (default: strict fp32, as our kernels)")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    for top in (False, True):
        model = vgg16(top).to(dev).eval()
        for batch in (int(b) for b in a.batches.split(",")):
            x_host = torch.randn(batch, 224, 224, 3) * 60  # NHWC on the host, like our input tensor
            with torch.inference_mode():
                def run():
                    x = x_host.to(dev, non_blocking=False).permute(0, 3, 1, 2).contiguous()
                    y = model(x)
                    return y.cpu()
                for _ in range(3):
                    run()
                torch.cuda.synchronize()
                reps = 10 if batch < 16 else 5
                times = []
                for _ in range(reps):
                    t = time.perf_counter()
                    run()
                    torch.cuda.synchronize()
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            print(json.dumps({"model": "full" if top else "conv stack", "batch": batch, "median_ms": times[len(times) // 2],
                              "min_ms": times[0], "torch": torch.__version__, "cuda": torch.version.cuda,
                              "device": torch.cuda.get_device_name(0), "tf32": a.tf32}), flush=True)


if __name__ == "__main__":
    main()
