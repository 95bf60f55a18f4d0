#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora, tests/fuzz/corpus/<reader>/: small real files of each
format the readers take (a few hundred bytes to a few kB each; no ESC-50 audio).

    /usr/bin/python3 tools/make_fuzz_corpus.py

Audio is written through libsndfile itself (ctypes), so WAV (PCM and float), FLAC and Ogg/Vorbis
are genuine files; .npy files through NumPy; safetensors by the format's few lines. Each audio
input starts with one "knob" byte that fuzz_audio.cpp reads as its settings. The ini corpus is a
real run's config.ini (tests/fuzz/corpus/ini/run_config.ini, from `audiograd train`) and is left
as is; the script adds a few hand-written variants.
"""
import ctypes
import json
import math
import os
import struct
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def out(reader, name, data):
    d = os.path.join(ROOT, reader)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- audio through libsndfile ------------------------------------------------------------------
SF_FORMAT_WAV, SF_FORMAT_FLAC, SF_FORMAT_OGG, SF_FORMAT_AIFF = 0x010000, 0x170000, 0x200000, 0x020000
SF_FORMAT_PCM_16, SF_FORMAT_PCM_U8, SF_FORMAT_FLOAT, SF_FORMAT_VORBIS, SF_FORMAT_ULAW = 0x0002, 0x0005, 0x0006, 0x0060, 0x0010


class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


sf = ctypes.CDLL("libsndfile.so.1")
sf.sf_open.restype = ctypes.c_void_p
sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
sf.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
sf.sf_writef_float.restype = ctypes.c_int64
sf.sf_close.argtypes = [ctypes.c_void_p]


def sndfile_bytes(samples, rate, fmt):
    """samples: (frames, channels) float32 -> the bytes of a file in `fmt`."""
    frames, channels = samples.shape
    tmp = "/tmp/make_fuzz_corpus.%d" % os.getpid()
    info = SF_INFO(0, rate, channels, fmt, 0, 0)
    h = sf.sf_open(tmp.encode(), 0x20, ctypes.byref(info))  # SFM_WRITE
    if not h:
        sys.exit("libsndfile cannot write format %#x" % fmt)
    buf = np.ascontiguousarray(samples, dtype=np.float32)
    sf.sf_writef_float(h, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), frames)
    sf.sf_close(h)
    with open(tmp, "rb") as f:
        data = f.read()
    os.remove(tmp)
    return data


def tone(frames, channels, rate, hz=440.0):
    t = np.arange(frames) / rate
    x = 0.5 * np.sin(2 * math.pi * hz * t)
    return np.stack([x * (0.5 + 0.5 * c / max(channels, 1)) for c in range(channels)], axis=1).astype(np.float32)


def audio():
    # knob byte: bit 0 panns, bit 1 keep the rate, bit 2 center, bit 3 natural length, bit 4 random crop
    out("audio", "pcm16_mono_8k.wav", bytes([0]) + sndfile_bytes(tone(2400, 1, 8000), 8000, SF_FORMAT_WAV | SF_FORMAT_PCM_16))
    out("audio", "float_stereo_16k.wav", bytes([1 | 8]) + sndfile_bytes(tone(3000, 2, 16000), 16000, SF_FORMAT_WAV | SF_FORMAT_FLOAT))
    out("audio", "u8_mono_11k.wav", bytes([2 | 8]) + sndfile_bytes(tone(1500, 1, 11025), 11025, SF_FORMAT_WAV | SF_FORMAT_PCM_U8))
    out("audio", "flac_mono_22k.flac", bytes([4]) + sndfile_bytes(tone(3000, 1, 22050), 22050, SF_FORMAT_FLAC | SF_FORMAT_PCM_16))
    out("audio", "ogg_mono_44k.ogg", bytes([16]) + sndfile_bytes(tone(4410, 1, 44100), 44100, SF_FORMAT_OGG | SF_FORMAT_VORBIS))
    out("audio", "aiff_ulaw_3ch_8k.aiff", bytes([8]) + sndfile_bytes(tone(2000, 3, 8000), 8000, SF_FORMAT_AIFF | SF_FORMAT_ULAW))
    nan = tone(2000, 1, 8000)
    nan[1000, 0] = np.nan
    out("audio", "float_with_nan.wav", bytes([0]) + sndfile_bytes(nan, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT))
    out("audio", "too_short.wav", bytes([0]) + sndfile_bytes(tone(100, 1, 44100), 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16))


# --- .npy through NumPy ------------------------------------------------------------------------
def npy_bytes(a):
    import io
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=None, allow_pickle=False)
    return b.getvalue()


def npy():
    out("npy", "f4_1d.npy", npy_bytes(np.arange(5, dtype="<f4")))
    out("npy", "f8_2d.npy", npy_bytes(np.arange(6, dtype="<f8").reshape(2, 3)))
    out("npy", "i8_0d.npy", npy_bytes(np.array(7, dtype="<i8")))
    out("npy", "f4_fortran.npy", npy_bytes(np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4))))
    out("npy", "f4_empty.npy", npy_bytes(np.zeros((0, 3), dtype="<f4")))
    b = io_v2 = bytearray(npy_bytes(np.arange(4, dtype="<f4")))
    # the same array with a version-2 header (4-byte header length)
    hlen = struct.unpack("<H", bytes(b[8:10]))[0]
    header = bytes(b[10:10 + hlen])
    v2 = b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header + bytes(b[10 + hlen:])
    out("npy", "f4_v2.npy", v2)


# --- safetensors -------------------------------------------------------------------------------
def safetensors_bytes(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        dt = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64"}[a.dtype]
        raw = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def safetensors():
    out("safetensors", "model.safetensors", safetensors_bytes(
        {"conv.weight": np.arange(24, dtype="<f4").reshape(2, 3, 2, 2), "conv.bias": np.zeros(2, dtype="<f4"),
         "bn.num_batches_tracked": np.array(3, dtype="<i8")},
        {"format": "audiograd", "audiograd.model": "erann-3-1", "audiograd.num_classes": "2", "train.epoch": "1"}))
    out("safetensors", "optim.safetensors", safetensors_bytes(
        {"state.0.exp_avg": np.ones((2, 2), dtype="<f8"), "state.0.step": np.array(5, dtype="<i8")}, {"optimizer": "adam"}))
    out("safetensors", "empty.safetensors", safetensors_bytes({}))
    out("safetensors", "zero_size.safetensors", safetensors_bytes({"x": np.zeros((0, 4), dtype="<f4")}))


# --- dataset metadata --------------------------------------------------------------------------
def esc50_csv():
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    for t in range(50):
        for k in range(2):
            rows.append("%d-%d-%s-%d.wav,%d,%d,class_%02d,%s,%d,%s" % (1 + k, 1000 + t, "AB"[k], t, 1 + (t + k) % 5, t, t,
                                                                       "True" if t % 5 == 0 else "False", 1000 + t, "AB"[k]))
    out("esc50_csv", "esc50.csv", "\n".join(rows) + "\n")
    out("esc50_csv", "quoted_crlf.csv", "filename,fold,target,category,esc10\r\n" + "".join(
        '"%d-x.wav",%d,%d,"cat, %d ""q""",%s\r\n' % (t, 1 + t % 5, t, t, "True" if t < 10 else "False") for t in range(50)))


def us8k_csv():
    rows = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    names = ["air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling", "engine_idling", "gun_shot",
             "jackhammer", "siren", "street_music"]
    for c in range(10):
        for k in range(3):
            rows.append("%d-%d-0-%d.wav,%d,0.0,4.0,%d,%d,%d,%s" % (100 + c, c, k, 100 + c, 1 + k % 2, 1 + (c + k) % 10, c, names[c]))
    out("us8k_csv", "UrbanSound8K.csv", "\n".join(rows) + "\n")


def folder():
    out("folder", "two_classes.txt", "dog/\ncat/\ndog/a.wav\ndog/b.flac\ncat/sub/c.ogg\ncat/readme.txt\nloose.wav\n")
    out("folder", "odd_names.txt", "./\n../\nx y/\nx y/1.WAV\n/abs/path.wav\nx y/../z.wav\n")


def ini():
    # The real config.ini (run_config.ini) is kept in the corpus as written by `audiograd train`.
    out("ini", "minimal.ini", "[train]\nepochs=2\nmodel=\"resnet-small\"\nlr=0.001\n")
    out("ini", "comments_and_lists.ini", "; a comment\n# another\n[train]\nfolds=\"1,2\"\nbalanced=true\naugment='gain(p=0.5) time_mask'\n"
                                         "seed=18446744073709551615\nclip-seconds=1e400\n[other]\nx=1\n")


if __name__ == "__main__":
    audio()
    npy()
    safetensors()
    esc50_csv()
    us8k_csv()
    folder()
    ini()
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(ROOT) for f in fs)
    print("corpus: %d bytes in %s" % (total, os.path.normpath(ROOT)))
