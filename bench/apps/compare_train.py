#!/usr/bin/python3
"""Training throughput, audiograd vs PyTorch 1.13, side by side: whole training steps (forward,
cross-entropy, backward, Adam step) of ERANN-2-2 and CNN14 on 5 s log-mel shapes (ERANN 640 x 128,
CNN14 501 x 64), 50 classes, train mode, random inputs, after one warm-up step.

    /usr/bin/python3 bench/apps/compare_train.py [--build build/release] [--threads 2] [--steps 2]
        [--rounds 2] [--batches 32 8] [--models erann-2-2 cnn14]

Per (model, batch) and round it runs, one after the other (A B A B ...):
  ours            build/release/bench/apps/bench_train_step MODEL BATCH STEPS THREADS
  torch           the same model in PyTorch, default (NCHW) memory format
  torch-cl        PyTorch with the model and input in channels_last (oneDNN's faster layout here)
each in a fresh process with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = THREADS and, for PyTorch,
torch.set_num_threads(THREADS). The PyTorch models are tools/make_model_fixtures.py's definitions,
which tests/apps/test_conformance.cpp shows to be the same networks as ours.
Prints clips/s (median over all timed steps, min-max) and the ratio ours / torch of the medians with
the min-max of the per-round ratios. Load matters on the shared machine: the load average is printed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def torch_worker(model_name, batch, steps, threads, layout):
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
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [json.loads(line)["clips_per_s"] for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2, help="timed steps per process, after one warm-up step")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[32, 8])
    ap.add_argument("--models", nargs="+", default=["erann-2-2", "cnn14"])
    ap.add_argument("--worker", nargs=5, metavar=("MODEL", "BATCH", "STEPS", "THREADS", "LAYOUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        m, b, s, t, layout = args.worker
        torch_worker(m, int(b), int(s), int(t), layout)
        return

    binary = os.path.join(ROOT, args.build, "bench", "apps", "bench_train_step")
    if not os.path.isfile(binary):
        sys.exit(f"compare_train.py: {binary} not found; build it first: cmake --build {args.build} --target bench_train_step")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, {args.threads} threads, {args.steps} timed steps per process after a "
          f"warm-up, {args.rounds} rounds; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    configs = {
        "ours": lambda m, b: [binary, m, str(b), str(args.steps), str(args.threads)],
        "torch": lambda m, b: [sys.executable, __file__, "--worker", m, str(b), str(args.steps), str(args.threads), "default"],
        "torch-cl": lambda m, b: [sys.executable, __file__, "--worker", m, str(b), str(args.steps), str(args.threads),
                                  "channels_last"],
    }
    rows = []
    for m in args.models:
        for b in args.batches:
            per_round = {k: [] for k in configs}  # median clips/s of each round
            steps = {k: [] for k in configs}
            loads = []
            for r in range(args.rounds):
                for k, cmd in configs.items():
                    got = run(cmd(m, b), args.threads)
                    per_round[k].append(statistics.median(got))
                    steps[k] += got
                    loads.append(os.getloadavg()[0])
                    print(f"  {m} batch {b} round {r + 1} {k:8s} " + " ".join(f"{c:.3f}" for c in got) + " clips/s", flush=True)
            med = {k: statistics.median(v) for k, v in steps.items()}
            row = {"model": m, "batch": b, "load": statistics.mean(loads)}
            for k in configs:
                row[k] = (med[k], min(steps[k]), max(steps[k]))
            for k in ("torch", "torch-cl"):
                ratios = [o / t for o, t in zip(per_round["ours"], per_round[k])]
                row["ratio_" + k] = (med["ours"] / med[k], min(ratios), max(ratios))
            rows.append(row)

    def fmt(t):
        return f"{t[0]:.2f} ({t[1]:.2f}-{t[2]:.2f})"
    print()
    print("| model | batch | audiograd clips/s | PyTorch clips/s | PyTorch channels_last clips/s | "
          "ours / PyTorch | ours / PyTorch channels_last | load |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['batch']} | {fmt(r['ours'])} | {fmt(r['torch'])} | {fmt(r['torch-cl'])} | "
              f"{fmt(r['ratio_torch'])} | {fmt(r['ratio_torch-cl'])} | {r['load']:.1f} |")
    print(f"\n# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
