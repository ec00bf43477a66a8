#!/usr/bin/python3
"""Writes the bad (and borderline) inputs the CLI-contract tests feed to engine-viz into one folder.

    make_bad_inputs.py OUT_DIR --jpeg REAL.jpg --png REAL.png

  truncated.jpg      the first 40% of a real JPEG (cut inside the entropy-coded data)
  truncated.png      the first 40% of a real PNG (cut inside IDAT)
  not_an_image.jpg   plain text with a .jpg name
  empty.png          zero bytes
  huge.png           a valid PNG signature + IHDR claiming 20000×20000 RGB (400 MP) with a correct CRC, then a
                     tiny IDAT and IEND: a decoder must refuse it from the header, before allocating anything
  tiny20.png         a real 20×20 RGB PNG (under VGG16's 32×32 minimum at --size native)
  wide300x200.jpg    a real 300×200 RGB JPEG (not 224×224: refused with top weights at --size native)
  wrong_shape.h5     Keras 2 layout, every VGG16 layer present but block1_conv1's kernel is (3, 3, 3, 32) and
                     the rest are 1-element stubs: "weights of another shape"
"""
import argparse
import os
import struct
import zlib

import h5py
import numpy as np
from PIL import Image


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--jpeg", required=True)
    ap.add_argument("--png", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    p = lambda name: os.path.join(args.out, name)

    for src, name in ((args.jpeg, "truncated.jpg"), (args.png, "truncated.png")):
        data = open(src, "rb").read()
        open(p(name), "wb").write(data[: int(len(data) * 0.4)])
    open(p("not_an_image.jpg"), "w").write("this is not an image, just text with a .jpg name\n")
    open(p("empty.png"), "wb").close()

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    open(p("huge.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))

    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(p("tiny20.png"))
    Image.fromarray(rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)).save(p("wide300x200.jpg"), quality=90)

    names = []
    cin = 3
    for b, (n, c) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], start=1):
        for i in range(1, n + 1):
            names.append(f"block{b}_conv{i}")
    with h5py.File(p("wrong_shape.h5"), "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for n in names:
            g = f.create_group(n)
            wn = [f"{n}/kernel:0".encode(), f"{n}/bias:0".encode()]
            g.attrs["weight_names"] = np.array(wn)
            if n == "block1_conv1":
                g.create_dataset(wn[0].decode(), data=np.zeros((3, 3, 3, 32), np.float32))
                g.create_dataset(wn[1].decode(), data=np.zeros((32,), np.float32))
            else:
                g.create_dataset(wn[0].decode(), data=np.zeros((1, 1, 1, 1), np.float32))
                g.create_dataset(wn[1].decode(), data=np.zeros((1,), np.float32))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
