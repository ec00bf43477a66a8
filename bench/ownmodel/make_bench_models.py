#!/usr/bin/python3
"""Two typical small Keras CNNs for the own-model default-run benchmark, written with the fixture writer
(tests/fixtures/models/make_keras_models.py: Keras 2.11 model.save("x.h5") layout, seeded He weights):

  emotion60.h5   60×60×1 grayscale, 7 classes: [Conv2D 3×3 'same' relu, MaxPooling2D 2×2] × 3 with 32, 64, 128
                 filters, Flatten, Dropout, Dense 128 relu, Dense 7 softmax (a FER-style emotion recogniser).
  catsdogs64.h5  64×64×3 RGB, 2 classes: Rescaling 1/255, Conv2D 3×3 'same' 32 + BatchNormalization + ReLU, MaxPooling2D,
                 Conv2D 3×3 'same' 64 relu, MaxPooling2D, Conv2D 3×3 'same' 128 relu, MaxPooling2D, Conv2D 2×2 'valid'
                 128 relu, GlobalAveragePooling2D, Dense 64 relu, Dense 2 softmax.

    make_bench_models.py OUT_DIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "models"))
import make_keras_models as k  # noqa: E402


def emotion60():
    return [k.input_layer("conv2d_input", (60, 60, 1), False),
            k.conv("conv2d", 32, 3, 1, padding="same", activation="relu"), k.pool("max_pooling2d", "MaxPooling2D", 2),
            k.conv("conv2d_1", 64, 3, 32, padding="same", activation="relu"), k.pool("max_pooling2d_1", "MaxPooling2D", 2),
            k.conv("conv2d_2", 128, 3, 64, padding="same", activation="relu"), k.pool("max_pooling2d_2", "MaxPooling2D", 2),
            k.simple("flatten", "Flatten", data_format="channels_last"),
            k.simple("dropout", "Dropout", rate=0.5, noise_shape=None, seed=None),
            k.dense("dense", 128, 7 * 7 * 128, "relu"), k.dense("dense_1", 7, 128, "softmax")]


def catsdogs64():
    return [k.input_layer("input_1", (64, 64, 3), False),
            k.simple("rescaling", "Rescaling", scale=1.0 / 255, offset=0.0),
            k.conv("conv2d", 32, 3, 3, padding="same"), k.bn("batch_normalization", 32),
            k.simple("re_lu", "ReLU", max_value=None, negative_slope=0.0, threshold=0.0),
            k.pool("max_pooling2d", "MaxPooling2D", 2),
            k.conv("conv2d_1", 64, 3, 32, padding="same", activation="relu"), k.pool("max_pooling2d_1", "MaxPooling2D", 2),
            k.conv("conv2d_2", 128, 3, 64, padding="same", activation="relu"), k.pool("max_pooling2d_2", "MaxPooling2D", 2),
            k.conv("conv2d_3", 128, 2, 128, activation="relu"),
            k.simple("global_average_pooling2d", "GlobalAveragePooling2D", data_format="channels_last", keepdims=False),
            k.dense("dense", 64, 128, "relu"), k.dense("dense_1", 2, 64, "softmax")]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    k.RNG = np.random.default_rng(5)
    e = emotion60()
    k.write_full_h5(os.path.join(out, "emotion60.h5"), k.sequential_config(e, False), e, "2.11.0", False)
    c = catsdogs64()
    k.write_full_h5(os.path.join(out, "catsdogs64.h5"), k.functional_config(c, False), c, "2.11.0", False)


if __name__ == "__main__":
    main()
