#!/usr/bin/env bash
# bench_tag.sh: `audiograd tag` on a one-hour recording: real-time factor (seconds of audio per
# second of wall time) and peak memory, with PANNs CNN14 (10 s windows every 5 s, its defaults) and
# the default ERANN-3-1 (5 s windows every 2.5 s), 2 threads, batch 8; and the same on one minute,
# to show that memory does not grow with the length.
#
#   bash bench/apps/bench_tag.sh            # from the repo root, after the release build
#   MINUTES=10 bash bench/apps/bench_tag.sh # a shorter recording
#
# Speed does not depend on the weights, so the checkpoints are made here: a randomly initialised
# full-size PANNs Cnn14 (tools/make_model_fixtures.py's twin, 527 classes) saved as PANNs does and
# run through tools/convert_panns.py, and ERANN-3-1 from one epoch of `audiograd train` on 32
# ESC-50 clips. The recording is noise with a gliding tone, 16-bit mono at 44.1 kHz (so CNN14's
# 32 kHz input is resampled on the way, as a user's file would be), written to $OUT (318 MB/hour).
set -euo pipefail
BIN=${BIN:-build/release/apps/audiograd}
OUT=${OUT:-/tmp/bench_tag}
MINUTES=${MINUTES:-60}
THREADS=${THREADS:-2}
PY=${PY:-/usr/bin/python3}
mkdir -p "$OUT"

if [ ! -f "$OUT/cnn14.safetensors" ]; then
  "$PY" - "$OUT" <<'PYEOF'
import os, sys, torch
sys.path.insert(0, "tools")
import make_model_fixtures as m
out = sys.argv[1]
torch.manual_seed(0)
model = m.PannsCnn14(527, 64)
torch.save({"model": model.state_dict()}, os.path.join(out, "Cnn14_random.pth"))
PYEOF
  "$PY" tools/convert_panns.py "$OUT/Cnn14_random.pth" "$OUT/cnn14.safetensors"
fi
if [ ! -f "$OUT/erann/fold1/model.safetensors" ]; then
  "$BIN" train --folds 1 --epochs 1 --limit 32 --threads "$THREADS" --out "$OUT/erann" > "$OUT/erann_train.log" 2>&1
fi

make_wav() {  # seconds path
  [ -f "$2" ] || "$PY" - "$1" "$2" <<'PYEOF'
import sys, wave, numpy as np
seconds, path = float(sys.argv[1]), sys.argv[2]
rate, rng = 44100, np.random.default_rng(0)
with wave.open(path, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    for start in range(0, int(seconds), 60):
        t = np.arange(int(min(60, seconds - start) * rate)) / rate
        x = 0.3 * np.sin(2 * np.pi * (300 + 200 * np.sin(0.1 * t)) * t) + 0.05 * rng.standard_normal(t.size)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
PYEOF
}
make_wav "$((MINUTES * 60))" "$OUT/long.wav"
make_wav 60 "$OUT/minute.wav"

run() {  # label checkpoint wav
  local err="$OUT/$1.err"
  /usr/bin/time -v "$BIN" tag "$3" --checkpoint "$2" --print none --threads "$THREADS" 2> "$err" > /dev/null
  local line rss
  line=$(grep '^tag: [0-9]* windows' "$err")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$err")
  echo "$1: ${line#tag: } | max RSS (time -v) ${rss} MiB"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; threads $THREADS"
run cnn14-minute "$OUT/cnn14.safetensors" "$OUT/minute.wav"
run cnn14-long "$OUT/cnn14.safetensors" "$OUT/long.wav"
run erann-minute "$OUT/erann/fold1/model.safetensors" "$OUT/minute.wav"
run erann-long "$OUT/erann/fold1/model.safetensors" "$OUT/long.wav"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
