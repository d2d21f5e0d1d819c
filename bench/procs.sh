# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# bench/procs.sh: sourced by bench/run.sh and bench/cluster.sh. One temp directory and the
# bookkeeping of every process a bench starts: each is stopped by its PID, newest first, when
# the script exits (normally, on error, or on SIGINT/SIGTERM), and the temp directory removed.
#
# Before sourcing, set:
#   BENCH_TAG  the name in messages and in the temp directory's name ("bench", "bench-cluster")
#   KEEP_TMP   1 keeps the temp directory
# Optionally define on_failure(): called at exit when the script fails, once its processes
# are stopped and while $TMP is still there (to show their logs).
#
# Gives: $TMP, $TEE_PID (set it when the output goes through tee), and
#   started PID SIGNAL NAME   remember a process (SIGNAL stops it: TERM, INT, ...)
#   stop PID NAME [SIGNAL]    stop one now: SIGNAL (TERM), wait up to 20 s, then SIGKILL
#   alive PID                 true while PID exists and is not a zombie

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-$BENCH_TAG.XXXXXX")
STARTED=() # "pid:signal:name" of every process we started, stopped newest first at exit
TEE_PID=""

# kill -0 also succeeds on zombies: read the state from /proc instead.
alive() {
  local s
  read -r s 2>/dev/null <"/proc/$1/stat" || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}

# Reaps PID if it is our child, and drops it from STARTED (so a PID that is later reused is
# never signalled).
stop() {
  local pid=$1 name=$2 sig=${3:-TERM} i
  if alive "$pid"; then
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      echo "$BENCH_TAG: $name (pid $pid) still running 20 s after SIG$sig; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  for i in "${!STARTED[@]}"; do
    [ "${STARTED[i]%%:*}" != "$pid" ] || unset 'STARTED[i]'
  done
}

started() { STARTED+=("$1:$2:$3"); }

procs_cleanup() {
  local rc=$? idx i entry rest
  trap - EXIT INT TERM
  idx=("${!STARTED[@]}")
  for ((i = ${#idx[@]} - 1; i >= 0; i--)); do
    entry=${STARTED[${idx[i]}]}
    rest=${entry#*:}
    stop "${entry%%:*}" "${rest#*:}" "${rest%%:*}"
  done
  if [ "$rc" -ne 0 ] && declare -F on_failure >/dev/null; then
    on_failure
  fi
  if [ "$KEEP_TMP" = 1 ]; then
    echo "$BENCH_TAG: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  # Let tee write out the last lines before the shell exits.
  if [ -n "$TEE_PID" ]; then
    exec 1>&- 2>&-
    wait "$TEE_PID" 2>/dev/null || true
  fi
  exit "$rc"
}
trap procs_cleanup EXIT
trap 'echo "$BENCH_TAG: interrupted" >&2; exit 130' INT
trap 'echo "$BENCH_TAG: terminated" >&2; exit 143' TERM
