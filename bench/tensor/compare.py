#!/usr/bin/python3
"""Side-by-side speed of audiograd's matmul and add against raw cblas_sgemm and PyTorch.

Runs, in one session and alternating (ours, torch, ours, torch, ...), the C++ bench_tensor binary
and the same ops in PyTorch 1.13 (Debian's python3-torch) at the same thread count, then prints
ratios of medians with the min-max range of the per-round ratios (the method: bench/README.md).

    /usr/bin/python3 bench/tensor/compare.py [--build build/release] [--threads 1 2] [--sizes 256 1024 2048]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import torch


def torch_times(n, threads, reps):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    torch.matmul(a, b)
    mm, add = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        mm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        torch.add(a, b)
        add.append(time.perf_counter() - t0)
    return {"torch_matmul": mm, "torch_add": add}


def ours(binary, n, threads, reps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([binary, str(threads), str(reps), str(n)], check=True, capture_output=True, text=True, env=env).stdout
    return {r["impl"]: r["times"] for r in map(json.loads, out.splitlines())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build/release")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 2048])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args()
    binary = os.path.join(args.build, "bench", "tensor", "bench_tensor")
    print(f"load average before: {os.getloadavg()[0]:.2f}; torch {torch.__version__}")
    print(f"{'op':8} {'n':>5} {'thr':>3} | {'ours ms':>9} {'sgemm ms':>9} {'torch ms':>9} | "
          f"{'ours/sgemm':>18} | {'ours/torch':>18} | GFLOP/s")
    for threads in args.threads:
        for n in args.sizes:
            rounds = []
            for _ in range(args.rounds):  # A B A B
                rounds.append({**ours(binary, n, threads, args.reps), **torch_times(n, threads, args.reps)})
            med = {k: statistics.median(v for r in rounds for v in r[k]) for k in rounds[0]}

            def ratio(a, b):
                per = [statistics.median(r[a]) / statistics.median(r[b]) for r in rounds]
                return f"{med[a] / med[b]:5.3f} [{min(per):.3f}-{max(per):.3f}]"

            gflops = 2 * n ** 3 / med["ours_matmul"] / 1e9
            print(f"{'matmul':8} {n:5} {threads:3} | {med['ours_matmul']*1e3:9.3f} {med['raw_sgemm']*1e3:9.3f} "
                  f"{med['torch_matmul']*1e3:9.3f} | {ratio('ours_matmul', 'raw_sgemm'):>18} | "
                  f"{ratio('ours_matmul', 'torch_matmul'):>18} | {gflops:6.1f}")
            print(f"{'add':8} {n:5} {threads:3} | {med['ours_add']*1e3:9.3f} {'':>9} {med['torch_add']*1e3:9.3f} | "
                  f"{'':>18} | {ratio('ours_add', 'torch_add'):>18} |")
    print("ratios are time ours / time other (below 1 = we are faster); [min-max] over rounds")


if __name__ == "__main__":
    main()
