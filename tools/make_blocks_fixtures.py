#!/usr/bin/python3
"""PyTorch twin of `--model blocks`, written from the seed pipeline's definitions, and its fixtures.

    /usr/bin/python3 tools/make_blocks_fixtures.py

fabuloudy/audio_survey builds its model from a list of blocks in config.yaml (utils/nn/models.py,
CNNModel) out of utils/nn/blocks.py (ResBlock, GlobalPooling, SwiGLU, DropBlock2D). The classes
below are those definitions, kept as the seed wrote them (its names, its dilation rule, its 'same'
padding, its pooling dims), minus what does not bear on the numbers (checkpointing, verbose
printing). apps/models/blocks.cpp is our implementation; tests/apps/test_blocks.cpp checks that
the two agree on logits, on the gradient of every parameter and on the input gradient, in train
mode (batch statistics), for four small block lists that between them use every block kind and
option: both batch_first settings, odd and even kernels, swiglu, all four pooling modes, flat or
not. DropBlock and Dropout2d are in the lists with probability 0 (their random masks cannot
match); their statistics are tested on their own in C++.

Writes tests/fixtures/models/blocks-<case>/ in make_model_fixtures.py's layout (weights, input,
labels, logits, grads, buffers_after), plus blocks.txt (one block per line) and res_block.txt.
The references are float64 from the float32 weights.

Also the seed's front end (utils/datasets.py: torchaudio MelSpectrogram at 30 kHz, n_fft = win =
930, hop 240, 128 mels from 30 Hz, then log10(x + 1)), for the `survey` preset: a seeded synthetic
second (tones, a chirp, noise) as tests/fixtures/audio/survey_wave.npy and its log-mel (T, 128) as
survey_logmel.npy, computed in float64 with f_max 15000 (the seed's 16000 is past Nyquist).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_model_fixtures import OUT, make_case, randomise  # noqa: E402


# --- the seed's blocks (utils/nn/blocks.py) --------------------------------------------------------
class SwiGLU(nn.Module):
    def forward(self, x):
        x, gate = x.chunk(2, dim=-1)
        return F.silu(gate) * x


class GlobalPooling(nn.Module):
    def __init__(self, mode=None, flat=False):
        super().__init__()
        self.mode, self.flat = mode, flat

    def forward(self, x):
        if self.flat:
            x = x.transpose(2, 3).flatten(1, 2).transpose(1, 2)
        if self.mode == "avg":
            return self.avg(x)
        if self.mode == "max":
            return self.max(x)
        if self.mode == "sum":
            return self.avg(x) + self.max(x)
        if self.mode == "mul":
            return self.avg(x) * self.max(x)

    def avg(self, x):
        return x.mean(dim=[1, 2]) if x.dim() == 4 else x.mean(dim=1)

    def max(self, x):
        return x.max(dim=1).values.max(dim=1).values if x.dim() == 4 else x.max(dim=1).values


def get_activation(act):
    # The seed's utils/nn/tools.py (its 'relu' returns a tuple by mistake; nn.ReLU() here).
    return {"gelu": nn.GELU(), "relu": nn.ReLU(), "lrelu": nn.LeakyReLU(0.01), "swiglu": SwiGLU()}[act]


class ResBlock(nn.Module):
    def __init__(self, kernel_size, kernel_size_res, activation, c_in, c_emb, c_out, batch_first=True):
        super().__init__()
        dilation = [2 - kernel_size[0] % 2, 2 - kernel_size[0] % 2]
        dilation_res = [2 - kernel_size_res[0] % 2, 2 - kernel_size_res[0] % 2]
        self.batchnorm_1 = nn.BatchNorm2d(c_in)
        self.batchnorm_2 = nn.BatchNorm2d(c_emb)
        self.conv1 = nn.Conv2d(c_in, c_emb, kernel_size, dilation=dilation, padding="same")
        self.conv2 = nn.Conv2d(c_emb, c_out, kernel_size, dilation=dilation, padding="same")
        self.conv_res = nn.Conv2d(c_in, c_out, kernel_size_res, dilation=dilation_res, padding="same")
        self.batch_first = batch_first
        self.act = get_activation(activation)

    def forward(self, x):
        x = self.act(self.batchnorm_1(x)) if self.batch_first else self.batchnorm_1(self.act(x))
        res = self.conv_res(x)
        x = self.conv1(x)
        x = self.act(self.batchnorm_2(x)) if self.batch_first else self.batchnorm_2(self.act(x))
        x = self.conv2(x)
        return x + res


class DropBlock2D(nn.Module):
    """Only its p = 0 / eval behaviour (identity) is used here."""

    def __init__(self, p, drop_prob, block_size):
        super().__init__()
        self.p = p

    def forward(self, x):
        assert self.p == 0 or not self.training
        return x


# --- the seed's CNNModel (utils/nn/models.py), from our block-list syntax -------------------------
class CNNModel(nn.Module):
    def __init__(self, input_shape, num_classes, res_block, blocks):
        super().__init__()
        self.blocks = nn.ModuleList()
        tensor = torch.rand(*input_shape)
        for text in blocks:
            w = text.split()
            key, values = w[0], w[1:]
            if key == "res":
                b = ResBlock(**res_block, c_in=tensor.shape[1], c_emb=int(values[0]), c_out=int(values[1]))
            elif key == "max_pool":
                b = nn.MaxPool2d(kernel_size=[int(values[0]), 1], stride=[int(values[1]), 1])
            elif key == "drop":
                b = DropBlock2D(float(values[0]), float(values[1]), [int(v) for v in values[2:]])
            elif key == "dropout":
                b = nn.Dropout2d(float(values[0]))
            elif key == "pooling":
                kv = dict(v.split("=") for v in values)
                b = GlobalPooling(kv.get("mode", "avg"), kv.get("flat", "false") == "true")
            elif key == "fc":
                b = nn.Linear(tensor.shape[-1], int(values[0]))
            elif key == "activation":
                b = get_activation(values[0])
            else:
                raise ValueError(key)
            b.eval()
            with torch.no_grad():
                tensor = b(tensor)
            self.blocks.append(b)
        self.blocks.append(nn.Linear(tensor.shape[-1], num_classes))

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


CASES = {
    # The seed's default shape of model, narrow: batch_first, 5x5 / 2x2 (dilation 2) kernels, gelu,
    # swiglu on the mel axis, flat average pooling, fc + gelu.
    "a": ({"activation": "gelu", "batch_first": True, "kernel_size": [5, 5], "kernel_size_res": [2, 2]},
          ["res 4 6", "max_pool 2 2", "drop 0 0.25 4 2", "dropout 0", "res 8 8", "activation swiglu", "max_pool 2 2",
           "res 4 4", "pooling mode=avg flat=true", "fc 16", "activation gelu"]),
    # Activation before BN, odd 3x3 / 1x1 kernels, lrelu, non-flat product pooling.
    "b": ({"activation": "lrelu", "batch_first": False, "kernel_size": [3, 3], "kernel_size_res": [1, 1]},
          ["res 4 4", "max_pool 3 2", "res 6 6", "pooling mode=mul flat=false", "fc 12", "activation gelu"]),
    # Even 4x4 kernels (dilation 2), flat sum pooling, swiglu after fc.
    "c": ({"activation": "relu", "batch_first": True, "kernel_size": [4, 4], "kernel_size_res": [2, 2]},
          ["res 4 4", "max_pool 2 2", "pooling mode=sum flat=true", "fc 16", "activation swiglu"]),
    # Non-flat max pooling straight into the head.
    "d": ({"activation": "gelu", "batch_first": True, "kernel_size": [3, 3], "kernel_size_res": [2, 2]},
          ["res 3 5", "max_pool 2 1", "pooling mode=max flat=false"]),
}


def res_block_text(r):
    return (f"activation={r['activation']} batch_first={'true' if r['batch_first'] else 'false'} "
            f"kernel_size={r['kernel_size'][0]},{r['kernel_size'][1]} kernel_size_res={r['kernel_size_res'][0]},{r['kernel_size_res'][1]}")


def survey_frontend():
    import torchaudio
    sr = 30000
    t = torch.arange(sr, dtype=torch.float64) / sr
    g = torch.Generator().manual_seed(7)
    x = 0.3 * torch.sin(2 * np.pi * 440 * t) + 0.2 * torch.sin(2 * np.pi * (200 * t + 3000 * t * t)) \
        + 0.05 * torch.randn(sr, generator=g, dtype=torch.float64)
    x = x.float().double()  # what a float32 clip holds
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=930, win_length=930, hop_length=240, n_mels=128,
                                               f_min=30, f_max=15000).double()
    y = torch.log10(mel(x) + 1).T.contiguous()
    audio = os.path.join(HERE, "..", "tests", "fixtures", "audio")
    np.save(os.path.join(audio, "survey_wave.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(audio, "survey_logmel.npy"), y.numpy().astype(np.float32))
    print(f"survey front end: {tuple(y.shape)} log-mel of a synthetic second")


def main():
    survey_frontend()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(4321)
    B, T, Fm, N = 3, 24, 128, 5  # the survey front end has 128 mel bins
    for name, (res, blocks) in CASES.items():
        model = CNNModel((1, 1, 64, Fm), N, res, blocks)
        x = torch.randn(B, 1, T, Fm, generator=gen)
        labels = torch.tensor([1, 4, 0])
        randomise(model, x, gen)
        case = "blocks-" + name
        make_case(case, model, x, labels, True, {"model": "blocks", "num_classes": str(N), "mode": "train"})
        d = os.path.join(OUT, case)
        with open(os.path.join(d, "blocks.txt"), "w") as f:
            f.write("\n".join(blocks) + "\n")
        with open(os.path.join(d, "res_block.txt"), "w") as f:
            f.write(res_block_text(res) + "\n")


if __name__ == "__main__":
    main()
