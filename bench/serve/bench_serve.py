#!/usr/bin/python3
"""engine-viz serve, timed from the outside as the page uses it (HTTP on 127.0.0.1, one request at a time).

Starts `engine-viz serve --weights random --port 0` (seeded random weights with the top: speed does not depend on the
values), then for each sample photo: the forward (POST /api/images), every layer's atlas the first time it is asked
for (the "grid tiles"), and projections of clicked units (max / map / guided, several layers, two channels each) once
the forward is cached. Then the live camera: 224² PNG frames POSTed back to back to /api/frames, as the page does.
Prints a Markdown table of medians and 90th percentiles.

    bench/serve/bench_serve.py [--dll viz/bin/Debug/net10.0/engine-viz.dll]  (Debug builds are optimized: Directory.Build.props) [--frames 40]
"""
import argparse, io, json, os, re, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.abspath(os.path.join(ROOT, "..", "shared", "images"))
PROJECTION_LAYERS = ["block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"]


def request(url, data=None, method=None):
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"))
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=300) as r:
        body = r.read()
    return (time.perf_counter() - start) * 1000, body


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dll", default=os.path.join(ROOT, "viz", "bin", "Debug", "net10.0", "engine-viz.dll"))
    ap.add_argument("--frames", type=int, default=40)
    args = ap.parse_args()
    # The conv stack's own forward time in the same minute: on this shared machine the load changes everything, so
    # each number below is also given as a multiple of it.
    bench = subprocess.run(["dotnet", args.dll, "bench", "--weights", "random", "--iterations", "9", "--json"],
                           capture_output=True, text=True, check=True)
    forward_ms = json.loads(bench.stdout.strip().splitlines()[-1])["median_ms"]
    server = subprocess.Popen(["dotnet", args.dll, "serve", "--weights", "random", "--port", "0", "--samples", SAMPLES],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        base = re.search(r"(http://\S+/)", line).group(1)
        model = json.loads(request(base + "api/model")[1])
        forwards, atlases, projections, atlas_by_layer = [], [], {m: [] for m in ("max", "map", "guided")}, {}
        for name in model["samples"]:
            ms, body = request(base + "api/images?sample=" + name, data=b"")
            forwards.append(ms)
            info = json.loads(body)
            image = base + "api/images/" + info["id"] + "/"
            for layer in model["layers"]:
                ms, _ = request(image + f"layers/{layer['name']}/atlas.png")
                atlases.append(ms)
                atlas_by_layer.setdefault(layer["name"], []).append(ms)
            for layer in PROJECTION_LAYERS:
                for channel in (1, 7):
                    for mode in projections:
                        ms, _ = request(image + f"layers/{layer}/channels/{channel}/projection/{mode}.png")
                        projections[mode].append(ms)

        # The camera: one frame at a time, the next sent when the answer arrives (what the page does).
        from PIL import Image
        frame = io.BytesIO()
        Image.open(os.path.join(SAMPLES, model["samples"][0])).convert("RGB").resize((224, 224)).save(frame, "PNG")
        camera = {}
        for layer in ("block1_conv1", "block3_conv1", "block5_conv3"):
            request(base + f"api/frames?layer={layer}", data=frame.getvalue())  # warm
            start = time.perf_counter()
            times = [request(base + f"api/frames?layer={layer}", data=frame.getvalue())[0] for _ in range(args.frames)]
            camera[layer] = (args.frames / (time.perf_counter() - start), statistics.median(times))

        x = lambda ms: f"{ms / forward_ms:.2f}×"
        print(f"conv-stack forward, batch 1, 224² (engine-viz bench, same run): median {forward_ms:.0f} ms\n")
        print(f"| what | n | p50 ms | p90 ms | p50 in conv-stack forwards |\n|---|---|---|---|---|")
        print(f"| forward + record every layer (POST /api/images, 224²) | {len(forwards)} | {statistics.median(forwards):.0f} | {pct(forwards, 0.9):.0f} | {x(statistics.median(forwards))} |")
        print(f"| a layer's grid tiles, first request (atlas.png, all 18 layers) | {len(atlases)} | {statistics.median(atlases):.0f} | {pct(atlases, 0.9):.0f} | {x(statistics.median(atlases))} |")
        worst = max(atlas_by_layer, key=lambda l: statistics.median(atlas_by_layer[l]))
        print(f"| … the slowest layer ({worst}) | {len(atlas_by_layer[worst])} | {statistics.median(atlas_by_layer[worst]):.0f} | {pct(atlas_by_layer[worst], 0.9):.0f} | {x(statistics.median(atlas_by_layer[worst]))} |")
        every = [t for m in projections.values() for t in m]
        print(f"| projection of a clicked unit, forward cached (all modes) | {len(every)} | {statistics.median(every):.0f} | {pct(every, 0.9):.0f} | {x(statistics.median(every))} |")
        for mode, times in projections.items():
            print(f"| … {mode} | {len(times)} | {statistics.median(times):.0f} | {pct(times, 0.9):.0f} | {x(statistics.median(times))} |")
        print()
        print("| camera layer | frames/s (round trip, one in flight) | p50 ms a frame | p50 in conv-stack forwards |\n|---|---|---|---|")
        for layer, (fps, median) in camera.items():
            print(f"| {layer} | {fps:.1f} | {median:.0f} | {x(median)} |")
    finally:
        server.send_signal(2)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
