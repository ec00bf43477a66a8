#!/usr/bin/python3
"""Exports the model the PyTorch peer runs to ONNX (torch.onnx.export, opset 13, dynamic batch) for ONNX Runtime.

    export_onnx.py WEIGHTS.h5 OUT_DIR   → OUT_DIR/vgg16_notop.onnx (conv stack), OUT_DIR/vgg16_full.onnx (with the top)
Input "input" (N, 3, H, W) float32 NCHW (BGR, preprocessed); output "output".
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgg16_torch  # noqa: E402


def main():
    weights, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for full, name in [(False, "vgg16_notop.onnx"), (True, "vgg16_full.onnx")]:
        model = vgg16_torch.build(weights, full)
        path = os.path.join(out, name)
        tmp = path + ".tmp"
        with torch.no_grad():
            torch.onnx.export(model, torch.zeros(1, 3, 224, 224), tmp, opset_version=13, input_names=["input"],
                              output_names=["output"], dynamic_axes={"input": {0: "n"}, "output": {0: "n"}})
        os.replace(tmp, path)
        print(path)


if __name__ == "__main__":
    main()
