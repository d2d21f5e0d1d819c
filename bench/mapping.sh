#!/usr/bin/env bash
# bench/mapping.sh: speed of the default Customer.io mapping set over the Customer.io sample
# events (bench/bench_mapping.c). `make bench-mapping` runs it; see bench/README.md.
#
# 1. Builds the release preset if needed (build-release/, `cmake --preset release`), only the
#    bench_mapping target.
# 2. Timing: records per second and µs per record, mapping alone and whole record.
# 3. Callgrind: instructions (Ir) per record, as differences of whole-program totals, so the
#    setup (loading, compiling, the dynamic loader, libraries' start-up) cancels out.
# Callgrind runs each configuration BENCH_CALLGRIND_RUNS times and takes the median; its out
# files stay in build-release/bench/ for callgrind_annotate.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD=${BENCH_BUILD_DIR:-build-release}      # configured with the release preset if new
SECONDS_TARGET=${BENCH_MAPPING_SECONDS:-2}   # both timed stages together, about
ITERATIONS=${BENCH_MAPPING_ITERATIONS:-}     # passes over the samples (empty: from the above)
CALLGRIND=${BENCH_CALLGRIND:-1}              # 0: timing only
RUNS=${BENCH_CALLGRIND_RUNS:-3}              # callgrind runs per configuration (median taken)
MAPPING=src/api/defaults/customerio-mapping.json
SCHEMA=src/api/defaults/customerio-schema.json
SAMPLES=tests/data/customerio

die() { echo "bench-mapping: $*" >&2; exit 1; }

if [[ ! -f $BUILD/build.ninja ]]; then
  # shellcheck disable=SC2086 # BENCH_CMAKE_ARGS is a list of words
  cmake --preset release -B "$BUILD" ${BENCH_CMAKE_ARGS:-} >/dev/null
fi
if ! build_log=$(cmake --build "$BUILD" --target bench_mapping 2>&1); then
  echo "$build_log" >&2
  die "building $BUILD/bench/bench_mapping failed"
fi
BIN=$BUILD/bench/bench_mapping
ARGS=(--mapping "$MAPPING" --schema "$SCHEMA" --samples "$SAMPLES")

echo "== bench_mapping: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $BIN," \
     "$(uname -m), $(nproc) CPUs"
echo
echo "-- timing (wall clock, one thread)"
if [[ -n $ITERATIONS ]]; then
  "$BIN" "${ARGS[@]}" --iterations "$ITERATIONS"
else
  "$BIN" "${ARGS[@]}" --seconds "$SECONDS_TARGET"
fi

[[ $CALLGRIND == 1 ]] || exit 0
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "BENCH_CALLGRIND_RUNS must be a positive integer"
command -v valgrind >/dev/null || die "valgrind not found (BENCH_CALLGRIND=0 skips this part)"
echo
echo "-- callgrind: instructions executed (Ir) per record"

# Total Ir of one run: the out file's "summary:" (or "totals:") line.
ir_of() {
  local f=$1
  awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

# run NAME ARGS...: bench_mapping --once ARGS under callgrind, RUNS times; prints the median
# total Ir. Totals move by a few tenths of a percent from run to run (json-c seeds its hash
# tables at random); the last run's out file is kept.
run() {
  local name=$1
  shift
  local out=$BUILD/bench/callgrind-$name.out
  local log ir all=()
  for ((i = 0; i < RUNS; i++)); do
    log=$(valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" "${ARGS[@]}" --once "$@" \
          2>"$BUILD/bench/callgrind-$name.log") || {
      cat "$BUILD/bench/callgrind-$name.log" >&2
      die "callgrind run $name failed"
    }
    [[ $log == *"failed=0"* ]] || die "callgrind run $name: $log"
    ir=$(ir_of "$out")
    [[ $ir =~ ^[0-9]+$ ]] || die "no total in $out"
    all+=("$ir")
  done
  printf '%s\n' "${all[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

IR_BASE=$(run base --stage none)
IR_MAP1=$(run map1 --stage map)
IR_MAP2=$(run map2 --stage map --iterations 2)
IR_REC1=$(run record1 --stage record)
IR_REC2=$(run record2 --stage record --iterations 2)
N=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' <<<"$("$BIN" "${ARGS[@]}" --once --stage none)")
[[ $N =~ ^[0-9]+$ && $N -gt 0 ]] || die "cannot tell the number of samples"

awk -v n="$N" -v base="$IR_BASE" -v m1="$IR_MAP1" -v m2="$IR_MAP2" -v r1="$IR_REC1" \
    -v r2="$IR_REC2" -v runs="$RUNS" -v dir="$BUILD/bench" 'BEGIN {
  printf "total Ir of the whole process, median of %d runs each:\n", runs
  printf "  setup only %.0f; map x1 %.0f, x2 %.0f; record x1 %.0f, x2 %.0f\n", base, m1, m2, r1, r2
  printf "\n%-14s %16s %16s\n", "stage", "Ir/record", "Ir/record"
  printf "%-14s %16s %16s\n", "", "(first pass)", "(second pass)"
  printf "%-14s %16.0f %16.0f\n", "mapping alone", (m1 - base) / n, (m2 - m1) / n
  printf "%-14s %16.0f %16.0f\n", "whole record", (r1 - base) / n, (r2 - r1) / n
  printf "\nCounted: instructions executed by the whole process (callgrind Ir, user space, all\n"
  printf "libraries: json-c, ICU, libc malloc), for bench_mapping --once over the %d samples.\n", n
  printf "first pass  = (run with one pass - run with setup only) / %d: every sample once,\n", n
  printf "              including anything done lazily on first use.\n"
  printf "second pass = (run with two passes - run with one pass) / %d: the steady state.\n", n
  printf "Setup (reading and compacting the samples, parsing them once for the mapping stage,\n"
  printf "compiling the mapping set and the schema, process start-up) is in every run and cancels.\n"
  printf "mapping alone = sl_mapping_run_opts on a parsed event + releasing its output;\n"
  printf "whole record  = sl_json_parse + sl_mapping_run_opts + sl_schema_apply + record to JSON text.\n"
  printf "Profiles: callgrind_annotate %s/callgrind-record1.out (or map1, base, ...)\n", dir
  printf "BENCH samples=%d ir_map=%.0f ir_map_steady=%.0f ir_record=%.0f ir_record_steady=%.0f\n",
         n, (m1 - base) / n, (m2 - m1) / n, (r1 - base) / n, (r2 - r1) / n
}'
