#!/usr/bin/env bash
# Fuzzes audiograd's readers of outside data with libFuzzer (the `fuzz` preset: clang++, ASan + UBSan).
#
#   bash tools/fuzz.sh [SECONDS] [TARGET...]     default: 180 s each, every target
#   targets: npy safetensors ini esc50_csv us8k_csv folder audio
#
# Needs `bash tools/setup.sh --with-fuzz` (clang, libclang-rt-14-dev, libomp-dev). Builds build/fuzz
# (-j2), then runs each target for SECONDS on its seed corpus and regressions (tests/fuzz/corpus/<t>,
# tests/fuzz/regressions/<t>, read only). New coverage-increasing inputs go to a working corpus and
# crashing / hanging inputs to $FUZZ_OUT (default /tmp/audiograd-fuzz/<target>/), outside the
# repository: a finding is fixed, then its input is copied into tests/fuzz/regressions/<t>/ so CTest
# replays it forever. Prints one summary line per target (executions, time, findings).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-180}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy safetensors ini esc50_csv us8k_csv folder audio)
out_root=${FUZZ_OUT:-/tmp/audiograd-fuzz}

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found; run: bash tools/setup.sh --with-fuzz" >&2; exit 1; }
cmake --preset fuzz >/dev/null && cmake --build build/fuzz -j2 --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null ||
  { echo "fuzz: building the fuzz preset failed" >&2; exit 1; }

status=0
for t in "${targets[@]}"; do
  work="$out_root/$t"
  mkdir -p "$work/corpus" "$work/findings"
  seeds=(tests/fuzz/corpus/$t)
  [[ -d tests/fuzz/regressions/$t ]] && seeds+=(tests/fuzz/regressions/$t)
  log="$work/fuzz.log"
  t0=$(date +%s)
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS=suppressions="$OLDPWD/tests/lsan.supp" \
    "$OLDPWD/build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$work/findings/" "$work/corpus" "${seeds[@]/#/$OLDPWD/}") >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - t0))
  # libFuzzer stops at the first finding: the executions are then those of its last status line.
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  [[ -n "$execs" ]] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  found=$(find "$work/findings" -type f | wc -l)
  printf 'fuzz %-12s %4s s  %10s executions  %3d finding(s)  corpus %d files  (exit %d; log %s)\n' "$t" "$took" "${execs:-?}" \
    "$found" "$(find "$work/corpus" -type f | wc -l)" "$rc" "$log"
  ((rc == 0 && found == 0)) || status=1
done
exit $status
