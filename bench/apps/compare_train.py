#!/usr/bin/python3
"""Training (or inference) throughput, audiograd vs PyTorch 1.13, side by side: whole training steps
(forward, cross-entropy, backward, Adam step) of ERANN and CNN14 on 5 s log-mel shapes (ERANN
640 x 128, CNN14 501 x 64), 50 classes, train mode, random inputs, after one warm-up step; with
--mode infer (or bench/apps/compare_infer.py), eval-mode forward + softmax with no graph recorded.

    /usr/bin/python3 bench/apps/compare_train.py [--build build/release] [--threads 2] [--steps 2]
        [--rounds 2] [--batches 32 8] [--models erann-2-2 cnn14] [--mode train|infer]

Per (model, batch) and round it runs, one after the other (A B A B ...):
  ours            build/release/bench/apps/bench_train_step (bench_infer_step) MODEL BATCH STEPS THREADS
  torch           the same model in PyTorch, default (NCHW) memory format
  torch-cl        PyTorch with the model and input in channels_last (oneDNN's faster layout here)
each in a fresh process under /usr/bin/time -v (its peak resident memory), with OMP_NUM_THREADS =
OPENBLAS_NUM_THREADS = THREADS and, for PyTorch, torch.set_num_threads(THREADS). The PyTorch models
are tools/make_model_fixtures.py's definitions, which tests/apps/test_conformance.cpp shows to be the
same networks as ours. A configuration that fails (PyTorch's channels_last aborts on ERANN-3-1) is
reported as failing and left out of the ratios.

Prints clips/s (median over all timed steps, min-max), the ratio ours / torch of the medians with the
min-max of the per-round ratios, peak memory (GB, the largest of the rounds), and the efficiency of
our step: model multiply-adds per clip (from `audiograd summary`) x 2 flops x 3 (forward, input
gradient, weight gradient; x 1 for inference) x clips/s, over this machine's sgemm GFLOP/s measured
at the start (bench_tensor's raw cblas_sgemm, n = 2048, same threads). Load matters on the shared
machine: the load average is printed.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
THIS = os.path.join(ROOT, "bench", "apps", "compare_train.py")


def torch_worker(model_name, batch, steps, threads, layout, mode):
    """Runs in a child process: prints one JSON line per timed step, like bench_train_step."""
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import make_model_fixtures as mm
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = mm.build(model_name, 50)
    mm.init_panns(model, torch.Generator().manual_seed(0))
    frames, mels = (640, 128) if model_name.startswith("erann") else (501, 64)
    x = torch.randn(batch, 1, frames, mels)
    y = torch.randint(0, 50, (batch,))
    if layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if mode == "infer":
        model.eval()
        for s in range(steps + 1):  # step 0 is the warm-up
            t0 = time.perf_counter()
            with torch.inference_mode():
                p = F.softmax(model(x), dim=1)
            dt = time.perf_counter() - t0
            if s > 0:
                print(json.dumps({"model": model_name, "batch": batch, "step_s": dt, "clips_per_s": batch / dt}),
                      flush=True)
        return
    model.train()
    opt = torch.optim.Adam(model.parameters())
    for s in range(steps + 1):  # step 0 is the warm-up
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if s > 0:
            print(json.dumps({"model": model_name, "batch": batch, "step_s": dt, "clips_per_s": batch / dt}), flush=True)


def run(cmd, threads):
    """(clips/s of each timed step, peak RSS in GB), or (None, reason) when the process fails."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 / 1024 if m else float("nan")
    got = [json.loads(line)["clips_per_s"] for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not got:
        sig = re.search(r"Command terminated by signal (\d+)", p.stderr)
        return None, f"fails (signal {sig.group(1)})" if sig else f"fails (exit {p.returncode})"
    return got, rss


def sgemm_gflops(build, threads):
    """This machine's sgemm speed now: raw cblas_sgemm, n = 2048, median of 5."""
    exe = os.path.join(ROOT, build, "bench", "tensor", "bench_tensor")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([exe, str(threads), "5", "2048"], env=env, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        if r["impl"] == "raw_sgemm":
            return 2 * 2048 ** 3 / statistics.median(r["times"]) / 1e9
    raise RuntimeError("bench_tensor printed no raw_sgemm line")


def model_gmacs(build, model):
    exe = os.path.join(ROOT, build, "apps", "audiograd")
    out = subprocess.run([exe, "summary", "--model", model], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"multiply-adds per clip: ([\d.]+) G", out).group(1))


def main(default_mode="train"):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2, help="timed steps per process, after one warm-up step")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[32, 8])
    ap.add_argument("--models", nargs="+", default=["erann-2-2", "cnn14"])
    ap.add_argument("--mode", choices=["train", "infer"], default=default_mode)
    ap.add_argument("--worker", nargs=6, metavar=("MODEL", "BATCH", "STEPS", "THREADS", "LAYOUT", "MODE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        m, b, s, t, layout, mode = args.worker
        torch_worker(m, int(b), int(s), int(t), layout, mode)
        return

    exe = "bench_train_step" if args.mode == "train" else "bench_infer_step"
    binary = os.path.join(ROOT, args.build, "bench", "apps", exe)
    if not os.path.isfile(binary):
        sys.exit(f"compare_train.py: {binary} not found; build it first: cmake --build {args.build} --target {exe}")
    gflops = sgemm_gflops(args.build, args.threads)
    passes = 3 if args.mode == "train" else 1
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, {args.mode}, {args.threads} threads, {args.steps} timed steps per "
          f"process after a warm-up, {args.rounds} rounds; load average before: {os.getloadavg()[0]:.2f}; "
          f"sgemm {gflops:.1f} GFLOP/s", flush=True)
    configs = {
        "ours": lambda m, b: [binary, m, str(b), str(args.steps), str(args.threads)],
        "torch": lambda m, b: [sys.executable, THIS, "--worker", m, str(b), str(args.steps), str(args.threads),
                               "default", args.mode],
        "torch-cl": lambda m, b: [sys.executable, THIS, "--worker", m, str(b), str(args.steps), str(args.threads),
                                  "channels_last", args.mode],
    }
    rows = []
    for m in args.models:
        gmacs = model_gmacs(args.build, m)
        for b in args.batches:
            per_round = {k: [] for k in configs}  # median clips/s of each round
            steps = {k: [] for k in configs}
            rss = {k: 0.0 for k in configs}
            failed = {}
            loads = []
            for r in range(args.rounds):
                for k, cmd in configs.items():
                    if k in failed:
                        continue
                    got, mem = run(cmd(m, b), args.threads)
                    loads.append(os.getloadavg()[0])
                    if got is None:
                        failed[k] = mem
                        print(f"  {m} batch {b} round {r + 1} {k:8s} {mem}", flush=True)
                        continue
                    per_round[k].append(statistics.median(got))
                    steps[k] += got
                    rss[k] = max(rss[k], mem)
                    print(f"  {m} batch {b} round {r + 1} {k:8s} " + " ".join(f"{c:.3f}" for c in got) +
                          f" clips/s, peak {mem:.2f} GB", flush=True)
            row = {"model": m, "batch": b, "load": statistics.mean(loads), "gmacs": gmacs}
            for k in configs:
                if k in failed or not steps[k]:
                    row[k] = failed.get(k, "fails")
                    continue
                row[k] = (statistics.median(steps[k]), min(steps[k]), max(steps[k]), rss[k])
            for k in ("torch", "torch-cl"):
                if isinstance(row[k], str) or isinstance(row["ours"], str):
                    row["ratio_" + k] = "-"
                    continue
                ratios = [o / t for o, t in zip(per_round["ours"], per_round[k])]
                row["ratio_" + k] = (row["ours"][0] / row[k][0], min(ratios), max(ratios))
            if not isinstance(row["ours"], str):
                row["eff"] = row["ours"][0] * gmacs * 2 * passes / gflops
            rows.append(row)

    def fmt(t):
        return t if isinstance(t, str) else f"{t[0]:.2f} ({t[1]:.2f}-{t[2]:.2f})"

    def mem(t):
        return "-" if isinstance(t, str) else f"{t[3]:.2f}"
    print()
    print("| model | batch | audiograd clips/s | PyTorch clips/s | PyTorch channels_last clips/s | "
          "ours / PyTorch | ours / PyTorch channels_last | peak GB ours / PyTorch / channels_last | "
          "our efficiency | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        eff = f"{100 * r['eff']:.0f} % ({r['gmacs']:.2f} GMAC x {2 * passes})" if "eff" in r else "-"
        print(f"| {r['model']} | {r['batch']} | {fmt(r['ours'])} | {fmt(r['torch'])} | {fmt(r['torch-cl'])} | "
              f"{fmt(r['ratio_torch'])} | {fmt(r['ratio_torch-cl'])} | "
              f"{mem(r['ours'])} / {mem(r['torch'])} / {mem(r['torch-cl'])} | {eff} | {r['load']:.1f} |")
    print(f"\n# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
