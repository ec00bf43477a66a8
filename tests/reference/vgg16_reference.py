#!/usr/bin/python3
"""Independent reference for CnnEngine's VGG16: every layer's output, the pool switches and the top-5,
computed with h5py + PIL + numpy + PyTorch from a Keras .h5 weights file and an image.

Nothing here imports or mirrors the C# code; it follows Keras's own definitions:
  * weights: the three Keras .h5 layouts, read with h5py the way Keras reads them
      - keras-applications release files: root attr `layer_names`, per layer attr `weight_names`
        (`block1_conv1_W_1:0`, `block1_conv1_b_1:0`), datasets inside the layer's group;
      - Keras 2 `save_weights` / `save`: the same attrs (optionally under `model_weights/`), datasets
        `block1_conv1/block1_conv1/kernel:0`;
      - Keras 3 `.weights.h5`: `layers/<key>/vars/0` (kernel), `vars/1` (bias), where <key> is Keras 3's
        class-name counter (conv2d, conv2d_1 ... conv2d_12, dense, dense_1, dense_2) in model order.
  * image: `keras.utils.load_img(path, target_size=(224, 224), interpolation=...)` = PIL open, convert('RGB')
    when the mode is not RGB (alpha dropped, grayscale/palette expanded), resize with PIL NEAREST / BILINEAR
    only when the size differs; then `img_to_array` (float32) and `vgg16.preprocess_input` ('caffe' mode:
    RGB -> BGR, subtract 103.939, 116.779, 123.68, in float32).
  * network: conv2d padding=1 with the Keras kernel permuted (3,3,Cin,Cout) -> (Cout,Cin,3,3) + ReLU;
    max_pool2d(2, 2, return_indices=True) (floor mode drops an odd last row/column like Keras 'valid';
    the index is the flat y*W + x in the channel's input plane; PyTorch's CPU kernel keeps the first
    maximum in row-major window order); flatten in channels-last order (NCHW -> NHWC, then reshape) for fc1;
    fc1/fc2 ReLU; predictions softmax.

Outputs in --out DIR (all little-endian, C order):
  input.npy                 float32 (1, H, W, 3)  the preprocessed BGR input
  <layer>.npy               float32 (1, H, W, C)  for the 18 conv/pool layers (NHWC like Keras)
  fc1.npy fc2.npy predictions.npy  float32 (1, K)  when the weights have the top
  <pool>_switches.npy       int32   (1, H', W', C)
  top5.json                 [{"index": i, "probability": p}, ...] (only with the top)
  meta.json                 sizes, layout, and with --float64-check the fp32 noise per layer

--float64-check runs the same network again in float64 (same float32 weights and input) and records per layer
max |fp32 - fp64| (absolute, and relative to the layer's max |fp64|), and per pool how many switches differ
between the fp32 and fp64 passes (near ties decided by rounding). This quantifies how far two correct float32
implementations can legitimately drift apart.

Usage:
  vgg16_reference.py --weights W.h5 --image IMG [--resize nearest|bilinear] [--size 224|native] --out DIR
  vgg16_reference.py --weights W.h5 --input-npy X.npy --out DIR      (a preprocessed (1,H,W,3) input instead)
  vgg16_reference.py --input-only --image IMG [--resize ...] [--size ...] --out DIR   (input.npy only)
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

CONV_BLOCKS = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
TOP = [("fc1", 4096, "relu"), ("fc2", 4096, "relu"), ("predictions", 1000, "softmax")]
BGR_MEAN = (103.939, 116.779, 123.68)


def layer_list():
    """[(name, kind)] in Keras order; kind in conv/pool."""
    layers = []
    for b, (n, _) in enumerate(CONV_BLOCKS, start=1):
        for i in range(1, n + 1):
            layers.append((f"block{b}_conv{i}", "conv"))
        layers.append((f"block{b}_pool", "pool"))
    return layers


WEIGHTED = [name for name, kind in layer_list() if kind == "conv"] + [t[0] for t in TOP]


# ----------------------------------------------------------------------------------------------- weights
def _decode(names):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]


def _read_keras2_style(root):
    """keras-applications and Keras 2: root attr layer_names, per-layer attr weight_names (kernel first)."""
    out = {}
    for layer in _decode(root.attrs["layer_names"]):
        if layer not in WEIGHTED:
            continue
        g = root[layer]
        names = _decode(g.attrs.get("weight_names", []))
        if len(names) == 0:
            continue
        if len(names) != 2:
            raise SystemExit(f"layer {layer}: expected 2 weights (kernel, bias), found {names}")
        out[layer] = (np.asarray(g[names[0]], dtype=np.float32), np.asarray(g[names[1]], dtype=np.float32))
    return out, ("keras_applications" if any("_W_" in n or n.endswith("_W:0") for n in _all_dataset_names(root))
                 else "keras2")


def _all_dataset_names(root):
    names = []
    root.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def _read_keras3(root):
    """Keras 3 .weights.h5: layers/<key>/vars/0 = kernel, vars/1 = bias. Keras 3 keys a Sequential/Functional
    model's layers by snake-cased class name plus a per-class counter in model order (conv2d, conv2d_1, ...,
    conv2d_12; dense, dense_1, dense_2), not by layer name; a file keyed by layer name is accepted too."""
    by_name, by_class = {}, {"conv2d": {}, "dense": {}}
    for key in root["layers"]:
        g = root["layers"][key]
        if not isinstance(g, h5py.Group) or "vars" not in g or "0" not in g["vars"]:
            continue
        kb = (np.asarray(g["vars"]["0"], dtype=np.float32), np.asarray(g["vars"]["1"], dtype=np.float32))
        if key in WEIGHTED:
            by_name[key] = kb
            continue
        base, _, counter = key.rpartition("_")
        if not counter.isdigit():
            base, counter = key, "0"
        if base in by_class:
            by_class[base][int(counter)] = kb
    if by_name:
        return by_name, "keras3"
    convs = [n for n in WEIGHTED if n.startswith("block")]
    dense = [t[0] for t in TOP]
    out = {}
    for names, found in ((convs, by_class["conv2d"]), (dense, by_class["dense"])):
        for i, counter in enumerate(sorted(found)):
            if counter != i or i >= len(names):
                raise SystemExit(f"keras3 file: unexpected layer keys {sorted(found)}")
            out[names[i]] = found[counter]
    return out, "keras3"


def load_weights(path):
    with h5py.File(path, "r") as f:
        if "layer_names" in f.attrs:
            weights, layout = _read_keras2_style(f)
        elif "model_weights" in f and "layer_names" in f["model_weights"].attrs:
            weights, layout = _read_keras2_style(f["model_weights"])
        elif "layers" in f:
            weights, layout = _read_keras3(f)
        else:
            raise SystemExit(f"{path}: not a Keras weights file (no layer_names attr, no layers/ group)")
    cin = 3
    for b, (n, cout) in enumerate(CONV_BLOCKS, start=1):
        for i in range(1, n + 1):
            name = f"block{b}_conv{i}"
            if name not in weights:
                raise SystemExit(f"{path}: layer {name} missing")
            k, bias = weights[name]
            if k.shape != (3, 3, cin, cout) or bias.shape != (cout,):
                raise SystemExit(f"{path}: {name} kernel {k.shape} bias {bias.shape}, VGG16 needs (3, 3, {cin}, {cout})")
            cin = cout
    has_top = all(t[0] in weights for t in TOP)
    if has_top:
        fin = 7 * 7 * 512
        for name, fout, _ in TOP:
            k, bias = weights[name]
            if k.shape != (fin, fout) or bias.shape != (fout,):
                raise SystemExit(f"{path}: {name} kernel {k.shape}, VGG16 needs ({fin}, {fout})")
            fin = fout
    return weights, has_top, layout


# ----------------------------------------------------------------------------------------------- image
def load_image(path, target_size, interpolation):
    """keras.utils.load_img(path, target_size=target_size, interpolation=...) + img_to_array + preprocess_input."""
    resample = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR}[interpolation]
    with open(path, "rb") as fh:
        img = Image.open(fh)
        img.load()
    if img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        wh = (target_size[1], target_size[0])
        if img.size != wh:
            img = img.resize(wh, resample)
    x = np.asarray(img, dtype=np.float32)  # (H, W, 3) RGB, values 0..255
    return preprocess_input(x[None])


def preprocess_input(x):
    """keras.applications.vgg16.preprocess_input ('caffe' mode) on a float32 (N, H, W, 3) RGB batch."""
    x = x[..., ::-1].copy()  # RGB -> BGR
    x[..., 0] -= BGR_MEAN[0]
    x[..., 1] -= BGR_MEAN[1]
    x[..., 2] -= BGR_MEAN[2]
    return x.astype(np.float32)


# ----------------------------------------------------------------------------------------------- network
def forward(x_nhwc, weights, has_top, dtype):
    """Returns ({layer: NHWC / (N,K) numpy}, {pool: switches NHWC int32})."""
    acts, switches = {}, {}
    t = torch.from_numpy(np.ascontiguousarray(x_nhwc)).to(dtype).permute(0, 3, 1, 2).contiguous()  # (N, C, H, W)
    for name, kind in layer_list():
        if kind == "conv":
            k, b = weights[name]
            w = torch.from_numpy(k).to(dtype).permute(3, 2, 0, 1).contiguous()  # (3,3,Cin,Cout) -> (Cout,Cin,3,3)
            t = F.relu(F.conv2d(t, w, torch.from_numpy(b).to(dtype), stride=1, padding=1))
        else:
            t, idx = F.max_pool2d(t, kernel_size=2, stride=2, return_indices=True)
            switches[name] = idx.permute(0, 2, 3, 1).numpy().astype(np.int32)
        acts[name] = t.permute(0, 2, 3, 1).numpy()
    if has_top:
        h = t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)  # channels-last flatten, as Keras's Flatten on NHWC
        for name, _, act in TOP:
            k, b = weights[name]
            h = h @ torch.from_numpy(k).to(dtype) + torch.from_numpy(b).to(dtype)
            h = F.relu(h) if act == "relu" else F.softmax(h, dim=1)
            acts[name] = h.numpy()
    return acts, switches


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", help="Keras .h5 weights (not needed with --input-only)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--image")
    src.add_argument("--input-npy", help="a preprocessed float32 (1, H, W, 3) BGR input instead of an image")
    ap.add_argument("--resize", choices=["nearest", "bilinear"], default="nearest")
    ap.add_argument("--size", choices=["224", "native"], default="224")
    ap.add_argument("--out", required=True)
    ap.add_argument("--float64-check", action="store_true", help="also run in float64 and record the fp32 noise")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--input-only", action="store_true", help="write input.npy only (the image path), no network")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    if args.input_only:
        if not args.image:
            raise SystemExit("--input-only needs --image")
        x = load_image(args.image, None if args.size == "native" else (224, 224), args.resize)
        os.makedirs(args.out, exist_ok=True)
        np.save(os.path.join(args.out, "input.npy"), x)
        return 0
    if not args.weights:
        raise SystemExit("--weights is required")
    weights, has_top, layout = load_weights(args.weights)
    if args.image:
        target = None if args.size == "native" else (224, 224)
        x = load_image(args.image, target, args.resize)
    else:
        x = np.load(args.input_npy).astype(np.float32)
    if x.ndim != 4 or x.shape[3] != 3:
        raise SystemExit(f"input shape {x.shape} is not (N, H, W, 3)")
    if min(x.shape[1], x.shape[2]) < 32:
        raise SystemExit(f"input {x.shape[1]}x{x.shape[2]} is smaller than 32x32")
    if has_top and x.shape[1:3] != (224, 224):
        raise SystemExit(f"weights have the top: input must be 224x224, not {x.shape[1]}x{x.shape[2]}")

    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "input.npy"), x)
    with torch.no_grad():
        acts, switches = forward(x, weights, has_top, torch.float32)
    for name, a in acts.items():
        np.save(os.path.join(args.out, f"{name}.npy"), np.ascontiguousarray(a, dtype=np.float32))
    for name, s in switches.items():
        np.save(os.path.join(args.out, f"{name}_switches.npy"), np.ascontiguousarray(s, dtype=np.int32))

    meta = {"layout": layout, "has_top": has_top, "input_shape": list(x.shape),
            "resize": args.resize, "size": args.size, "torch": torch.__version__}
    if has_top:
        p = acts["predictions"][0]
        order = np.argsort(-p.astype(np.float64), kind="stable")[:5]
        top5 = [{"index": int(i), "probability": float(p[i])} for i in order]
        with open(os.path.join(args.out, "top5.json"), "w") as fh:
            json.dump(top5, fh, indent=1)
        # How far the 5th is from the 6th: a top-5 comparison is only meaningful when this gap is above noise.
        meta["top5_gap_to_6th"] = float(p[order[4]] - p[np.argsort(-p.astype(np.float64), kind="stable")[5]])

    if args.float64_check:
        with torch.no_grad():
            acts64, switches64 = forward(x, weights, has_top, torch.float64)
        noise = {}
        for name, a in acts.items():
            ref = acts64[name]
            err = float(np.max(np.abs(a.astype(np.float64) - ref)))
            mx = float(np.max(np.abs(ref)))
            noise[name] = {"max_abs_err": err, "max_abs": mx, "rel_err": err / mx if mx > 0 else err}
            if name in switches:
                noise[name]["switches_differing_fp32_fp64"] = int(np.sum(switches[name] != switches64[name]))
        meta["fp32_vs_fp64"] = noise
    with open(os.path.join(args.out, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
    if has_top:
        print(" ".join(f"{t['index']}:{t['probability']:.6f}" for t in top5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
