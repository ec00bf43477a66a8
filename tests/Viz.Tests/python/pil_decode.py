"""Decodes PNG and GIF files with PIL (the independent reference) for the viz tests.

usage: pil_decode.py OUT_JSON FILE...
For a PNG: records mode and size and writes the decoded pixels (H, W, C) to FILE.pil.raw.
For a GIF: records frame count, loop, per-frame durations and writes each frame converted to RGB to FILE.pil.N.raw.
"""
import json
import sys

from PIL import Image

result = {}
for path in sys.argv[2:]:
    im = Image.open(path)
    entry = {"format": im.format, "width": im.size[0], "height": im.size[1], "mode": im.mode}
    if im.format == "GIF":
        entry["frames"] = getattr(im, "n_frames", 1)
        entry["loop"] = im.info.get("loop")
        durations = []
        for i in range(entry["frames"]):
            im.seek(i)
            durations.append(im.info.get("duration"))
            with open(f"{path}.pil.{i}.raw", "wb") as f:
                f.write(im.convert("RGB").tobytes())
        entry["durations"] = durations
    else:
        im.load()
        with open(f"{path}.pil.raw", "wb") as f:
            f.write(im.tobytes())
    result[path] = entry
with open(sys.argv[1], "w") as f:
    json.dump(result, f)
