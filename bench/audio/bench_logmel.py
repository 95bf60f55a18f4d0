#!/usr/bin/python3
"""Log-mel throughput, audiograd vs torchaudio, side by side (A B A B) on real 5 s ESC-50 clips.

    /usr/bin/python3 bench/audio/bench_logmel.py --binary build/release/bench/audio/bench_logmel

For each thread count (1, 2) and preset (erann, panns), alternates `rounds` times:
  A  our bench_logmel binary (one timed pass of LogMel::batch over the clips; OpenMP over clips)
  B  torchaudio MelSpectrogram + AmplitudeToDB configured as in the spec, torch.set_num_threads(n),
     in its faster form on this machine: one call on the (B, L) batch, or a loop over the clips
     (chosen once at warm-up, and printed)
and reports clips/s medians, the ratio of medians and the min-max range of each side.
Decoding is not timed on either side; both get the same 5 s clips at the preset's rate.
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import torch
import torchaudio

PRESETS = {
    "erann": dict(sample_rate=44100, n_fft=1380, win_length=1380, hop_length=345, n_mels=128),
    "panns": dict(sample_rate=32000, n_fft=1024, win_length=1024, hop_length=320, n_mels=64),
}


def load_clips(esc50, n, rate):
    import csv
    rows = list(csv.DictReader(open(os.path.join(esc50, "meta", "esc50.csv"))))[:n]
    clips = []
    for r in rows:
        x, sr = torchaudio.load(os.path.join(esc50, "audio", r["filename"][:-4] + ".ogg"))
        x = x.sum(0).clamp(-1, 1)
        if sr != rate:
            x = torchaudio.functional.resample(x, sr, rate)
        length = 5 * rate
        x = torch.nn.functional.pad(x[:length], (0, max(0, length - x.shape[0])))
        clips.append(x)
    return torch.stack(clips)  # (B, L)


def torch_frontend(preset):
    p = PRESETS[preset]
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=p["sample_rate"], n_fft=p["n_fft"], win_length=p["win_length"], hop_length=p["hop_length"],
        f_min=50.0, f_max=14000.0, n_mels=p["n_mels"], power=2.0, center=True, pad_mode="reflect",
        norm="slaney", mel_scale="slaney")
    db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=None)
    return lambda x: db(mel(x))


def time_torch(fn, batch, mode):
    t0 = time.perf_counter()
    with torch.no_grad():
        if mode == "batch":
            fn(batch)
        else:
            for x in batch:
                fn(x)
    return batch.shape[0] / (time.perf_counter() - t0)


def run_ours(binary, preset, threads, clips, esc50):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "--preset", preset, "--threads", str(threads), "--clips", str(clips), "--rounds", "1",
                          "--esc50", esc50], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["clips_per_s"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(here, "..", "..", "build", "release", "bench", "audio", "bench_logmel"))
    ap.add_argument("--esc50", default=os.path.join(here, "..", "..", "..", "shared", "data", "esc50"))
    ap.add_argument("--clips", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--presets", default="erann,panns")
    args = ap.parse_args()
    print(f"# load: {os.getloadavg()[0]:.2f}  torch {torch.__version__}  torchaudio {torchaudio.__version__}")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for preset in args.presets.split(","):
            batch = load_clips(args.esc50, args.clips, PRESETS[preset]["sample_rate"])
            fn = torch_frontend(preset)
            warm = {m: max(time_torch(fn, batch, m) for _ in range(2)) for m in ("batch", "loop")}
            mode = max(warm, key=warm.get)
            ours, theirs = [], []
            for _ in range(args.rounds):  # A B A B
                ours.append(run_ours(args.binary, preset, threads, args.clips, args.esc50))
                theirs.append(time_torch(fn, batch, mode))
            mo, mt = statistics.median(ours), statistics.median(theirs)
            print(f"{preset:6s} threads={threads}: audiograd {mo:7.1f} clips/s [{min(ours):.1f}-{max(ours):.1f}]  "
                  f"torchaudio ({mode}) {mt:7.1f} clips/s [{min(theirs):.1f}-{max(theirs):.1f}]  ratio {mo / mt:.2f}x",
                  flush=True)


if __name__ == "__main__":
    main()
