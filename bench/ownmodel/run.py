#!/usr/bin/python3
"""Convolution per layer shape: this engine (the kernel its CPU backend picks for the layer: direct 3×3 for 3×3
stride-1 'same', im2col + SIMD GEMM for everything else) against PyTorch's F.conv2d in NCHW and in channels_last,
interleaved: three long-lived workers, per case R rounds in which each times K calls in turn (order rotating).
Reported: median ms of each over all rounds, and the median over rounds of engine / (faster PyTorch layout that round).

    run.py --build DIR [--rounds 5] [--k 5] [--threads 2] [--batches 1,8]
Prints a markdown table and, last, one JSON line.
"""
import argparse, json, os, sys, statistics, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from worker import Worker  # noqa: E402  (bench/worker.py)

# (name, H, W, Cin, Cout, KH, KW, stride, padding): the layer shapes of small Keras CNNs the issue names.
SHAPES = [
    ("3×3 same, 48×48×1→32", 48, 48, 1, 32, 3, 3, 1, "same"),
    ("3×3 same, 60×60×1→64", 60, 60, 1, 64, 3, 3, 1, "same"),
    ("3×3 same, 64×64×3→32", 64, 64, 3, 32, 3, 3, 1, "same"),
    ("3×3 same, 64×64×3→128", 64, 64, 3, 128, 3, 3, 1, "same"),
    ("3×3 same, 30×30×32→64", 30, 30, 32, 64, 3, 3, 1, "same"),
    ("3×3 same, 15×15×64→128", 15, 15, 64, 128, 3, 3, 1, "same"),
    ("2×2 valid, 60×60×1→32", 60, 60, 1, 32, 2, 2, 1, "valid"),
    ("2×2 valid, 59×59×32→32", 59, 59, 32, 32, 2, 2, 1, "valid"),
    ("2×2 valid, 30×30×32→64", 30, 30, 32, 64, 2, 2, 1, "valid"),
    ("5×5 s2 valid, 64×64×3→32", 64, 64, 3, 32, 5, 5, 2, "valid"),
    ("5×5 s2 valid, 30×30×32→64", 30, 30, 32, 64, 5, 5, 2, "valid"),
    ("3×3 valid, 30×30×32→64", 30, 30, 32, 64, 3, 3, 1, "valid"),
    ("1×1, 30×30×64→32", 30, 30, 64, 32, 1, 1, 1, "valid"),
    ("1×1, 15×15×128→128", 15, 15, 128, 128, 1, 1, 1, "valid"),
]


def out_size(n, k, s, padding):
    return (n + s - 1) // s if padding == "same" else (n - k) // s + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="folder with ownmodel-bench.dll")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--k", type=int, default=5, help="calls per worker per round")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--only", default="", help="run only the shapes whose name contains this")
    ap.add_argument("--kernel", default="auto", choices=["auto", "direct", "gemm"], help="force the engine's kernel (3×3 'same' shapes)")
    a = ap.parse_args()
    torch_argv = ["/usr/bin/python3", os.path.join(HERE, "torch_conv_worker.py"), "--threads", str(a.threads)]
    workers = {
        "engine": Worker("engine", ["dotnet", os.path.join(a.build, "ownmodel-bench.dll"), "--threads", str(a.threads)]),
        "nchw": Worker("torch nchw", torch_argv),
        "nhwc": Worker("torch channels_last", torch_argv),
    }
    names = list(workers)
    results = []
    try:
        for batch in map(int, a.batches.split(",")):
            for (name, h, w, cin, cout, kh, kw, s, pad) in SHAPES:
                if a.only not in name:
                    continue
                geometry = f"{batch} {h} {w} {cin} {cout} {kh} {kw} {s} {pad}"
                kernel = workers["engine"].ask(f"conv {geometry} {a.kernel}")
                for layout in ("nchw", "nhwc"):
                    assert workers[layout].ask(f"conv {geometry} {layout}") == "ok", layout
                times = {n: [] for n in names}
                ratios = []
                for r in range(a.rounds):
                    this_round = {}
                    for n in names[r % 3:] + names[:r % 3]:
                        time.sleep(0.02)  # let the previous worker's spinning threads (OpenMP, .NET pool) park
                        ms = json.loads(workers[n].ask(f"time {a.k}"))
                        times[n] += ms
                        this_round[n] = statistics.median(ms)
                    ratios.append(this_round["engine"] / min(this_round["nchw"], this_round["nhwc"]))
                gflop = 2.0 * batch * out_size(h, kh, s, pad) * out_size(w, kw, s, pad) * cout * kh * kw * cin / 1e9
                med = {n: statistics.median(t) for n, t in times.items()}
                best = {n: min(t) for n, t in times.items()}
                results.append({"shape": name, "batch": batch, "kernel": kernel, "gflop": gflop, "median_ms": med, "min_ms": best,
                                "min_ratio": best["engine"] / min(best["nchw"], best["nhwc"]),
                                "ratio": statistics.median(ratios), "ratio_range": [min(ratios), max(ratios)]})
    finally:
        for wk in workers.values():
            wk.close()

    print("| layer | batch | engine kernel | engine ms | PyTorch NCHW ms | PyTorch channels_last ms | engine GFLOP/s | engine / best PyTorch (median of rounds, range) | fastest call: engine / best PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        m = r["median_ms"]
        flag = "" if r["ratio"] <= 1.5 else " **over 1.5×**"
        print(f"| {r['shape']} | {r['batch']} | {r['kernel']} | {m['engine']:.3f} | {m['nchw']:.3f} | {m['nhwc']:.3f} | "
              f"{r['gflop'] / (m['engine'] / 1e3):.0f} | {r['ratio']:.2f}× ({r['ratio_range'][0]:.2f}–{r['ratio_range'][1]:.2f}){flag} | "
              f"{r['min_ratio']:.2f}× |")
    print(json.dumps({"results": results, "rounds": a.rounds, "k": a.k, "threads": a.threads}))


if __name__ == "__main__":
    main()
