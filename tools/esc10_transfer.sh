#!/usr/bin/env bash
# The ESC-10 transfer experiment: does pretraining on other sounds help when labelled data is scarce?
#
#   1. pretrain ERANN on ESC-40 (the 40 ESC-50 classes that are not in ESC-10; test fold 1 is
#      held out of pretraining and only reported);
#   2. on ESC-10 (400 clips, 10 classes), 5-fold cross-validation of
#        scratch      the same model trained from random weights
#        finetune     the pretrained model, new head, everything trained (backbone at a lower lr)
#        freeze-base  the pretrained model, new head, only the head trained
#        linear probe logistic regression on the pretrained model's embeddings
#        mlp probe    a one-hidden-layer MLP on the same embeddings
#   3. a table of mean ± std accuracies (last epoch of each fold; nothing chosen on test folds).
#
# Usage: tools/esc10_transfer.sh [OUT_DIR] [extra train flags...]
#   PRE_EPOCHS, EPOCHS and MODEL override the defaults below, which are the measured run of
#   docs/results.md: 1 h 46 min on two cores (pretraining 36 min, then 3 x 5 ESC-10 trainings).
set -euo pipefail
OUT=${1:-runs/esc10-transfer}
shift || true
BIN=${AUDIOGRAD:-build/release/apps/audiograd}
MODEL=${MODEL:-erann-3-1}
PRE_EPOCHS=${PRE_EPOCHS:-30}
EPOCHS=${EPOCHS:-20}
COMMON=(--model "$MODEL" --threads "${THREADS:-2}" --seed 0 "$@")

mkdir -p "$OUT"
"$BIN" train --dataset esc40 --folds 1 --epochs "$PRE_EPOCHS" --out "$OUT/pretrain" "${COMMON[@]}" \
  $( [[ -d "$OUT/pretrain" ]] && echo --resume )
PRE="$OUT/pretrain/fold1/model.safetensors"

run() {  # name, extra flags
  local name=$1
  shift
  # An existing run directory is resumed (finished folds are kept), so the script can be rerun.
  "$BIN" train --dataset esc10 --folds all --epochs "$EPOCHS" --out "$OUT/$name" "${COMMON[@]}" "$@" \
    $( [[ -d "$OUT/$name" ]] && echo --resume )
}
run scratch
run finetune --pretrained "$PRE" --transfer finetune --lr 1e-3 --backbone-lr 1e-4
run freeze-base --pretrained "$PRE" --transfer freeze-base --lr 1e-3

"$BIN" embed --checkpoint "$PRE" --dataset esc10 --out "$OUT/embeddings" --threads "${THREADS:-2}"
"$BIN" probe --embeddings "$OUT/embeddings" --classifier linear --json > "$OUT/probe-linear.json"
"$BIN" probe --embeddings "$OUT/embeddings" --classifier mlp --json > "$OUT/probe-mlp.json"

field() { sed -n "s/.*\"$2\": \([0-9.eE+-]*\).*/\1/p" "$1" | head -n 1; }
pct() { awk -v m="$1" -v s="$2" 'BEGIN { printf "%5.1f %% ± %4.1f", 100 * m, 100 * s }'; }
{
  echo "| ESC-10, 5-fold, $MODEL | accuracy |"
  echo "|---|---|"
  for name in scratch finetune freeze-base; do
    echo "| $name ($EPOCHS epochs) | $(pct "$(field "$OUT/$name/summary.json" mean_accuracy)" "$(field "$OUT/$name/summary.json" std_accuracy)") |"
  done
  for kind in linear mlp; do
    echo "| $kind probe on embeddings | $(pct "$(field "$OUT/probe-$kind.json" mean_accuracy)" "$(field "$OUT/probe-$kind.json" std_accuracy)") |"
  done
  echo
  echo "Pretraining: $MODEL on ESC-40, $PRE_EPOCHS epochs, its fold-1 test accuracy $(pct "$(field "$OUT/pretrain/summary.json" mean_accuracy)" 0)."
} | tee "$OUT/table.md"
