"""VGG16 as PyTorch modules with the weights of a Keras .h5 file (read by tests/reference/vgg16_reference.py, the
project's independent h5py reader): the model the PyTorch peer times and the one exported to ONNX for ONNX Runtime.

conv stack: 13 × (Conv2d 3×3 padding 1 + ReLU) and 5 × MaxPool2d(2, 2), NCHW, exactly as Keras's VGG16 computes it.
full model: conv stack, then NCHW → NHWC and flatten (Keras's channels-last Flatten, so fc1's Keras kernel is used
as it is), fc1 + ReLU, fc2 + ReLU, predictions + softmax.
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
import vgg16_reference  # noqa: E402  (h5py reader, no C# code involved)


class ChannelsLastFlatten(nn.Module):
    def forward(self, x):  # (N, C, H, W) -> (N, H*W*C) in NHWC order
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)


def build(weights_h5, full):
    weights, has_top, _ = vgg16_reference.load_weights(weights_h5)
    if full and not has_top:
        raise SystemExit(f"{weights_h5} has no top (fc1, fc2, predictions)")
    layers, c = [], 3
    for b, (n, width) in enumerate(vgg16_reference.CONV_BLOCKS, start=1):
        for i in range(1, n + 1):
            k, bias = weights[f"block{b}_conv{i}"]
            conv = nn.Conv2d(c, width, 3, padding=1)
            conv.weight.data = torch.from_numpy(k).permute(3, 2, 0, 1).contiguous()  # (3,3,Cin,Cout) -> (Cout,Cin,3,3)
            conv.bias.data = torch.from_numpy(bias).contiguous()
            layers += [conv, nn.ReLU(inplace=True)]
            c = width
        layers.append(nn.MaxPool2d(2, 2))
    if full:
        layers.append(ChannelsLastFlatten())
        for name, _, act in vgg16_reference.TOP:
            k, bias = weights[name]
            fc = nn.Linear(k.shape[0], k.shape[1])
            fc.weight.data = torch.from_numpy(k).t().contiguous()
            fc.bias.data = torch.from_numpy(bias).contiguous()
            layers += [fc, nn.ReLU(inplace=True) if act == "relu" else nn.Softmax(dim=1)]
    return nn.Sequential(*layers).eval()
