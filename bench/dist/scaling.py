#!/usr/bin/env python3
"""Data-parallel training on this machine, and what it would give on several.

Measured, side by side in one run (A B A B, as the other drivers): `audiograd train` as
1 rank x 2 threads against `mpirun -np 2 audiograd train` as 2 ranks x 1 thread, same global
batch, same clips, training throughput (clips/s) of the second epoch (the first fills the
feature cache). Then the bytes each step sums over the ranks (every trainable gradient, float32)
and a scaling estimate for R = 2..16 machines on 10 and 25 Gb/s links:

    t_step(R) = t_compute(B / R) + t_allreduce(R)
    t_compute(B / R) = (B / R) / (clips/s of one machine)     (linear in the clips: optimistic for
                                                               small per-rank batches)
    t_allreduce(R) = 2 (R - 1) / R * S / bandwidth + 2 (R - 1) * latency   (ring allreduce of S bytes,
                                                               not overlapped with the backward)

Usage (from the repository root, on a quiet machine):
    python3 bench/dist/scaling.py --models erann-3-1:16 cnn14:32 --limit 64
Only the standard library: no numpy or torch needed.
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def run(cmd, env=None):
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if p.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + p.stdout[-3000:])
    return p.stdout, time.time() - t0


def last_epoch_clips_per_s(out_dir):
    with open(os.path.join(out_dir, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    return float(rows[-1]["clips_per_s"])


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/release/apps/audiograd")
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--data", default="../shared/data/esc50")
    ap.add_argument("--models", nargs="+", default=["erann-3-1:16", "cnn14:32"], help="model:global batch")
    ap.add_argument("--limit", type=int, default=64, help="training clips (--limit of the app)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--latency-us", type=float, default=50.0, help="per-message latency in the estimate")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="audiograd-dist-bench-")
    mpirun = [args.mpirun, "--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f} at the start, {os.cpu_count()} cores")
    results = []
    for spec in args.models:
        model, batch = spec.split(":")
        cache = os.path.join(work, "cache-" + model)
        base = [args.bin, "train", "--data", args.data, "--model", model, "--batch-size", batch, "--limit", str(args.limit),
                "--epochs", "2", "--eval-every", "100", "--workers", "1", "--seed", "0", "--cache", cache, "--crop-seconds", "0",
                "--overwrite"]
        one, two, mb = [], [], None
        for r in range(args.rounds):
            out1 = os.path.join(work, f"{model}-one-{r}")
            run(base + ["--threads", "2", "--out", out1])
            one.append(last_epoch_clips_per_s(out1))
            out2 = os.path.join(work, f"{model}-two-{r}")
            log, _ = run(mpirun + ["-np", "2"] + base + ["--threads", "1", "--out", out2])
            two.append(last_epoch_clips_per_s(out2))
            m = re.search(r"([0-9.]+) MB of gradients summed per step in ([0-9]+) buckets", log)
            mb, buckets = float(m.group(1)), int(m.group(2))
            print(f"{model} round {r + 1}: 1 x 2 threads {one[-1]:.2f} clips/s, 2 ranks x 1 thread {two[-1]:.2f} clips/s", flush=True)
        ratios = [b / a for a, b in zip(one, two)]
        results.append((model, int(batch), median(one), median(two), min(ratios), max(ratios), mb, buckets))

    print()
    print("| model | global batch | 1 rank x 2 threads, clips/s | 2 ranks x 1 thread, clips/s | 2 ranks / 1 rank | MB summed per step | buckets |")
    print("|---|---|---|---|---|---|---|")
    for model, batch, a, b, lo, hi, mb, buckets in results:
        print(f"| {model} | {batch} | {a:.2f} | {b:.2f} | {b / a:.2f} [{lo:.2f}-{hi:.2f}] | {mb:.1f} | {buckets} |")

    print()
    print("Estimate for R machines of this kind (2 cores each), the global batch split R ways, ring allreduce not")
    print(f"overlapped with the backward, {args.latency_us:.0f} us per message; speed-up = R x compute / (compute + allreduce):")
    print()
    print("| model | link | R | clips per rank | compute s | allreduce s | speed-up | efficiency |")
    print("|---|---|---|---|---|---|---|---|")
    for model, batch, a, b, lo, hi, mb, buckets in results:
        per_clip = 1.0 / a  # one machine, 2 threads
        for gbps in (10, 25):
            bw = gbps * 1e9 / 8
            for R in (2, 4, 8, 16):
                if batch % R:
                    continue
                compute = per_clip * batch / R
                comm = 2 * (R - 1) / R * mb * 1e6 / bw + 2 * (R - 1) * buckets * args.latency_us * 1e-6
                speedup = batch * per_clip / (compute + comm)
                print(f"| {model} | {gbps} Gb/s | {R} | {batch // R} | {compute:.2f} | {comm:.3f} | {speedup:.1f} | {speedup / R:.0%} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
