#!/usr/bin/python3
"""PyTorch twin of a short `audiograd train` run, to tell a slow-learning model from a framework bug.

    build/release/apps/audiograd features --dataset esc50 --out /tmp/feat      # (T, 128) log-mels
    /usr/bin/python3 tools/torch_train_reference.py --features /tmp/feat --model erann-3-1 --lr 1e-3

Trains the PyTorch definition of the model from tools/make_model_fixtures.py (the one that
tests/apps/test_conformance.cpp shows to match ours) with Adam at a constant learning rate on the
same log-mels, random 3 s crops (320 frames), no other augmentation, one thread; trains on folds
--train-folds and reports accuracy on --val-fold after every epoch. Compare with

    audiograd train --folds 5 --exclude-folds 1 --schedule constant --augment "" --mixup 0 \
        --lr 1e-3 --batch-size 32 --threads 1 --eval-every 1 --epochs 4

(fold 1, the test fold of docs/results.md, is used by neither.) Used on 2026-12-01 for one epoch
(with --crop 384): PyTorch was as near chance after it as we were (docs/results.md).
"""
import argparse
import glob
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as M  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", required=True, help="directory of <fold>-<src>-<take>-<target>.npy log-mels")
    ap.add_argument("--model", default="erann-3-1")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--crop", type=int, default=320, help="training crop in frames (a multiple of 4^s_m)")
    ap.add_argument("--train-folds", default="2,3,4")
    ap.add_argument("--val-fold", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    files = sorted(glob.glob(os.path.join(a.features, "*.npy")))
    if not files:
        sys.exit(f"torch_train_reference: no .npy files in {a.features}")
    fold = lambda f: int(os.path.basename(f).split("-")[0])  # noqa: E731
    label = lambda f: int(os.path.basename(f)[:-4].split("-")[-1])  # noqa: E731
    train_folds = {int(x) for x in a.train_folds.split(",")}
    tr = [f for f in files if fold(f) in train_folds]
    va = [f for f in files if fold(f) == a.val_fold]
    xtr = torch.tensor(np.stack([np.load(f) for f in tr]))[:, None]
    ytr = torch.tensor([label(f) for f in tr])
    xva = torch.tensor(np.stack([np.load(f) for f in va]))[:, None]
    yva = torch.tensor([label(f) for f in va])
    model = M.build(a.model, 50)
    M.init_panns(model, torch.Generator().manual_seed(a.seed))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    b, frames = a.batch_size, xtr.shape[2]
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(len(tr))
        t0, loss_sum, correct, seen = time.time(), 0.0, 0, 0
        for i in range(0, len(tr) - b + 1, b):
            idx = perm[i:i + b]
            off = torch.randint(0, frames - a.crop + 1, (b,))
            x = torch.stack([xtr[j, :, o:o + a.crop] for j, o in zip(idx.tolist(), off.tolist())])
            out = model(x)
            loss = F.cross_entropy(out, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * b
            correct += (out.argmax(1) == ytr[idx]).sum().item()
            seen += b
        model.eval()
        with torch.no_grad():
            hits = sum((model(xva[i:i + b]).argmax(1) == yva[i:i + b]).sum().item() for i in range(0, len(va), b))
        print(f"epoch {epoch}: train loss {loss_sum / seen:.4f} acc {100 * correct / seen:.1f}%  "
              f"val acc {100 * hits / len(va):.1f}%  {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
