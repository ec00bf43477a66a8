#!/usr/bin/python3
"""Independent PyTorch reference for CnnEngine's deconvnet on an own Keras model (engine/Deconv/CnnProjector): builds
the model with keras_model_reference.py (h5py + PyTorch from the file's config and weights, nothing from the C# code)
and computes Zeiler & Fergus projections as a modified gradient, captum-style:

    projection = d(sum(seed * A_L)) / d(input)  with autograd, except that at every activation the backward is
    replaced: rectifiers (relu, relu6, ReLU layers, leaky_relu, elu) pass relu(grad) (guided: relu(grad) where
    the forward output > 0); sigmoid, tanh, softmax, linear pass grad unchanged.

Everything else is plain autograd, and each is the deconvnet step: conv2d's input gradient is the transposed conv
with the same kernel, stride and padding (F.pad's gradient crops the 'same' / ZeroPadding2D border); max_pool2d's
gradient routes each value to its argmax (= unpooling by the switches; overlapping windows add); the average pool
(sum / count) spreads each value evenly over the window's pixels inside the image; BatchNormalization and Rescaling
multiply by their scale. Biases get no gradient path to the input.

    keras_model_deconv_reference.py --model FILE [--config C] --image IMG --color rgb|grayscale --preprocess P
                                    --layer L --channel K --out DIR

Writes DIR/deconv_max.npy, deconv_map.npy, deconv_guided.npy, each (1, H, W, C) float32 in the input space as fed,
and DIR/deconv.json {"y", "x", "value"}: the strongest position of channel K (first in row-major order on ties).
"""
import json
import os

import numpy as np
import torch

import keras_model_reference as ref

torch.set_num_threads(2)


class Rule(torch.autograd.Function):
    """Forward: the activation's own output y. Backward to x: the deconvnet rule instead of f'(x)."""

    @staticmethod
    def forward(ctx, x, y, rectifier, guided):
        ctx.save_for_backward(y)
        ctx.rectifier, ctx.guided = rectifier, guided
        return y.clone()

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if ctx.rectifier:
            g = g.clamp(min=0)
            if ctx.guided:
                g = g * (y > 0).to(g.dtype)
        return g, None, None, None


def project(layers, weights, x_np, layer, channel, mode):
    ref.HOOK = lambda x, y, rectifier: Rule.apply(x, y.detach(), rectifier, mode == "guided")
    x = torch.from_numpy(x_np).clone().requires_grad_(True)
    outputs = {name: t for name, _, t, _ in ref.run(layers, weights, x)}
    a = outputs[layer]  # (1, h, w, c)
    plane = a[0, :, :, channel].detach()
    p = int(torch.argmax(plane.reshape(-1)))
    y, xx = p // plane.shape[1], p % plane.shape[1]
    seed = torch.zeros_like(a)
    if mode == "map":
        seed[0, :, :, channel] = plane
    else:
        seed[0, y, xx, channel] = plane[y, xx]
    (grad,) = torch.autograd.grad((a * seed).sum(), x)
    return grad.numpy().astype(np.float32), y, xx, float(plane[y, xx])


def main():
    ap = ref.model_arguments()
    ap.add_argument("--layer", required=True)
    ap.add_argument("--channel", type=int, required=True)
    a = ap.parse_args()
    layers, (h, w, c), weights = ref.load(a)
    x = ref.prepare_input(a, h, w, c)
    os.makedirs(a.out, exist_ok=True)
    where = None
    for mode in ("max", "map", "guided"):
        grad, y, xx, value = project(layers, weights, x, a.layer, a.channel, mode)
        np.save(os.path.join(a.out, f"deconv_{mode}.npy"), grad)
        where = {"y": y, "x": xx, "value": value}
    with open(os.path.join(a.out, "deconv.json"), "w") as f:
        json.dump(where, f)


if __name__ == "__main__":
    main()
