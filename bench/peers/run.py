#!/usr/bin/python3
"""CPU peers benchmark: this engine, ONNX Runtime (C#, MLAS) and PyTorch 1.13 in one run, on the same model and the
same thread count, interleaved: three long-lived workers (each its own process, so each one's peak RSS is its own),
warmed up, then R rounds in which every peer times K forwards in turn (the order rotates every round; before its turn a
peer waits 50 ms, so the previous peer's spinning threads — OpenMP, ORT's pool, .NET's — park instead of taking its
cores, and runs one untimed forward, so the weights the previous peer evicted from the caches are back). Reported:
median ms per peer over all rounds, and the median over rounds of the per-round ratios (engine / peer), which is
what stays meaningful on a loaded machine.

    run.py --weights W.h5 --onnx DIR --build DIR [--rounds 7] [--k 3] [--threads 2] [--cases notop:1,notop:8,full:1]
Prints a markdown table and, last, one JSON line.
"""
import argparse, json, os, statistics, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from worker import Worker  # noqa: E402  (bench/worker.py)
CONV_GFLOP = 30.69  # VGG16 conv stack at 224², 2 FLOP per multiply-add


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--build", required=True, help="folder with peers-bench.dll")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--k", type=int, default=3, help="forwards per peer per round")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cases", default="notop:1,notop:8,full:1")
    ap.add_argument("--peers", default="engine,ort,torch")
    ap.add_argument("--no-settle", action="store_true", help="no pause and no untimed forward before a turn (the method before 2026-11-29 evening)")
    a = ap.parse_args()
    dll = os.path.join(a.build, "peers-bench.dll")
    argv = {
        "engine": ["dotnet", dll, "worker", "--peer", "engine", "--weights", a.weights, "--threads", str(a.threads)],
        "ort": ["dotnet", dll, "worker", "--peer", "ort", "--weights", a.weights, "--onnx", a.onnx, "--threads", str(a.threads)],
        "torch": ["/usr/bin/python3", os.path.join(HERE, "torch_worker.py"), "--weights", a.weights, "--threads", str(a.threads)],
    }
    names = a.peers.split(",")
    workers = {n: Worker(n, argv[n]) for n in names}
    results = []
    try:
        for case in a.cases.split(","):
            model, batch = case.split(":")
            batch = int(batch)
            for w in workers.values():
                assert w.ask(f"load {model} {batch}") == "ok", w.name
            agreement = None
            if "engine" in workers and "ort" in workers:
                # Same weights, same input: the engine's and ONNX Runtime's outputs must agree (sanity of the peer).
                import numpy as np
                out = {}
                for n in ("engine", "ort"):
                    path = f"/tmp/peers-{os.getpid()}-{n}.bin"
                    assert workers[n].ask(f"save {path}") == "ok"
                    out[n] = np.fromfile(path, dtype=np.float32); os.remove(path)
                agreement = float(np.abs(out["engine"] - out["ort"]).max() / max(np.abs(out["ort"]).max(), 1e-30))
            times = {n: [] for n in names}
            ratios = {n: [] for n in names if n != "engine"}
            for r in range(a.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                this_round = {}
                for n in order:
                    if not a.no_settle:
                        time.sleep(0.05)
                        workers[n].ask("time 1")  # untimed: refills the caches the previous peer evicted
                    ms = json.loads(workers[n].ask(f"time {a.k}"))
                    times[n] += ms
                    this_round[n] = statistics.median(ms)
                if "engine" in this_round:
                    for n in ratios:
                        ratios[n].append(this_round["engine"] / this_round[n])
            results.append({"model": model, "batch": batch, "agreement_rel": agreement,
                            "median_ms": {n: statistics.median(t) for n, t in times.items()},
                            "min_ms": {n: min(t) for n, t in times.items()},
                            "ratio_engine_over": {n: statistics.median(v) for n, v in ratios.items()},
                            "ratio_range": {n: [min(v), max(v)] for n, v in ratios.items()}})
        rss = {n: int(workers[n].ask("rss")) for n in names if n != "torch"}
    finally:
        for w in workers.values():
            w.close()

    print("| what | batch | engine ms | ORT ms | PyTorch ms | engine / ORT | engine / PyTorch | engine effective GFLOP/s | engine vs ORT output (max rel.) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        m, q = r["median_ms"], r["ratio_engine_over"]
        what = "conv stack" if r["model"] == "notop" else "full model"
        eg = CONV_GFLOP * r["batch"] / (m["engine"] / 1e3) if "engine" in m else float("nan")
        cell = lambda n, d: f"{d[n]:.1f}" if n in d else "—"
        rat = lambda n: f"{q[n]:.2f}× ({r['ratio_range'][n][0]:.2f}–{r['ratio_range'][n][1]:.2f})" if n in q else "—"
        agr = f"{r['agreement_rel']:.1e}" if r["agreement_rel"] is not None else "—"
        print(f"| {what} | {r['batch']} | {cell('engine', m)} | {cell('ort', m)} | {cell('torch', m)} | {rat('ort')} | {rat('torch')} | {eg:.0f} | {agr} |")
    print(json.dumps({"results": results, "peak_rss_mb": rss, "rounds": a.rounds, "k": a.k, "threads": a.threads}))


if __name__ == "__main__":
    main()
