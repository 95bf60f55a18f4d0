#!/usr/bin/python3
"""Conv layers of ERANN-2-2 and CNN14 (5 s clips, batch 8): audiograd vs PyTorch 1.13, side by side.

For every distinct conv shape of the two models (shapes from the ERANN and PANNs papers, as
docs/11_erann.md and docs/12_cnn14.md give them), times forward + backward (weight gradient always,
input gradient unless the layer reads the 1-channel log-mel) in our C++ binary and in PyTorch,
alternating (ours, torch, ours, torch, ...) at the same thread count, and prints per layer the ratio
of medians ours / torch with the min-max range over rounds, then the totals weighted by how often
each shape occurs in the model. PyTorch runs in its default (NCHW) layout and in channels_last; the
ratio is taken against the faster of the two per layer ("best"), and the totals against each layout
too.

    /usr/bin/python3 bench/nn/compare.py [--build build/release] [--threads 1 2] [--models erann cnn14]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

B = 8
# name: (count in the model, C, H, W, O, KH, KW, SH, SW, PH, PW), H = time frames, W = mel bins.
ERANN_2_2 = {  # W = 2, s_m = 2: stages 1 and 2 stride 4 in time; 640 x 128 log-mel
    "e0_conv_1to16": (1, 1, 640, 128, 16, 3, 3, 1, 1, 1, 1),
    "e0_conv_16": (7, 16, 640, 128, 16, 3, 3, 1, 1, 1, 1),
    "e0_short_1to16": (1, 1, 640, 128, 16, 1, 1, 1, 1, 0, 0),
    "e1_conv_6x3_s4x2": (1, 16, 640, 128, 32, 6, 3, 4, 2, 1, 1),
    "e1_conv_5x3": (1, 32, 160, 64, 32, 5, 3, 1, 1, 2, 1),
    "e1_short_s4x2": (1, 16, 640, 128, 32, 1, 1, 4, 2, 0, 0),
    "e1_conv_32": (6, 32, 160, 64, 32, 3, 3, 1, 1, 1, 1),
    "e2_conv_6x3_s4x2": (1, 32, 160, 64, 64, 6, 3, 4, 2, 1, 1),
    "e2_conv_5x3": (1, 64, 40, 32, 64, 5, 3, 1, 1, 2, 1),
    "e2_short_s4x2": (1, 32, 160, 64, 64, 1, 1, 4, 2, 0, 0),
    "e2_conv_64": (6, 64, 40, 32, 64, 3, 3, 1, 1, 1, 1),
    "e3_conv_s2": (1, 64, 40, 32, 128, 3, 3, 2, 2, 1, 1),
    "e3_short_s2": (1, 64, 40, 32, 128, 1, 1, 2, 2, 0, 0),
    "e3_conv_128": (7, 128, 20, 16, 128, 3, 3, 1, 1, 1, 1),
    "e4_conv_s2": (1, 128, 20, 16, 256, 3, 3, 2, 2, 1, 1),
    "e4_short_s2": (1, 128, 20, 16, 256, 1, 1, 2, 2, 0, 0),
    "e4_conv_256": (7, 256, 10, 8, 256, 3, 3, 1, 1, 1, 1),
}
CNN14 = {  # 501 x 64 log-mel; avg-pool 2x2 after blocks 1-5
    "c1_conv1": (1, 1, 501, 64, 64, 3, 3, 1, 1, 1, 1),
    "c1_conv2": (1, 64, 501, 64, 64, 3, 3, 1, 1, 1, 1),
    "c2_conv1": (1, 64, 250, 32, 128, 3, 3, 1, 1, 1, 1),
    "c2_conv2": (1, 128, 250, 32, 128, 3, 3, 1, 1, 1, 1),
    "c3_conv1": (1, 128, 125, 16, 256, 3, 3, 1, 1, 1, 1),
    "c3_conv2": (1, 256, 125, 16, 256, 3, 3, 1, 1, 1, 1),
    "c4_conv1": (1, 256, 62, 8, 512, 3, 3, 1, 1, 1, 1),
    "c4_conv2": (1, 512, 62, 8, 512, 3, 3, 1, 1, 1, 1),
    "c5_conv1": (1, 512, 31, 4, 1024, 3, 3, 1, 1, 1, 1),
    "c5_conv2": (1, 1024, 31, 4, 1024, 3, 3, 1, 1, 1, 1),
    "c6_conv1": (1, 1024, 15, 2, 2048, 3, 3, 1, 1, 1, 1),
    "c6_conv2": (1, 2048, 15, 2, 2048, 3, 3, 1, 1, 1, 1),
}
MODELS = {"erann": ERANN_2_2, "cnn14": CNN14}


def torch_layer(spec, reps, channels_last):
    _, c, h, w, o, kh, kw, sh, sw, ph, pw = spec
    g = torch.Generator().manual_seed(1)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(B, c, h, w, generator=g).to(memory_format=fmt).requires_grad_(c > 1)
    wt = (torch.randn(o, c, kh, kw, generator=g) * 0.05).to(memory_format=fmt).requires_grad_(True)
    times = []
    r = 0
    while r < reps + 1 or (sum(times) < 0.3 and r < 51):  # first = warm-up; small layers get more calls
        x.grad = None
        wt.grad = None
        t0 = time.perf_counter()
        y = F.conv2d(x, wt, None, (sh, sw), (ph, pw))
        y.backward(torch.ones_like(y))
        if r:
            times.append(time.perf_counter() - t0)
        r += 1
    return times


def ours(binary, layers, threads, reps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    specs = [name + ":" + ",".join(map(str, (B,) + spec[1:])) for name, spec in layers.items()]
    out = subprocess.run([binary, str(threads), str(reps)] + specs, check=True, capture_output=True, text=True, env=env).stdout
    return {r["layer"]: r["total"] for r in map(json.loads, out.splitlines())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build/release")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--models", nargs="+", default=["erann", "cnn14"], choices=list(MODELS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=2)
    args = p.parse_args()
    binary = os.path.join(args.build, "bench", "nn", "bench_conv")
    print(f"load average before: {os.getloadavg()[0]:.2f}; torch {torch.__version__}, batch {B}, forward + backward")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for model in args.models:
            layers = MODELS[model]
            rounds = []
            for _ in range(args.rounds):
                r = {"ours": {}, "nchw": {}, "nhwc": {}}
                for name, spec in layers.items():  # A B A B, layer by layer, so noise hits both alike
                    r["ours"].update(ours(binary, {name: spec}, threads, args.reps))
                    r["nchw"][name] = torch_layer(spec, args.reps, False)
                    r["nhwc"][name] = torch_layer(spec, args.reps, True)
                rounds.append(r)
            print(f"\n{model} at {threads} thread(s): ms per call (median), ratio ours / torch-best [min-max over rounds]")
            print(f"{'layer':20} {'x':>2} | {'ours':>8} {'nchw':>8} {'chlast':>8} | {'ratio':>18} | best")
            tot = {"ours": 0.0, "nchw": 0.0, "nhwc": 0.0, "best": 0.0}
            worst = (0, "")
            for name, spec in layers.items():
                med = {k: statistics.median(v for r in rounds for v in r[k][name]) for k in ("ours", "nchw", "nhwc")}
                best_k = "nchw" if med["nchw"] <= med["nhwc"] else "nhwc"
                per = [statistics.median(r["ours"][name]) / min(statistics.median(r["nchw"][name]), statistics.median(r["nhwc"][name]))
                       for r in rounds]
                ratio = med["ours"] / med[best_k]
                worst = max(worst, (ratio, name))
                n = spec[0]
                for k in ("ours", "nchw", "nhwc"):
                    tot[k] += n * med[k]
                tot["best"] += n * med[best_k]
                print(f"{name:20} {n:2} | {med['ours']*1e3:8.2f} {med['nchw']*1e3:8.2f} {med['nhwc']*1e3:8.2f} | "
                      f"{ratio:6.2f} [{min(per):.2f}-{max(per):.2f}] | {'channels_last' if best_k == 'nhwc' else 'nchw'}")
            print(f"{'TOTAL':20} {'':2} | {tot['ours']*1e3:8.1f} {tot['nchw']*1e3:8.1f} {tot['nhwc']*1e3:8.1f} | "
                  f"vs best-per-layer {tot['ours']/tot['best']:.2f}, vs nchw {tot['ours']/tot['nchw']:.2f}, "
                  f"vs channels_last {tot['ours']/tot['nhwc']:.2f}; slowest layer {worst[1]} at {worst[0]:.2f}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
