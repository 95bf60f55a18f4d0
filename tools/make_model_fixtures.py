#!/usr/bin/python3
"""PyTorch definitions of audiograd's models, and the conformance fixtures made from them.

    /usr/bin/python3 tools/make_model_fixtures.py [--esc50 ../shared/data/esc50]

The classes below mirror apps/models/ layer for layer, with the same state-dict names (PANNs' own
names for CNN14), so a state dict moves between the two frameworks 1:1. `bench/apps/compare_train.py`
imports them at full width for the throughput comparison; `tools/convert_panns.py` converts PANNs'
released checkpoint, whose architecture `PannsCnn14` reproduces here (front-end buffers included).

Writes tests/fixtures/models/<case>/ (read by tests/apps/test_conformance.cpp):
  weights.safetensors   the model's state dict, float32 (randomised BN running stats, BN affine and
                        linear biases, so that eval mode and every parameter matter)
  input.npy             (B, 1, T, F) float32 log-mels of real ESC-50 clips: torchaudio, spec §1 preset
                        of the model, the loudest second of each clip, cropped to T frames
  labels.npy            (B,) int64 fixed labels for the cross-entropy
  logits.npy            (B, N) float32
  grads.safetensors     d mean-cross-entropy / d parameter for every parameter, under the parameter's
                        name (one file instead of a .npy per parameter: ERANN has ~130)
  buffers_after.safetensors  (train-mode cases) BN running statistics after the forward pass
The references are computed in float64 from the float32 weights, so they are exact to ~1e-12;
the test then measures our float32 against them. PyTorch's own float32 error on the same case is
printed for comparison.

Cases (reduced width via ModelOptions::base_channels, so the fixtures stay small):
  erann-3-1 (base 3: channels 3..48)  train mode (BN batch statistics; ERANN has no dropout); all
                                      stride-4 stages (6x3 / 5x3 kernels) and the stride-2 stage 4
  cnn14 (base 3: channels 3..96)      eval mode: CNN14 has dropout, whose masks cannot match
  resnet-small (base 8)               eval mode (dropout before fc)
  wavegram-logmel-cnn14 (base 3)      eval mode; input (2, 16000) waveforms at 32 kHz; the PyTorch twin
                                      computes its log-mel with torchaudio in float64, ours with our
                                      front end (within ~4e-4 dB), so this case also tests that
  cnn14-sed (base 3)                  Cnn14_DecisionLevelMax, eval mode, 100 frames; also framewise.npy,
                                      PANNs' frame-wise output (B, 100, N)
  panns-cnn14-converted (base 2)      a randomly initialised PANNs Cnn14 saved as {"model": sd} with
                                      torch.save, run through tools/convert_panns.py: weights are the
                                      converter's output, logits PyTorch's (eval mode)
  panns-cnn14-sed-converted           the same file converted with --model cnn14-sed (weights only)
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "models")


# =================================================================================================
# The models (x is (B, 1, T, F) log-mel throughout; F = mel bins act as BN channels in bn0)
# =================================================================================================
def bn0_over_mels(bn0, x):
    """(B, 1, T, F) -> BatchNorm over F -> (B, 1, T, F), as PANNs' transpose(1, 3) -> bn0 -> back."""
    return bn0(x.transpose(1, 3)).transpose(1, 3)


# --- ERANN (Verbitskiy et al. 2022; docs/11_erann.md, apps/models/erann.cpp) ----------------------
def _k1(z): return 6 if z == 4 else 3
def _k2(z): return 5 if z == 4 else 3
def _p2(z): return 2 if z == 4 else 1


class ResidualBlock(nn.Module):
    """ARB(x, y, c): x = frequency stride, y = time stride; pre-activation, shortcut on the raw input."""

    def __init__(self, c_in, c, x, y):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c, (_k1(y), _k1(x)), stride=(y, x), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, (_k2(y), _k2(x)), padding=(_p2(y), _p2(x)), bias=False)
        self.shortcut = nn.Conv2d(c_in, c, 1, stride=(y, x), bias=False) if (c_in != c or x != 1 or y != 1) else None

    def forward(self, x):  # (B, C_in, T, F) -> (B, C, T / y, F / x)
        h = self.conv1(F.leaky_relu(self.bn1(x), 0.01))
        h = self.conv2(F.leaky_relu(self.bn2(h), 0.01))
        return h + (self.shortcut(x) if self.shortcut is not None else x)


class Erann(nn.Module):
    def __init__(self, s_m, width, num_classes, base_channels=0, mels=128):
        super().__init__()
        c0 = base_channels or 8 * width
        self.bn0 = nn.BatchNorm2d(mels)
        c_in = 1
        for stage in range(5):
            c = c0 << stage
            x = 1 if stage == 0 else 2
            y = 1 if stage == 0 else (2 if stage == 4 else (4 if stage <= s_m else 2))
            blocks = [ResidualBlock(c_in, c, x, y)] + [ResidualBlock(c, c, 1, 1) for _ in range(3)]
            setattr(self, f"stage{stage}", nn.Sequential(*blocks))  # names stage<i>.<j>.*
            c_in = c
        self.fc1 = nn.Linear(16 * c0, 16 * c0)
        self.fc2 = nn.Linear(16 * c0, num_classes)
        self.stages = [getattr(self, f"stage{i}") for i in range(5)]

    def forward(self, x):
        h = bn0_over_mels(self.bn0, x)
        for s in self.stages:
            h = s(h)                                   # (B, 128W, T4, 8)
        pooled = h.mean(dim=(2, 3)) + h.amax(dim=(2, 3))  # (B, 128W) average + max, summed
        return self.fc2(F.leaky_relu(self.fc1(pooled), 0.01))


# --- CNN14 (Kong et al. 2020, PANNs' models.py; docs/12_cnn14.md, apps/models/cnn14.cpp) ---------
class ConvBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.bn2 = nn.BatchNorm2d(c_out)

    def forward(self, x, pool=(2, 2)):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, kernel_size=pool)


class Cnn14(nn.Module):
    """PANNs' Cnn14 from the log-mel on (its forward without the spectrogram/log-mel extractors)."""

    def __init__(self, num_classes=527, base_channels=64):
        super().__init__()
        c = base_channels
        self.bn0 = nn.BatchNorm2d(64)
        self.conv_block1 = ConvBlock(1, c)
        self.conv_block2 = ConvBlock(c, 2 * c)
        self.conv_block3 = ConvBlock(2 * c, 4 * c)
        self.conv_block4 = ConvBlock(4 * c, 8 * c)
        self.conv_block5 = ConvBlock(8 * c, 16 * c)
        self.conv_block6 = ConvBlock(16 * c, 32 * c)
        self.fc1 = nn.Linear(32 * c, 32 * c, bias=True)
        self.fc_audioset = nn.Linear(32 * c, num_classes, bias=True)

    def forward(self, x):  # (B, 1, T, 64) log-mel -> (B, N) logits (PANNs applies sigmoid after)
        x = bn0_over_mels(self.bn0, x)
        blocks = [self.conv_block1, self.conv_block2, self.conv_block3, self.conv_block4, self.conv_block5]
        for b in blocks:
            x = F.dropout(b(x, (2, 2)), p=0.2, training=self.training)
        x = F.dropout(self.conv_block6(x, (1, 1)), p=0.2, training=self.training)
        x = torch.mean(x, dim=3)                          # (B, C, T')
        x = torch.max(x, dim=2)[0] + torch.mean(x, dim=2)  # (B, C)
        x = F.dropout(x, p=0.5, training=self.training)
        x = F.relu(self.fc1(x))
        return self.fc_audioset(x)                        # reads h, not the dropped-out embedding


class Cnn14DecisionLevelMax(Cnn14):
    """PANNs' Cnn14_DecisionLevelMax (models.py) from the log-mel on: CNN14's trunk, the head per time
    segment. forward gives the clip logits, max over segments (PANNs' clipwise_output is their
    sigmoid); framewise() gives PANNs' framewise_output (sigmoid, nearest x32, last frame padded)."""

    def segment_logits(self, x):
        frames = x.shape[2]
        x = bn0_over_mels(self.bn0, x)
        blocks = [self.conv_block1, self.conv_block2, self.conv_block3, self.conv_block4, self.conv_block5]
        for b in blocks:
            x = F.dropout(b(x, (2, 2)), p=0.2, training=self.training)
        x = F.dropout(self.conv_block6(x, (1, 1)), p=0.2, training=self.training)
        x = torch.mean(x, dim=3)
        x1 = F.max_pool1d(x, kernel_size=3, stride=1, padding=1)
        x2 = F.avg_pool1d(x, kernel_size=3, stride=1, padding=1)
        x = F.dropout(x1 + x2, p=0.5, training=self.training)
        x = x.transpose(1, 2)
        x = F.relu_(self.fc1(x))
        x = F.dropout(x, p=0.5, training=self.training)
        return self.fc_audioset(x), frames                 # (B, T', N)

    def forward(self, x):
        seg, _ = self.segment_logits(x)
        return torch.max(seg, dim=1)[0]

    def framewise(self, x):
        seg, frames = self.segment_logits(x)
        out = torch.sigmoid(seg)
        b, t, n = out.shape
        out = out[:, :, None, :].repeat(1, 1, 32, 1).reshape(b, t * 32, n)   # PANNs' interpolate(x, 32)
        pad = out[:, -1:, :].repeat(1, frames - t * 32, 1)                   # pad_framewise_output
        return torch.cat((out, pad), dim=1)


# PANNs' front end as the released checkpoint stores it (torchlibrosa): an STFT as two Conv1d
# (real and imaginary DFT rows times a periodic Hann window) and the librosa Slaney mel matrix.
class _Stft(nn.Module):
    def __init__(self, n_fft=1024):
        super().__init__()
        bins = n_fft // 2 + 1
        self.conv_real = nn.Conv1d(1, bins, n_fft, stride=320, bias=False)
        self.conv_imag = nn.Conv1d(1, bins, n_fft, stride=320, bias=False)
        n = np.arange(n_fft)
        k = np.arange(bins)[:, None]
        window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)  # periodic Hann (librosa fftbins=True)
        with torch.no_grad():  # W = exp(-2 pi i k n / N): real part cos, imaginary part -sin
            self.conv_real.weight.copy_(torch.from_numpy(np.cos(2 * np.pi * k * n / n_fft) * window)[:, None, :])
            self.conv_imag.weight.copy_(torch.from_numpy(-np.sin(2 * np.pi * k * n / n_fft) * window)[:, None, :])


class _Spectrogram(nn.Module):
    def __init__(self):
        super().__init__()
        self.stft = _Stft()


class _LogmelFilterBank(nn.Module):
    def __init__(self):
        super().__init__()
        import torchaudio
        mel = torchaudio.functional.melscale_fbanks(513, 50.0, 14000.0, 64, 32000, norm="slaney", mel_scale="slaney")
        self.melW = nn.Parameter(mel.float(), requires_grad=False)  # (513, 64)


class PannsCnn14(Cnn14):
    """The released checkpoint's architecture: Cnn14 plus the frozen front-end parameters, so its
    state dict has `spectrogram_extractor.stft.conv_{real,imag}.weight` and `logmel_extractor.melW`."""

    def __init__(self, num_classes=527, base_channels=64):
        super().__init__(num_classes, base_channels)
        self.spectrogram_extractor = _Spectrogram()
        self.logmel_extractor = _LogmelFilterBank()
        for p in list(self.spectrogram_extractor.parameters()) + list(self.logmel_extractor.parameters()):
            p.requires_grad = False


# --- Wavegram-Logmel-CNN14 (Kong et al. 2020, PANNs' Wavegram_Logmel_Cnn14; docs/12_cnn14.md) -----
class ConvPreWavBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = nn.Conv1d(c_in, c_out, 3, padding=1, bias=False)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, padding=2, dilation=2, bias=False)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.bn2 = nn.BatchNorm1d(c_out)

    def forward(self, x):  # (B, C_in, L) -> (B, C_out, L / 4)
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool1d(x, kernel_size=4)


def panns_logmel(wave):
    """(B, L) 32 kHz -> (B, 1, T, 64): the `panns` preset by torchaudio, in float64 (exact to ~1e-9 dB;
    our float32 front end is within ~4e-4 dB of it, docs/05), returned in wave's dtype."""
    import torchaudio
    mel = torchaudio.transforms.MelSpectrogram(32000, n_fft=1024, win_length=1024, hop_length=320, f_min=50.0,
                                               f_max=14000.0, n_mels=64, power=2.0, center=True, pad_mode="reflect",
                                               norm="slaney", mel_scale="slaney", window_fn=torch.hann_window,
                                               wkwargs={"dtype": torch.float64}).double()
    db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=None)
    with torch.no_grad():
        out = db(mel(wave.detach().double()))  # (B, 64, T)
    return out.transpose(1, 2)[:, None].to(wave.dtype)


class WavegramLogmelCnn14(Cnn14):
    """Waveform (B, L) at 32 kHz in; the log-mel branch computes its input without gradient."""

    def __init__(self, num_classes=527, base_channels=64):
        super().__init__(num_classes, base_channels)
        c = base_channels
        self.pre_conv0 = nn.Conv1d(1, 64, 11, stride=5, padding=5, bias=False)
        self.pre_bn0 = nn.BatchNorm1d(64)
        self.pre_block1 = ConvPreWavBlock(64, 64)
        self.pre_block2 = ConvPreWavBlock(64, 128)
        self.pre_block3 = ConvPreWavBlock(128, 128)
        self.pre_block4 = ConvBlock(4, c)
        self.conv_block2 = ConvBlock(2 * c, 2 * c)  # reads log-mel (c) + wavegram (c) channels

    def forward(self, wave):
        a = F.relu(self.pre_bn0(self.pre_conv0(wave[:, None, :])))  # (B, 64, L / 5)
        a = self.pre_block3(self.pre_block2(self.pre_block1(a)))    # (B, 128, T')
        a = a.reshape(a.shape[0], -1, 32, a.shape[-1]).transpose(2, 3)  # (B, 4, T', 32)
        a = self.pre_block4(a, (2, 1))                               # (B, c, T' / 2, 32)
        x = bn0_over_mels(self.bn0, panns_logmel(wave))              # (B, 1, T, 64)
        x = self.conv_block1(x, (2, 2))                              # (B, c, T / 2, 32)
        n = min(x.shape[2], a.shape[2])                              # as ours: crop to the shorter
        x = F.dropout(torch.cat((x[:, :, :n], a[:, :, :n]), dim=1), p=0.2, training=self.training)
        for b in [self.conv_block2, self.conv_block3, self.conv_block4, self.conv_block5]:
            x = F.dropout(b(x, (2, 2)), p=0.2, training=self.training)
        x = F.dropout(self.conv_block6(x, (1, 1)), p=0.2, training=self.training)
        x = torch.mean(x, dim=3)
        x = torch.max(x, dim=2)[0] + torch.mean(x, dim=2)
        x = F.dropout(x, p=0.5, training=self.training)
        return self.fc_audioset(F.relu(self.fc1(x)))


# --- resnet-small (apps/models/resnet_small.cpp), ReLU ------------------------------------------
class BasicBlock(nn.Module):
    def __init__(self, c_in, c, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.down = c_in != c or stride != 1
        if self.down:
            self.down_conv = nn.Conv2d(c_in, c, 1, stride=stride, bias=False)
            self.down_bn = nn.BatchNorm2d(c)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.down_bn(self.down_conv(x)) if self.down else x))


class ResNetSmall(nn.Module):
    def __init__(self, num_classes, base_channels=32, mels=128):
        super().__init__()
        c = base_channels
        self.bn0 = nn.BatchNorm2d(mels)
        self.stem = nn.Sequential(OrderedDict(conv=nn.Conv2d(1, c, 3, padding=1, bias=False),
                                               bn=nn.BatchNorm2d(c), act=nn.ReLU()))
        self.layer1 = BasicBlock(c, c, 1)
        self.layer2 = BasicBlock(c, 2 * c, 2)
        self.layer3 = BasicBlock(2 * c, 4 * c, 2)
        self.layer4 = BasicBlock(4 * c, 8 * c, 2)
        self.fc = nn.Linear(8 * c, num_classes)

    def forward(self, x):
        h = self.stem(bn0_over_mels(self.bn0, x))
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            h = layer(h)
        h = h.mean(dim=(2, 3)) + h.amax(dim=(2, 3))  # (B, 8c)
        return self.fc(F.dropout(h, p=0.2, training=self.training))


def build(name, num_classes, base_channels=0):
    """The PyTorch twin of apps/models' build_model(name, options)."""
    if name.startswith("erann-"):
        _, s_m, w = name.split("-")
        return Erann(int(s_m), int(w), num_classes, base_channels)
    if name == "cnn14":
        return Cnn14(num_classes, base_channels or 64)
    if name == "cnn14-sed":
        return Cnn14DecisionLevelMax(num_classes, base_channels or 64)
    if name == "wavegram-logmel-cnn14":
        return WavegramLogmelCnn14(num_classes, base_channels or 64)
    if name == "resnet-small":
        return ResNetSmall(num_classes, base_channels or 32)
    raise ValueError(f"unknown model {name}")


def init_panns(model, gen):
    """PANNs' initialisation (apps/models/model.cpp init_panns): Xavier-uniform weights, zero biases."""
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)) and m.weight.requires_grad:
            fan_in = m.weight[0].numel()                                                # C_in * K
            fan_out = m.weight.shape[0] * (m.weight[0].numel() // m.weight.shape[1])  # C_out * K
            bound = float(np.sqrt(6.0 / (fan_in + fan_out)))
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=gen)
                if m.bias is not None:
                    m.bias.zero_()


# =================================================================================================
# Fixtures
# =================================================================================================
def write_safetensors(path, tensors, metadata=None):
    """safetensors by hand (nn/checkpoint.hpp describes the format; Debian has no package for it)."""
    codes = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for k, v in tensors.items():
        raw = np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes()  # (keeps v's 0-d shape)
        header[k] = {"dtype": codes[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # the format pads the header to 8 bytes with spaces
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for k, e in header.items():
        b, end = e["data_offsets"]
        out[k] = np.frombuffer(data[8 + n + b:8 + n + end], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
    return out, meta


def clip_logmels(esc50, preset, frames, count):
    """(count, 1, frames, F) float32: log-mels of the loudest second of the first `count` clips of
    make_audio_fixtures' selection (real ESC-50 audio, decoded and resampled as our loader does)."""
    sys.path.insert(0, HERE)
    import make_audio_fixtures as maf
    rate = maf.PRESETS[preset]["sample_rate"]
    rows = maf.pick_clips(esc50)[:count]
    out = []
    for r in rows:
        x = maf.load_mono(os.path.join(esc50, "audio", r["filename"][:-4] + ".ogg"), rate)
        start = maf.loudest_second(x, rate)
        x = x[int(start * rate):int(start * rate) + rate]  # 1 s: 128 erann frames, 101 panns frames
        torch.set_default_dtype(torch.float64)  # torchaudio's window and filterbank in float64, as there
        m = maf.logmel(x, preset)[:frames]  # (frames, F)
        torch.set_default_dtype(torch.float32)
        assert m.shape[0] == frames, f"{r['filename']}: only {m.shape[0]} frames"
        out.append(m)
    return np.stack(out)[:, None].astype(np.float32), [r["filename"] for r in rows]


def bn_modules(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def randomise(model, x, gen):
    """Make every parameter and buffer matter: BN running stats calibrated on the input (so eval mode
    keeps activations in range) then perturbed; BN gamma, beta and linear biases random."""
    model.train()
    for bn in bn_modules(model):
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average: the running stats become the batch statistics
    with torch.no_grad():
        model(x)
    for bn in bn_modules(model):
        bn.momentum = 0.1
        c = bn.num_features
        with torch.no_grad():
            sd = bn.running_var.sqrt()
            bn.running_mean += 0.2 * sd * torch.randn(c, generator=gen, dtype=sd.dtype)
            bn.running_var *= torch.empty(c, dtype=sd.dtype).uniform_(0.7, 1.4, generator=gen)
            bn.weight.uniform_(0.6, 1.4, generator=gen)
            bn.bias.normal_(0.0, 0.2, generator=gen)
            bn.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=gen)))
    for m in model.modules():
        if isinstance(m, nn.Linear) and m.bias is not None:
            with torch.no_grad():
                m.bias.normal_(0.0, 0.1, generator=gen)


def to_numpy_state(model, skip=()):
    return {k: v.detach().numpy().astype(np.float32) if v.is_floating_point() else v.detach().numpy().astype(np.int64)
            for k, v in model.state_dict().items() if not any(k.startswith(s) for s in skip)}


def forward_backward(model, x, labels, train, dtype):
    """logits, {name: grad}, {buffer: value after}; model weights are cast to dtype first."""
    import copy
    m = copy.deepcopy(model).to(dtype)
    m.train(train)
    m.zero_grad()
    logits = m(x.to(dtype))
    F.cross_entropy(logits, labels).backward()
    grads = {k: p.grad.detach().clone() for k, p in m.named_parameters() if p.requires_grad}
    buffers = {k: v.detach().clone() for k, v in m.named_buffers()}
    return logits.detach(), grads, buffers


def rel_err(a, b):
    """max |a - b| / max |b|: the error relative to the tensor's scale."""
    return float((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30))


def make_case(case, model, x, labels, train, meta, skip_state=()):
    """Writes the fixture for one model and prints PyTorch's own float32-vs-float64 error."""
    d = os.path.join(OUT, case)
    os.makedirs(d, exist_ok=True)
    # The model is float32: the float64 reference is cast from exactly the weights that go into
    # weights.safetensors, so it differs from our float32 result only by our rounding.
    logits64, grads64, buffers64 = forward_backward(model, x, labels, train, torch.float64)
    logits32, grads32, _ = forward_backward(model, x, labels, train, torch.float32)
    write_safetensors(os.path.join(d, "weights.safetensors"), to_numpy_state(model, skip_state), meta)
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(d, "labels.npy"), labels.numpy().astype(np.int64))
    np.save(os.path.join(d, "logits.npy"), logits64.numpy().astype(np.float32))
    write_safetensors(os.path.join(d, "grads.safetensors"), {k: g.numpy().astype(np.float32) for k, g in grads64.items()})
    if train:
        write_safetensors(os.path.join(d, "buffers_after.safetensors"),
                          {k: v.numpy().astype(np.float32) for k, v in buffers64.items() if "running" in k})
    worst = max(rel_err(grads32[k], grads64[k]) for k in grads64)
    print(f"{case}: {sum(p.numel() for p in model.parameters() if p.requires_grad)} parameters, input "
          f"{tuple(x.shape)}, {'train' if train else 'eval'} mode; PyTorch float32 vs float64: logits "
          f"{rel_err(logits32, logits64):.2e}, worst gradient {worst:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--esc50", default=os.path.join(HERE, "..", "..", "shared", "data", "esc50"))
    args = ap.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    B = 4

    # --- ERANN-3-1 at base 3, train mode: 128 frames (a multiple of 4^3) of the erann log-mel ---
    x, files = clip_logmels(args.esc50, "erann", 128, B)
    print("clips:", ", ".join(files))
    labels = torch.tensor([3, 0, 7, 3])
    model = build("erann-3-1", 10, base_channels=3)
    init_panns(model, gen)
    randomise(model, torch.from_numpy(x), gen)
    make_case("erann-3-1", model, torch.from_numpy(x), labels, True,
              {"model": "erann-3-1", "base_channels": "3", "num_classes": "10", "mode": "train"})

    # --- resnet-small at base 8, eval mode (dropout before fc) ---
    model = build("resnet-small", 10, base_channels=8)
    init_panns(model, gen)
    randomise(model, torch.from_numpy(x), gen)
    make_case("resnet-small", model, torch.from_numpy(x), labels, False,
              {"model": "resnet-small", "base_channels": "8", "num_classes": "10", "mode": "eval"})

    # --- CNN14 at base 3, eval mode (dropout): 96 frames of the panns log-mel ---
    xp, _ = clip_logmels(args.esc50, "panns", 96, B)
    model = build("cnn14", 10, base_channels=3)
    init_panns(model, gen)
    randomise(model, torch.from_numpy(xp), gen)
    make_case("cnn14", model, torch.from_numpy(xp), labels, False,
              {"model": "cnn14", "base_channels": "3", "num_classes": "10", "mode": "eval"})

    # --- the PANNs converter on a randomly initialised PANNs Cnn14 (527 classes, base 2) ---
    model = PannsCnn14(527, base_channels=2)
    init_panns(model, gen)
    randomise(model, torch.from_numpy(xp), gen)
    with tempfile.TemporaryDirectory() as tmp:
        pth = os.path.join(tmp, "Cnn14_random.pth")
        torch.save({"model": model.state_dict()}, pth)
        d = os.path.join(OUT, "panns-cnn14-converted")
        os.makedirs(d, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "convert_panns.py"), pth, os.path.join(d, "weights.safetensors")],
                       check=True)
        # The same weights as PANNs' frame-wise model (Cnn14_DecisionLevelMax has CNN14's tensors):
        # what `audiograd tag` tests its frame-wise path with.
        ds = os.path.join(OUT, "panns-cnn14-sed-converted")
        os.makedirs(ds, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "convert_panns.py"), pth, os.path.join(ds, "weights.safetensors"),
                        "--model", "cnn14-sed"], check=True)
    model.eval()
    with torch.no_grad():
        logits = model.double()(torch.from_numpy(xp).double())
    np.save(os.path.join(d, "input.npy"), xp)
    np.save(os.path.join(d, "logits.npy"), logits.numpy().astype(np.float32))
    print(f"panns-cnn14-converted: logits {tuple(logits.shape)} from the PyTorch model, eval mode")

    # --- Wavegram-Logmel-CNN14 at base 3, eval mode: 0.5 s waveforms at 32 kHz (log-mel inside) ---
    sys.path.insert(0, HERE)
    import make_audio_fixtures as maf
    waves = []
    for f in files[:2]:
        w = maf.load_mono(os.path.join(args.esc50, "audio", f[:-4] + ".ogg"), 32000)
        start = int(maf.loudest_second(w, 32000) * 32000)
        waves.append(w[start:start + 16000])
    xw = torch.from_numpy(np.stack(waves).astype(np.float32))  # (2, 16000)
    model = build("wavegram-logmel-cnn14", 10, base_channels=3)
    init_panns(model, gen)
    randomise(model, xw, gen)
    make_case("wavegram-logmel-cnn14", model, xw, labels[:2], False,
              {"model": "wavegram-logmel-cnn14", "base_channels": "3", "num_classes": "10", "mode": "eval"})

    # --- Cnn14_DecisionLevelMax at base 3, eval mode: 100 frames (3 segments, 4 padded frames) ---
    # (Last, so that the cases above keep their random draws.)
    xs, _ = clip_logmels(args.esc50, "panns", 100, B)
    model = build("cnn14-sed", 10, base_channels=3)
    init_panns(model, gen)
    randomise(model, torch.from_numpy(xs), gen)
    make_case("cnn14-sed", model, torch.from_numpy(xs), labels, False,
              {"model": "cnn14-sed", "base_channels": "3", "num_classes": "10", "mode": "eval"})
    model.eval()
    with torch.no_grad():
        fw = model.double().framewise(torch.from_numpy(xs).double())
    np.save(os.path.join(OUT, "cnn14-sed", "framewise.npy"), fw.numpy().astype(np.float32))
    print(f"cnn14-sed: framewise {tuple(fw.shape)} (PANNs' framewise_output, eval mode)")


if __name__ == "__main__":
    main()
