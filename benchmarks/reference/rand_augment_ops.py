"""RandAugment's pixel operations with PIL and NumPy, to check the addon's (test/rand-augment.test.ts).

PIL's ImageEnhance/ImageOps for Brightness, ColorTransform, Contrast and Sharpness (factor 1 + m),
AutoContrast, Posterize and Solarize; NumPy for Equalize with the original's (mmcv's) table
(step = (total − last bin) // 255, not PIL's // 256).

Usage: rand_augment_ops.py IMAGES.bin n h w OP MAGNITUDE  → raw uint8 NHWC on stdout
"""

import math
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def equalize(channel):
    hist = np.bincount(channel.ravel(), minlength=256)
    nonzero = hist[hist > 0]
    if len(nonzero) <= 1:
        return channel
    step = (nonzero.sum() - nonzero[-1]) // 255
    if step == 0:
        return channel
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.concatenate([[0], lut[:-1]]).clip(0, 255)
    return lut[channel].astype(np.uint8)


def apply(img, op, m):
    pil = Image.fromarray(img)
    if op == "Brightness":
        return np.asarray(ImageEnhance.Brightness(pil).enhance(1 + m))
    if op == "ColorTransform":
        return np.asarray(ImageEnhance.Color(pil).enhance(1 + m))
    if op == "Contrast":
        return np.asarray(ImageEnhance.Contrast(pil).enhance(1 + m))
    if op == "Sharpness":
        return np.asarray(ImageEnhance.Sharpness(pil).enhance(1 + m))
    if op == "AutoContrast":
        return np.asarray(ImageOps.autocontrast(pil))
    if op == "Posterize":
        return np.asarray(ImageOps.posterize(pil, math.ceil(m)))
    if op == "Solarize":
        return np.asarray(ImageOps.solarize(pil, m))
    if op == "Equalize":
        return np.stack([equalize(img[:, :, c]) for c in range(img.shape[2])], axis=2)
    raise SystemExit(f"unknown op {op}")


def main():
    path, n, h, w, op, m = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5], float(sys.argv[6])
    images = np.fromfile(path, dtype=np.uint8).reshape(n, h, w, 3)
    out = np.stack([apply(images[i], op, m) for i in range(n)])
    sys.stdout.buffer.write(out.astype(np.uint8).tobytes())


if __name__ == "__main__":
    main()
