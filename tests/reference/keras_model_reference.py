#!/usr/bin/python3
"""Independent PyTorch reference for CnnEngine's own-model engine: reads a saved Keras model with h5py / zipfile /
json (no Keras, nothing from the C# code), builds the network in PyTorch from its config and weights, runs one image,
and writes every layer's output, every max pool's switches and the predictions.

    keras_model_reference.py --model FILE [--config config.json] [--builtin vgg19] --image IMG --out DIR
                             [--color rgb|grayscale] [--preprocess none|vgg|scale255] [--input-size H W]

Reading (as Keras does):
  * full model .h5: root attr model_config (JSON); weights in model_weights/<layer>/ by its attr weight_names.
  * .keras zip: config.json; model.weights.h5 with layers/<snake_case class>[_<n>]/vars/<i> (n counts the layers of
    that class in model order, as Keras 3's saving_lib names them).
  * weights-only .h5 + --config: layers/... as above, or layer_names / weight_names.
  * --builtin vgg19: keras.applications.VGG19 without the top (16 conv 3x3 'same' relu, 5 max pools 2x2), weights
    from the keras-applications file (attr layer_names, per layer weight_names).
Ops (TensorFlow semantics): 'same' padding pads max((out-1)*s + k - in, 0) with the smaller half before; a max pool
ignores the padding (padded with -inf) and its switch is y*W + x in the unpadded input plane (PyTorch's first maximum
in row-major order wins ties); an average pool averages only the pixels inside the image; BatchNormalization is
computed as gamma*(x - mean)/sqrt(var + eps) + beta (never folded); Flatten is channels-last; Dense on the last axis.
Image: keras.utils.load_img(path, color_mode, target_size) = PIL open, convert("L") (grayscale) or convert("RGB"),
resize NEAREST when the size differs; img_to_array float32; then --preprocess: none, scale255 (x/255) or vgg
(RGB->BGR, minus 103.939, 116.779, 123.68).

Writes into --out: input.npy (1, H, W, C) as fed; <layer>.npy (1, H, W, C) or (1, K) for every layer (Dropout-like
layers included, equal to their input); <pool>_switches.npy int32 (1, H', W', C) for every max pool; layers.json
(the layer names in order with their class).
"""
import argparse
import io
import json
import os
import re
import zipfile

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.set_num_threads(2)

IDENTITY = {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization"}


def snake(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def decode(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def load(args):
    """Returns (layers [(name, class, config)], input (h, w, c), weights: name -> [np arrays])."""
    if args.builtin == "vgg19":
        layers, cin = [], 3
        for b, n in enumerate([2, 2, 4, 4, 4], start=1):
            for i in range(1, n + 1):
                layers.append((f"block{b}_conv{i}", "Conv2D", {"kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "activation": "relu", "use_bias": True}))
            layers.append((f"block{b}_pool", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}))
        with h5py.File(args.model, "r") as f:
            weights = {}
            for name in [decode(x) for x in f.attrs["layer_names"]]:
                wn = [decode(x) for x in f[name].attrs["weight_names"]]
                weights[name] = [np.array(f[name][w], dtype=np.float32) for w in wn]
        return layers, (args.input_size[0], args.input_size[1], 3), weights

    keras3_h5 = None
    if zipfile.is_zipfile(args.model):
        z = zipfile.ZipFile(args.model)
        config = json.loads(z.read("config.json"))
        keras3_h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    else:
        f = h5py.File(args.model, "r")
        if args.config:
            config = json.load(open(args.config))
        else:
            config = json.loads(decode(f.attrs["model_config"]))
        if "layers" in f and any("vars" in f["layers"][k] for k in f["layers"]):
            keras3_h5 = f
        else:
            group = f["model_weights"] if "model_weights" in f else f

    cfg = config["config"]
    raw_layers = cfg["layers"] if isinstance(cfg, dict) else cfg
    layers = [(l["config"].get("name") or l.get("name"), l["class_name"], l["config"]) for l in raw_layers]
    first = layers[0]
    shape = first[2].get("batch_input_shape") or first[2].get("batch_shape")
    input_shape = tuple(shape[1:])
    body = [l for l in layers if l[1] != "InputLayer"]

    weights = {}
    if keras3_h5 is not None:
        used = {}
        for name, cls, _ in [("input", "InputLayer", None)] + body:
            key = snake(cls)
            used[key] = used.get(key, -1) + 1
            key = key if used[key] == 0 else f"{key}_{used[key]}"
            if cls == "InputLayer":
                continue
            g = keras3_h5["layers"].get(key)
            vars_ = g["vars"] if g is not None and "vars" in g else None
            weights[name] = [np.array(vars_[str(i)], dtype=np.float32) for i in range(len(vars_))] if vars_ is not None else []
    else:
        for name, cls, _ in body:
            if name not in group:
                weights[name] = []
                continue
            wn = group[name].attrs.get("weight_names", [])
            weights[name] = [np.array(group[name][decode(w)], dtype=np.float32) for w in wn]
    return body, input_shape, weights


def load_image(path, h, w, color):
    img = Image.open(path)
    if color == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if img.size != (w, h):
        img = img.resize((w, h), Image.NEAREST)
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    return x[None]


def tf_pads(size, k, s, padding):
    if padding == "valid":
        return 0, 0
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


# Every non-linearity goes through nonlinear(x, y, rectifier): the forward value y = f(x), unchanged here. The deconvnet
# reference (keras_model_deconv_reference.py) sets HOOK to replace the backward of f (autograd) by its own rule.
HOOK = None
RECTIFIERS = {"relu", "relu6", "elu", "leaky_relu"}


def nonlinear(x, y, rectifier):
    return y if HOOK is None else HOOK(x, y, rectifier)


def activation(x, name, channel_last_dim):
    if name in (None, "linear"):
        return x
    if name == "relu":
        y = F.relu(x)
    elif name == "relu6":
        y = torch.clamp(x, 0, 6)
    elif name == "elu":
        y = F.elu(x, 1.0)
    elif name == "sigmoid":
        y = torch.sigmoid(x)
    elif name == "tanh":
        y = torch.tanh(x)
    elif name == "softmax":
        y = torch.softmax(x, dim=channel_last_dim)
    elif name == "leaky_relu":
        y = F.leaky_relu(x, 0.2)
    else:
        raise SystemExit(f"reference: activation {name} not implemented")
    return nonlinear(x, y, name in RECTIFIERS)


def act_name(cfg):
    a = cfg.get("activation")
    return a["config"] if isinstance(a, dict) else a


def run(layers, weights, x_nhwc):
    """x: torch (1, H, W, C). Returns [(name, class, output NHWC or (1,K) tensor, switches or None)]."""
    x = x_nhwc.permute(0, 3, 1, 2).contiguous()  # NCHW while spatial
    flat = False
    out = []

    def nhwc(t):
        return t if flat else t.permute(0, 2, 3, 1).contiguous()

    for name, cls, cfg in layers:
        sw = None
        if cls in IDENTITY:
            pass
        elif cls == "Conv2D":
            k, b = weights[name][0], (weights[name][1] if cfg.get("use_bias", True) else None)
            kh, kw = k.shape[0], k.shape[1]
            sh, sw_ = cfg.get("strides", [1, 1])
            pt, pb = tf_pads(x.shape[2], kh, sh, cfg.get("padding", "valid"))
            pl, pr = tf_pads(x.shape[3], kw, sw_, cfg.get("padding", "valid"))
            xp = F.pad(x, (pl, pr, pt, pb))
            x = F.conv2d(xp, torch.from_numpy(k).permute(3, 2, 0, 1), None if b is None else torch.from_numpy(b), stride=(sh, sw_))
            x = activation(x, act_name(cfg), 1)
        elif cls == "Dense":
            k, b = torch.from_numpy(weights[name][0]), torch.from_numpy(weights[name][1])
            x = x @ k + b
            x = activation(x, act_name(cfg), -1)
        elif cls in ("MaxPooling2D", "AveragePooling2D"):
            ph, pw = cfg.get("pool_size", [2, 2])
            sh, sw_ = cfg.get("strides") or [ph, pw]
            H, W = x.shape[2], x.shape[3]
            pt, pb = tf_pads(H, ph, sh, cfg.get("padding", "valid"))
            pl, pr = tf_pads(W, pw, sw_, cfg.get("padding", "valid"))
            if cls == "MaxPooling2D":
                xp = F.pad(x, (pl, pr, pt, pb), value=float("-inf"))
                x, idx = F.max_pool2d(xp, (ph, pw), (sh, sw_), return_indices=True)
                Wp = W + pl + pr
                yy, xx = idx // Wp - pt, idx % Wp - pl
                sw = (yy * W + xx).permute(0, 2, 3, 1).contiguous().numpy().astype(np.int32)
            else:
                s = F.avg_pool2d(F.pad(x, (pl, pr, pt, pb)), (ph, pw), (sh, sw_), divisor_override=1)
                ones = F.pad(torch.ones(1, 1, H, W), (pl, pr, pt, pb))
                n = F.avg_pool2d(ones, (ph, pw), (sh, sw_), divisor_override=1)
                x = s / n
        elif cls == "BatchNormalization":
            w = weights[name]
            i = 0
            gamma = torch.from_numpy(w[i]) if cfg.get("scale", True) else None
            i += 1 if cfg.get("scale", True) else 0
            beta = torch.from_numpy(w[i]) if cfg.get("center", True) else None
            i += 1 if cfg.get("center", True) else 0
            mean, var = torch.from_numpy(w[i]), torch.from_numpy(w[i + 1])
            shape = (1, -1) if flat else (1, -1, 1, 1)
            y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + cfg.get("epsilon", 1e-3))
            if gamma is not None:
                y = y * gamma.view(shape)
            if beta is not None:
                y = y + beta.view(shape)
            x = y
        elif cls == "Activation":
            x = activation(x, act_name(cfg), -1 if flat else 1)
        elif cls == "ReLU":
            mv, ns, th = cfg.get("max_value"), cfg.get("negative_slope", 0.0), cfg.get("threshold", 0.0)
            y = torch.where(x >= th, x, ns * (x - th))
            x = nonlinear(x, torch.clamp(y, max=mv) if mv is not None else y, True)
        elif cls == "LeakyReLU":
            x = nonlinear(x, F.leaky_relu(x, cfg.get("negative_slope", cfg.get("alpha", 0.3))), True)
        elif cls == "ELU":
            x = nonlinear(x, F.elu(x, cfg.get("alpha", 1.0)), True)
        elif cls == "Softmax":
            x = nonlinear(x, torch.softmax(x, dim=-1 if flat else 1), False)
        elif cls == "Rescaling":
            x = x * cfg.get("scale", 1.0) + cfg.get("offset", 0.0)
        elif cls == "ZeroPadding2D":
            (t, b), (l, r) = cfg["padding"]
            x = F.pad(x, (l, r, t, b))
        elif cls == "Flatten":
            x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
            flat = True
        elif cls in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            x = x.mean(dim=(2, 3)) if cls == "GlobalAveragePooling2D" else x.amax(dim=(2, 3))
            flat = True
        else:
            raise SystemExit(f"reference: layer class {cls} not implemented")
        out.append((name, cls, nhwc(x), sw))
    return out


def prepare_input(a, h, w, c):
    """The photo as fed: load_img(color_mode, target_size), then --preprocess. (1, H, W, C) float32."""
    x = load_image(a.image, h, w, a.color)
    assert x.shape[3] == c, f"image has {x.shape[3]} channels, model needs {c}"
    if a.preprocess == "scale255":
        x = x / np.float32(255)
    elif a.preprocess == "vgg":
        x = x[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype=np.float32)
    return np.ascontiguousarray(x, dtype=np.float32)


def model_arguments():
    """The arguments every script over a Keras model file takes: which model, which photo, how it is fed, where to write."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--config")
    ap.add_argument("--builtin")
    ap.add_argument("--input-size", type=int, nargs=2)
    ap.add_argument("--image", required=True)
    ap.add_argument("--color", default="rgb")
    ap.add_argument("--preprocess", default="none")
    ap.add_argument("--out", required=True)
    return ap


def main():
    a = model_arguments().parse_args()
    layers, (h, w, c), weights = load(a)
    x = prepare_input(a, h, w, c)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "input.npy"), x)
    with torch.no_grad():
        results = run(layers, weights, torch.from_numpy(x))
    for name, cls, y, sw in results:
        np.save(os.path.join(a.out, name + ".npy"), y.numpy().astype(np.float32))
        if sw is not None:
            np.save(os.path.join(a.out, name + "_switches.npy"), sw)
    with open(os.path.join(a.out, "layers.json"), "w") as f:
        json.dump([{"name": n, "class": c} for n, c, _, _ in results], f, indent=1)


if __name__ == "__main__":
    main()
