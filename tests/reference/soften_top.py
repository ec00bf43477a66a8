#!/usr/bin/python3
"""Scales the `predictions` layer (kernel and bias) of a Keras VGG16 .h5 file in place by a power of two.

    soften_top.py FILE.h5 [--scale 0.015625]

Why: seeded He-normal weights (tests/fixtures/weights/make_vgg16_h5.py) give logits with a spread of ~150, so
the softmax saturates (top-1 = 1.0, the rest underflow to 0 or denormals) and "top-5 identical" would compare
underflowed noise. Dividing the last layer by 64 brings the logit spread to ~2-3 while keeping every value an
exact float32 (a power-of-two scale only changes the exponent), so both the C# engine and the reference read
precisely the same, still seeded, weights. Works on the keras-applications and Keras 2 layouts (via the layer's
weight_names attr) and on Keras 3 files (layers/dense_2/vars or layers/predictions/vars).
"""
import argparse
import math
import sys

import h5py
import numpy as np


def predictions_datasets(f):
    root = f["model_weights"] if "model_weights" in f and "layer_names" in f["model_weights"].attrs else f
    if "layer_names" in root.attrs:
        g = root["predictions"]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g.attrs["weight_names"]]
        return [g[n] for n in names]
    for key in ("predictions", "dense_2"):
        if f"layers/{key}/vars" in f:
            v = f[f"layers/{key}/vars"]
            return [v["0"], v["1"]]
    raise SystemExit("no predictions layer found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--scale", type=float, default=1 / 64)
    args = ap.parse_args()
    mantissa, _ = math.frexp(args.scale)
    if mantissa != 0.5:
        raise SystemExit("--scale must be a power of two (exact in float32)")
    with h5py.File(args.file, "r+") as f:
        for ds in predictions_datasets(f):
            ds[...] = (ds[()].astype(np.float64) * args.scale).astype(ds.dtype)
    return 0


if __name__ == "__main__":
    sys.exit(main())
