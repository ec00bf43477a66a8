#!/usr/bin/python3
"""Independent PyTorch reference for CnnEngine's deconvnet (Zeiler & Fergus 2014) and occlusion maps.

Nothing here mirrors the C# code. A projection is computed as a gradient, the way captum's Deconvolution does:
the gradient of sum(seed * A_L) with respect to the input, where
  * every ReLU's backward is replaced by relu(grad)                     (deconvnet rectification),
    or by relu(grad) * (forward output > 0)                              (guided backprop, --mode guided);
  * max pooling routes the gradient to its argmax (PyTorch's own max_pool2d backward);
  * convolutions back-propagate through their transpose (PyTorch's own conv2d backward), bias irrelevant.
By default the pools' argmax is torch's own. Two correct float32 forwards can disagree on a near-tie inside a
2x2 window (rounding decides it), which moves a projection locally; --switches DIR makes the pools route by the
engine's recorded switches instead and records, per pool, how far each given switch's value is from its window's
true maximum (switch_check.json), so a test can require that every disagreement is a near-tie.
The seed is A_L's channel k with everything else zeroed: only its strongest activation (max, guided; first
maximum in row-major order) or the whole map (map).

Occlusion (Fig. 7): a square of side P set to 0 (the mean pixel after preprocessing) at top-left corners
0, S, 2S, ... while corner + P <= side; for each position: the total activation of the feature map of L that has
the largest sum on the unoccluded image, the probability of class C (default: unoccluded top-1) and the argmax class.

Weights: a Keras .h5 file (any layout tests/reference/vgg16_reference.py reads), or a folder of
<layer>.kernel.npy / <layer>.bias.npy in Keras layout. Input: a preprocessed float32 (1, H, W, 3) BGR .npy
(--input-npy) or an image loaded like keras.utils.load_img + preprocess_input (--image).

Usage:
  deconv_reference.py --weights W --input-npy X.npy --project block3_conv3:5:max --project block5_pool:7:map --out DIR
      writes DIR/deconv_<layer>_<k>_<mode>.npy float32 (1, H, W, 3)
  deconv_reference.py --weights W --input-npy X.npy --occlusion LAYER --patch P --stride S [--class C] --out DIR
      writes DIR/occlusion_activation.npy float32, occlusion_prob.npy float32, occlusion_argmax.npy int32 (rows = y),
      and DIR/occlusion.json (the strongest map, the class)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import vgg16_reference as ref  # noqa: E402  (weights reader, image loader, layer list)


def load_weights(path):
    if os.path.isdir(path):
        weights = {}
        for name in ref.WEIGHTED:
            k = os.path.join(path, name + ".kernel.npy")
            if os.path.exists(k):
                weights[name] = (np.load(k).astype(np.float32), np.load(os.path.join(path, name + ".bias.npy")).astype(np.float32))
        has_top = all(t[0] in weights for t in ref.TOP)
        return weights, has_top
    weights, has_top, _ = ref.load_weights(path)
    return weights, has_top


class DeconvRelu(torch.autograd.Function):
    """ReLU whose backward is relu(grad) (deconvnet) or relu(grad) where the forward output was > 0 (guided)."""

    @staticmethod
    def forward(ctx, x, guided):
        y = x.clamp(min=0)
        ctx.save_for_backward(y)
        ctx.guided = guided
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        g = grad.clamp(min=0)
        if ctx.guided:
            g = g * (y > 0).to(g.dtype)
        return g, None


NEAR_TIE_CHECKS = []


def pool_with_switches(t, switches, name):
    """Max pool whose argmax is given (the engine's recorded switches, (1, H', W', C) flat y*W+x): the output is
    gathered at those positions, so autograd routes the gradient there. Checks each given switch is a (near-)argmax
    of its window: records the largest gap between the window max and the value at the switch."""
    n, c, h, w = t.shape
    idx = torch.from_numpy(switches).permute(0, 3, 1, 2).contiguous().long()  # (1, C, H', W')
    out = t.reshape(n, c, h * w).gather(2, idx.reshape(n, c, -1)).reshape(idx.shape)
    true_max = F.max_pool2d(t.detach(), kernel_size=2, stride=2)
    # a switch must lie inside its own 2x2 window
    oy = torch.arange(idx.shape[2]).view(1, 1, -1, 1)
    ox = torch.arange(idx.shape[3]).view(1, 1, 1, -1)
    inside = ((idx // w) // 2 == oy) & ((idx % w) // 2 == ox)
    gap = (true_max - out.detach()).abs().max().item()
    scale = true_max.abs().max().item()
    NEAR_TIE_CHECKS.append({"pool": name, "outside_window": int((~inside).sum().item()),
                            "differs_from_torch_argmax": int(((true_max - out.detach()) != 0).sum().item()),
                            "max_gap": gap, "max_gap_relative": gap / scale if scale > 0 else 0.0})
    return out


def forward_to(x_nchw, weights, layer, guided, switches_dir=None):
    """Runs the conv base up to `layer` with deconv ReLUs; returns that layer's output (N, C, H, W).
    With switches_dir, pools route by the given switches (<pool>_switches.npy) instead of torch's own argmax."""
    t = x_nchw
    for name, kind in ref.layer_list():
        if kind == "conv":
            k, b = weights[name]
            w = torch.from_numpy(k).permute(3, 2, 0, 1).contiguous()  # (3,3,Cin,Cout) -> (Cout,Cin,3,3)
            t = DeconvRelu.apply(F.conv2d(t, w, torch.from_numpy(b), padding=1), guided)
        elif switches_dir:
            t = pool_with_switches(t, np.load(os.path.join(switches_dir, name + "_switches.npy")), name)
        else:
            t = F.max_pool2d(t, kernel_size=2, stride=2)
        if name == layer:
            return t
    raise SystemExit(f"unknown layer {layer}")


def project(x_nhwc, weights, layer, channel, mode, switches_dir=None):
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc)).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
    a = forward_to(x, weights, layer, guided=(mode == "guided"), switches_dir=switches_dir)  # (1, C, h, w)
    seed = torch.zeros_like(a)
    plane = a[0, channel].detach()
    if mode == "map":
        seed[0, channel] = plane
    else:
        flat = int(np.argmax(plane.numpy().reshape(-1)))  # first maximum in row-major order
        y, xx = divmod(flat, plane.shape[1])
        seed[0, channel, y, xx] = plane[y, xx]
    (a * seed).sum().backward()
    return x.grad.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)  # (1, H, W, 3) BGR


def full_forward(x_nhwc, weights, has_top, layer):
    """(layer activations NHWC, predictions or None) for a batch."""
    t = torch.from_numpy(np.ascontiguousarray(x_nhwc)).permute(0, 3, 1, 2).contiguous()
    act = None
    for name, kind in ref.layer_list():
        if kind == "conv":
            k, b = weights[name]
            t = F.relu(F.conv2d(t, torch.from_numpy(k).permute(3, 2, 0, 1).contiguous(), torch.from_numpy(b), padding=1))
        else:
            t = F.max_pool2d(t, kernel_size=2, stride=2)
        if name == layer:
            act = t.permute(0, 2, 3, 1).numpy()
    probs = None
    if has_top:
        h = t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)
        for name, _, kind in ref.TOP:
            k, b = weights[name]
            h = h @ torch.from_numpy(k) + torch.from_numpy(b)
            h = F.relu(h) if kind == "relu" else F.softmax(h, dim=1)
        probs = h.numpy()
    return act, probs


def occlusion(x_nhwc, weights, has_top, layer, patch, stride, klass, batch):
    _, H, W, _ = x_nhwc.shape
    if patch > H or patch > W:
        raise SystemExit(f"patch {patch} larger than the {H}x{W} image")
    ys = list(range(0, H - patch + 1, stride))
    xs = list(range(0, W - patch + 1, stride))
    act0, probs0 = full_forward(x_nhwc, weights, has_top, layer)
    sums = act0[0].astype(np.float64).sum(axis=(0, 1))
    strongest = int(np.argmax(sums))
    if has_top and klass is None:
        klass = int(np.argmax(probs0[0]))
    amap = np.zeros((len(ys), len(xs)), np.float32)
    pmap = np.zeros((len(ys), len(xs)), np.float32)
    cmap = np.zeros((len(ys), len(xs)), np.int32)
    cells = [(i, j) for i in range(len(ys)) for j in range(len(xs))]
    with torch.no_grad():
        for s in range(0, len(cells), batch):
            chunk = cells[s:s + batch]
            xb = np.repeat(x_nhwc, len(chunk), axis=0)
            for n, (i, j) in enumerate(chunk):
                xb[n, ys[i]:ys[i] + patch, xs[j]:xs[j] + patch, :] = 0
            act, probs = full_forward(xb, weights, has_top, layer)
            for n, (i, j) in enumerate(chunk):
                amap[i, j] = act[n, :, :, strongest].astype(np.float64).sum()
                if probs is not None:
                    pmap[i, j] = probs[n, klass]
                    cmap[i, j] = int(np.argmax(probs[n]))
    return amap, pmap, cmap, strongest, klass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", required=True)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--image")
    src.add_argument("--input-npy")
    ap.add_argument("--project", action="append", default=[], help="LAYER:CHANNEL:MODE (max|map|guided), repeatable")
    ap.add_argument("--switches", metavar="DIR", help="route pools by these switches (<pool>_switches.npy int32 (1,H',W',C)) "
                    "instead of torch's own argmax; writes switch_check.json (how far each given switch is from the window max)")
    ap.add_argument("--occlusion", metavar="LAYER")
    ap.add_argument("--patch", type=int)
    ap.add_argument("--stride", type=int)
    ap.add_argument("--class", dest="klass", type=int)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    weights, has_top = load_weights(args.weights)
    x = np.load(args.input_npy).astype(np.float32) if args.input_npy else ref.load_image(args.image, (224, 224), "nearest")
    os.makedirs(args.out, exist_ok=True)
    if args.input_npy is None:
        np.save(os.path.join(args.out, "input.npy"), x)

    for spec in args.project:
        layer, channel, mode = spec.split(":")
        p = project(x, weights, layer, int(channel), mode, args.switches)
        np.save(os.path.join(args.out, f"deconv_{layer}_{channel}_{mode}.npy"), p)
    if args.switches:
        with open(os.path.join(args.out, "switch_check.json"), "w") as fh:
            json.dump(NEAR_TIE_CHECKS, fh)

    if args.occlusion:
        if args.patch is None or args.stride is None:
            raise SystemExit("--occlusion needs --patch and --stride")
        amap, pmap, cmap, strongest, klass = occlusion(x, weights, has_top, args.occlusion, args.patch, args.stride, args.klass, args.batch)
        np.save(os.path.join(args.out, "occlusion_activation.npy"), amap)
        if has_top:
            np.save(os.path.join(args.out, "occlusion_prob.npy"), pmap)
            np.save(os.path.join(args.out, "occlusion_argmax.npy"), cmap)
        with open(os.path.join(args.out, "occlusion.json"), "w") as fh:
            json.dump({"strongest_channel": strongest, "class": klass}, fh)


if __name__ == "__main__":
    main()
