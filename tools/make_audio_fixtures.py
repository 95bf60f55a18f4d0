#!/usr/bin/python3
"""Makes the reference fixtures for tests/audio from torchaudio (run with Debian's /usr/bin/python3).

    /usr/bin/python3 tools/make_audio_fixtures.py [--esc50 ../shared/data/esc50]

Writes tests/fixtures/audio/:
  logmel_erann_<stem>.npy   (T, 128) float32: torchaudio log-mel (erann preset) of the first second
                            of real ESC-50 clips, decoded, mixed down and resampled as our loader
                            does (libsndfile float decode, sum of channels clipped to [-1, 1], libsoxr
                            "high quality" for the 48 kHz clips). The audio itself is NOT copied
                            here: the tests decode the clip in place from ../shared/data/esc50.
  logmel_panns_<stem>.npy   (T, 64) the same with the panns preset (resampled to 32 kHz).
  clips.tsv                 which clips, their source form and the first-second RMS of the signal.
  synth_wave.npy            (L,) a synthetic test signal (sines, a chirp, noise, an impulse, silence)
  synth_logmel_*.npy        its log-mel / spectrogram / MFCC under several configurations
  fbank_*.npy               torchaudio melscale_fbanks matrices (n_freqs, n_mels), computed in float64,
                            stored as float32

Decoding and resampling go through ctypes to the same libsndfile and libsoxr our C++ code links,
so the fixtures test our front end, not a different decoder. Tests never run Python.
"""
import argparse
import csv
import ctypes
import ctypes.util
import os

import numpy as np
import torch
import torchaudio

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "audio")

PRESETS = {
    "erann": dict(sample_rate=44100, n_fft=1380, win_length=1380, hop_length=345, n_mels=128, f_min=50.0, f_max=14000.0),
    "panns": dict(sample_rate=32000, n_fft=1024, win_length=1024, hop_length=320, n_mels=64, f_min=50.0, f_max=14000.0),
}

# --- libsndfile and libsoxr through ctypes ------------------------------------------------------
class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]

sndfile = ctypes.CDLL(ctypes.util.find_library("sndfile"))
sndfile.sf_open.restype = ctypes.c_void_p
sndfile.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
sndfile.sf_readf_float.restype = ctypes.c_int64
sndfile.sf_readf_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
sndfile.sf_close.argtypes = [ctypes.c_void_p]


def decode(path):
    """-> (frames, channels) float32, sample rate; libsndfile's float decode."""
    info = SF_INFO()
    handle = sndfile.sf_open(path.encode(), 0x10, ctypes.byref(info))  # SFM_READ
    if not handle:
        raise IOError(f"cannot open {path}")
    buf = np.zeros((info.frames, info.channels), dtype=np.float32)
    got = sndfile.sf_readf_float(handle, buf.ctypes.data, info.frames)
    sndfile.sf_close(handle)
    return buf[:got], info.samplerate


class SoxrQualitySpec(ctypes.Structure):
    _fields_ = [("precision", ctypes.c_double), ("phase_response", ctypes.c_double),
                ("passband_end", ctypes.c_double), ("stopband_begin", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


class SoxrIoSpec(ctypes.Structure):
    _fields_ = [("itype", ctypes.c_int), ("otype", ctypes.c_int), ("scale", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]

soxr = ctypes.CDLL(ctypes.util.find_library("soxr"))
soxr.soxr_quality_spec.restype = SoxrQualitySpec
soxr.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
soxr.soxr_io_spec.restype = SoxrIoSpec
soxr.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
soxr.soxr_oneshot.restype = ctypes.c_char_p
soxr.soxr_oneshot.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.c_void_p, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(SoxrIoSpec),
                              ctypes.POINTER(SoxrQualitySpec), ctypes.c_void_p]
SOXR_HQ = 4  # SOXR_20_BITQ
SOXR_FLOAT32_I = 0


def resample(x, rate_in, rate_out):
    """(L,) float32 -> (round(L * out / in),) with libsoxr HQ, as audio/resample.cpp does."""
    if rate_in == rate_out:
        return x
    x = np.ascontiguousarray(x, dtype=np.float32)
    n_out = int(np.floor(len(x) * rate_out / rate_in + 0.5))
    out = np.zeros(n_out, dtype=np.float32)
    idone, odone = ctypes.c_size_t(0), ctypes.c_size_t(0)
    io = soxr.soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
    q = soxr.soxr_quality_spec(SOXR_HQ, 0)
    err = soxr.soxr_oneshot(float(rate_in), float(rate_out), 1, x.ctypes.data, len(x), ctypes.byref(idone),
                            out.ctypes.data, n_out, ctypes.byref(odone), ctypes.byref(io), ctypes.byref(q), None)
    if err:
        raise RuntimeError(err)
    return out


def load_mono(path, rate):
    """Our loader's pipeline: decode, sum channels clipped to [-1, 1], resample, clip to [-1, 1]
    (Vorbis decoding and resampling can both overshoot 1; a 16-bit WAV would clip there)."""
    audio, sr = decode(path)
    mono = audio[:, 0] if audio.shape[1] == 1 else np.clip(audio.sum(axis=1), -1.0, 1.0).astype(np.float32)
    return np.clip(resample(mono, sr, rate), -1.0, 1.0)


# --- torchaudio references ----------------------------------------------------------------------
def logmel(wave, preset, **overrides):
    cfg = dict(PRESETS[preset])
    cfg.update(overrides)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=cfg["sample_rate"], n_fft=cfg["n_fft"], win_length=cfg["win_length"],
        hop_length=cfg["hop_length"], f_min=cfg["f_min"], f_max=cfg["f_max"], n_mels=cfg["n_mels"],
        power=cfg.get("power", 2.0), center=True, pad_mode=cfg.get("pad_mode", "reflect"),
        norm=cfg.get("norm", "slaney"), mel_scale=cfg.get("mel_scale", "slaney"),
        window_fn=cfg.get("window_fn", torch.hann_window))
    stype = "power" if cfg.get("power", 2.0) == 2.0 else "magnitude"
    db = torchaudio.transforms.AmplitudeToDB(stype=stype, top_db=cfg.get("top_db", None))
    # Computed in float64: torchaudio's own float32 result is only ~1e-3 dB accurate where a frame
    # spans 60+ dB (float32 FFT rounding), too coarse to check 1e-3 dB against. The float64 result
    # is exact to ~1e-9 dB; stored as float32 (< 1e-5 dB rounding at these magnitudes).
    out = db(mel(torch.from_numpy(wave.astype(np.float64))))  # (F, T)
    return out.T.contiguous().numpy().astype(np.float32)  # (T, F)


def save(name, array):
    np.save(os.path.join(OUT, name), array)


def pick_clips(esc50):
    rows = list(csv.DictReader(open(os.path.join(esc50, "clips.tsv")), delimiter="\t"))
    def first(cond, n):
        seen, out = set(), []
        for r in rows:
            if cond(r) and r["category"] not in seen:
                seen.add(r["category"])
                out.append(r)
            if len(out) == n:
                break
        return out
    mono = first(lambda r: r["ogg_rate"] == "44100" and r["ogg_channels"] == "1", 5)
    stereo = first(lambda r: r["ogg_rate"] == "44100" and r["ogg_channels"] == "2", 3)
    r48_mono = [r for r in rows if r["ogg_rate"] == "48000" and r["ogg_channels"] == "1"][:1]
    r48_stereo = [r for r in rows if r["ogg_rate"] == "48000" and r["ogg_channels"] == "2"][:2]
    return mono + stereo + r48_mono + r48_stereo


def loudest_second(x, rate):
    """Start (in seconds, a multiple of 0.5) of the 1 s window with the most energy (ESC-50 clips
    are often silent at the start, which would test nothing but the amin floor)."""
    starts = np.arange(0.0, len(x) / rate - 1.0 + 1e-9, 0.5)
    energy = [np.sum(x[int(s * rate):int(s * rate) + rate].astype(np.float64) ** 2) for s in starts]
    return float(starts[int(np.argmax(energy))])


def synthetic_wave(rate=44100, seconds=0.75):
    t = np.arange(int(rate * seconds)) / rate
    rng = np.random.default_rng(1234)
    x = 0.3 * np.sin(2 * np.pi * 440.0 * t) + 0.1 * np.sin(2 * np.pi * 3000.0 * t)
    x += 0.2 * np.sin(2 * np.pi * (100.0 * t + 0.5 * 8000.0 * t ** 2))  # chirp 100 Hz -> 8.1 kHz
    x += 0.01 * rng.standard_normal(len(t))
    x[int(0.5 * rate):int(0.6 * rate)] = 0.0  # a silent gap (exercises the amin floor)
    x[int(0.3 * rate)] += 0.9                 # an impulse
    return x.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esc50", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                                                     "data", "esc50"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)  # windows and filterbanks in float64 too

    # Real clips: first second, erann preset (all clips) and panns preset (first four).
    lines = ["stem\tform\tstart_s\trms_1s\n"]
    for i, r in enumerate(pick_clips(args.esc50)):
        stem = r["filename"][:-4]
        path = os.path.join(args.esc50, "audio", stem + ".ogg")
        full = load_mono(path, 44100)
        start_s = loudest_second(full, 44100)
        wave = full[int(start_s * 44100):int(start_s * 44100) + 44100]
        save(f"logmel_erann_{stem}.npy", logmel(wave, "erann"))
        form = f"{r['ogg_rate']}Hz_{r['ogg_channels']}ch"
        lines.append(f"{stem}\t{form}\t{start_s}\t{np.sqrt(np.mean(wave.astype(np.float64) ** 2)):.9g}\n")
        if i < 4 or r["ogg_rate"] == "48000":
            wave32 = load_mono(path, 32000)[int(start_s * 32000):int(start_s * 32000) + 32000]
            save(f"logmel_panns_{stem}.npy", logmel(wave32, "panns"))
    with open(os.path.join(OUT, "clips.tsv"), "w") as f:
        f.writelines(lines)

    # Synthetic signal under several configurations.
    x = synthetic_wave()
    save("synth_wave.npy", x)
    save("synth_logmel_erann.npy", logmel(x, "erann"))
    save("synth_logmel_htk_nonorm.npy", logmel(x, "erann", mel_scale="htk", norm=None, n_mels=40, n_fft=1024,
                                                win_length=800, hop_length=256))
    save("synth_logmel_hamming_constant_mag_topdb.npy",
         logmel(x, "erann", window_fn=torch.hamming_window, pad_mode="constant", power=1.0, top_db=60.0))
    spec = torchaudio.transforms.Spectrogram(n_fft=512, win_length=400, hop_length=160, power=2.0)(
        torch.from_numpy(x.astype(np.float64)))
    save("synth_spec_512_400_160.npy", spec.T.contiguous().numpy().astype(np.float32))  # (T, 257)
    mfcc = torchaudio.transforms.MFCC(sample_rate=44100, n_mfcc=40, melkwargs=dict(
        n_fft=1380, win_length=1380, hop_length=345, n_mels=128, f_min=50.0, f_max=14000.0, norm="slaney",
        mel_scale="slaney"))(torch.from_numpy(x.astype(np.float64)))
    save("synth_mfcc_erann_40.npy", mfcc.T.contiguous().numpy().astype(np.float32))  # (T, 40), top_db 80 (MFCC's default)

    # Filterbanks, computed in float64 (torchaudio computes in the default dtype, set above).
    fb = torchaudio.functional.melscale_fbanks
    # Stored as float32 (rounding < 1e-7, well inside the 1e-6 the tests ask for) to keep them small.
    f32 = lambda t: t.numpy().astype(np.float32)
    save("fbank_erann.npy", f32(fb(691, 50.0, 14000.0, 128, 44100, "slaney", "slaney")))
    save("fbank_panns.npy", f32(fb(513, 50.0, 14000.0, 64, 32000, "slaney", "slaney")))
    save("fbank_htk_none_16k.npy", f32(fb(257, 0.0, 8000.0, 40, 16000, None, "htk")))
    save("fbank_htk_slaney_22k.npy", f32(fb(257, 20.0, 11025.0, 40, 22050, "slaney", "htk")))


if __name__ == "__main__":
    main()
