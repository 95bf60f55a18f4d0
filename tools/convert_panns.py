#!/usr/bin/python3
"""Converts a PANNs CNN14 checkpoint (Kong et al. 2020) to an audiograd checkpoint.

    /usr/bin/python3 tools/convert_panns.py Cnn14_mAP=0.431.pth cnn14_audioset.safetensors

The released file (https://zenodo.org/record/3987831, `Cnn14_mAP=0.431.pth`) is a torch.save'd dict
whose "model" entry is the state dict of PANNs' Cnn14. Our CNN14 (apps/models/cnn14.hpp) uses the
same parameter names, so the conversion is:
  - every network tensor (bn0.*, conv_block{1..6}.{conv1,conv2}.weight, conv_block*.bn{1,2}.*,
    fc1.*, fc_audioset.*) is copied as is (float32; num_batches_tracked int64);
  - the frozen front end is checked and dropped: `spectrogram_extractor.stft.conv_real.weight` and
    `conv_imag.weight` (513, 1, 1024) must be the DFT rows times a periodic Hann window, and
    `logmel_extractor.melW` (513, 64) the Slaney-normalised Slaney mel filterbank (50-14000 Hz at
    32 kHz) that torchaudio gives: then our `panns` log-mel preset computes exactly the input the
    network was trained on. (--skip-frontend-check skips this, e.g. for a model trained otherwise.)
The output is a safetensors state dict with the metadata the audiograd app reads (`audiograd eval`,
`predict`, `--pretrained`): format, audiograd.model = cnn14, num_classes = 527, activation, the
527 AudioSet class names in PANNs' output order (tools/audioset/class_labels_indices.csv, with its
attribution; --labels for another file), and audiograd.task = tagging: an AudioSet model is a
multi-label tagger, trained with a sigmoid per class, so predict scores each class by its sigmoid
instead of a softmax over all of them.

PANNs' frame-wise model, `Cnn14_DecisionLevelMax_mAP=0.385.pth` (same record), has exactly CNN14's
tensors and names; only its head runs per time segment. It converts the same way with
--model cnn14-sed (the default when the file name contains "DecisionLevelMax"), recorded as
audiograd.model = cnn14-sed: `audiograd tag` then reads its scores per 10 ms frame.

A reduced-width network (channels c, 2c, ..., 32c instead of 64 ... 2048) is converted too, with
audiograd.base_channels = c recorded; the app's predict / eval / --pretrained build the model at that
width (tests/apps/test_app.cpp, test_conformance.cpp). Anything else in the state dict is an error.
"""
import argparse
import json
import os
import re
import struct
import sys

import numpy as np


def fail(msg):
    sys.exit(f"convert_panns.py: {msg}")


FRONTEND = ("spectrogram_extractor.", "logmel_extractor.")
NETWORK = re.compile(r"^(bn0|conv_block[1-6]\.(conv[12]|bn[12])|fc1|fc_audioset)\."
                     r"(weight|bias|running_mean|running_var|num_batches_tracked)$")


def check_frontend(sd, tol=1e-4):
    """Raises SystemExit naming the tensor whose values differ from our `panns` front end."""
    import torch
    import torchaudio
    expected = {}
    n_fft = 1024
    n = np.arange(n_fft)
    k = np.arange(n_fft // 2 + 1)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)  # periodic Hann
    expected["spectrogram_extractor.stft.conv_real.weight"] = (np.cos(2 * np.pi * k * n / n_fft) * window)[:, None, :]
    expected["spectrogram_extractor.stft.conv_imag.weight"] = (-np.sin(2 * np.pi * k * n / n_fft) * window)[:, None, :]
    expected["logmel_extractor.melW"] = torchaudio.functional.melscale_fbanks(
        513, 50.0, 14000.0, 64, 32000, norm="slaney", mel_scale="slaney").double().numpy()
    for name, want in expected.items():
        if name not in sd:
            fail(f"the checkpoint has no '{name}' (is it a PANNs Cnn14 checkpoint?); "
                 "--skip-frontend-check converts it anyway")
        got = sd[name].detach().double().cpu().numpy()
        if got.shape != want.shape:
            fail(f"'{name}' has shape {tuple(got.shape)}, the panns front end (32 kHz, n_fft 1024, 64 mels) "
                 f"needs {tuple(want.shape)}")
        err = float(np.abs(got - want).max() / np.abs(want).max())
        if err > tol:
            fail(f"'{name}' differs from our panns front end by {err:.2e} (relative): the network was trained "
                 "on other log-mels; --skip-frontend-check converts it anyway")
        print(f"  {name} {tuple(got.shape)} matches the panns preset (max relative difference {err:.1e})")
    for name in sd:
        if name.startswith(FRONTEND) and name not in expected:
            fail(f"unexpected front-end tensor '{name}'")


def write_safetensors(path, tensors, metadata):
    """safetensors by hand (format in nn/checkpoint.hpp), via a temporary name and a rename."""
    codes = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for k, v in tensors.items():
        raw = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": codes[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_labels(path, num_classes):
    """The display names of an index,mid,display_name CSV, in index order; one per output unit."""
    import csv
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"--labels {path}: {e.strerror}")
    if not rows or set(rows[0]) < {"index", "display_name"}:
        fail(f"--labels {path}: expected the columns index,mid,display_name")
    try:
        rows.sort(key=lambda r: int(r["index"]))
    except ValueError:
        fail(f"--labels {path}: an index that is not a number")
    if [int(r["index"]) for r in rows] != list(range(len(rows))):
        fail(f"--labels {path}: the indices are not 0..{len(rows) - 1}")
    if len(rows) != num_classes:
        fail(f"--labels {path} has {len(rows)} classes, the checkpoint's fc_audioset {num_classes}")
    return [r["display_name"].replace("\n", " ") for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="PANNs .pth file (e.g. Cnn14_mAP=0.431.pth)")
    ap.add_argument("output", help="audiograd checkpoint to write (.safetensors)")
    ap.add_argument("--labels", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "audioset", "class_labels_indices.csv"),
                    help="index,mid,display_name CSV of the output classes (default: the 527 AudioSet labels)")
    ap.add_argument("--model", choices=["cnn14", "cnn14-sed"], default=None,
                    help="what the weights are: cnn14 (Cnn14) or cnn14-sed (Cnn14_DecisionLevelMax); by default "
                         "cnn14-sed when the file name contains DecisionLevelMax, else cnn14")
    ap.add_argument("--skip-frontend-check", action="store_true",
                    help="do not verify the spectrogram/log-mel extractor buffers against the panns preset")
    args = ap.parse_args()

    import torch
    if not os.path.isfile(args.checkpoint):
        fail(f"{args.checkpoint}: no such file (download Cnn14_mAP=0.431.pth from https://zenodo.org/record/3987831)")
    try:
        ckpt = torch.load(args.checkpoint, map_location="cpu")
    except Exception as e:  # a truncated download, an HTML error page saved as .pth ...
        fail(f"{args.checkpoint}: not a torch checkpoint ({type(e).__name__}: {e})")
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        keys = list(ckpt.keys())[:5] if isinstance(ckpt, dict) else type(ckpt).__name__
        fail(f"{args.checkpoint}: expected a dict with a 'model' entry (PANNs' format), got {keys}")
    sd = ckpt["model"]
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}  # DataParallel saves

    print(f"{args.checkpoint}: {len(sd)} tensors")
    if args.skip_frontend_check:
        print("  front end not checked (--skip-frontend-check)")
    else:
        check_frontend(sd)

    out = {}
    for name, t in sd.items():
        if name.startswith(FRONTEND):
            continue
        if not NETWORK.match(name):
            fail(f"'{name}' {tuple(t.shape)} is not part of CNN14 (a Wavegram or other PANNs model? only Cnn14 converts)")
        out[name] = t.detach().cpu().numpy().astype(np.int64 if name.endswith("num_batches_tracked") else np.float32)

    # Shapes: the published width is c = 64 (conv_block1 64 channels ... conv_block6 2048).
    if "conv_block1.conv1.weight" not in out or "fc_audioset.weight" not in out:
        fail("missing conv_block1.conv1.weight or fc_audioset.weight: not a Cnn14 state dict")
    c = out["conv_block1.conv1.weight"].shape[0]
    for i in range(1, 7):
        c_in, c_out = (1 if i == 1 else c << (i - 2)), c << (i - 1)
        for key, shape in ((f"conv_block{i}.conv1.weight", (c_out, c_in, 3, 3)), (f"conv_block{i}.conv2.weight", (c_out, c_out, 3, 3))):
            if key not in out or out[key].shape != shape:
                fail(f"'{key}' should be {shape} for CNN14 of width {c}, got {out[key].shape if key in out else 'nothing'}")
    num_classes = out["fc_audioset.weight"].shape[0]
    expected = 13 * 5 + 12 + 4  # bn0 and 12 BNs x 5 entries, 12 convs, fc1 and fc_audioset x 2
    if len(out) != expected:
        fail(f"{len(out)} network tensors, CNN14 has {expected}")

    names = read_labels(args.labels, num_classes)
    model = args.model or ("cnn14-sed" if "DecisionLevelMax" in os.path.basename(args.checkpoint) else "cnn14")
    metadata = {"format": "audiograd", "audiograd.model": model, "audiograd.num_classes": str(num_classes),
                "audiograd.activation": "relu", "audiograd.class_names": "\n".join(names),
                "audiograd.task": "tagging", "audiograd.clip_seconds": "10",  # AudioSet's clips, what PANNs trained on
                "audiograd.source": "PANNs " + os.path.basename(args.checkpoint)}
    if c != 64:
        metadata["audiograd.base_channels"] = str(c)
    write_safetensors(args.output, out, metadata)
    params = sum(v.size for k, v in out.items() if not re.search(r"running_|num_batches", k))
    print(f"wrote {args.output}: {model}, width {c}, {num_classes} classes, {params:,} parameters")


if __name__ == "__main__":
    main()
