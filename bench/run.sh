#!/usr/bin/env bash
# bench/run.sh: throughput, latency and CPU per event of sluice against an nginx baseline,
# both fed the same signed Customer.io webhook events by wrk over loopback. `make bench` runs
# it; see bench/README.md for what is measured and the BENCH_* knobs.
#
# Everything it creates lives in one `mktemp -d` directory (removed at exit unless
# BENCH_KEEP_TMP=1); every process it starts is stopped by PID at exit; it only ever binds or
# connects to 127.0.0.1; every wait has a deadline. Results are also written to
# bench/out/bench-<date>.txt (gitignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
cd "$ROOT"

# ---- knobs -------------------------------------------------------------------------------
EVENTS=${BENCH_EVENTS:-200000}            # distinct signed events generated
DURATION=${BENCH_SECONDS:-10}             # timed wrk run per server, seconds
WARMUP=${BENCH_WARMUP_SECONDS:-2}         # untimed wrk run before it (0: none)
WRK_THREADS=${BENCH_THREADS:-2}           # wrk -t
WRK_CONNS=${BENCH_CONNECTIONS:-64}        # wrk -c
WRK_TIMEOUT=${BENCH_TIMEOUT:-10s}         # wrk --timeout (a slower answer is a socket error)
SERVERS=${BENCH_SERVERS:-nginx sluice}    # which servers to run, in order
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-1}   # nginx worker_processes (a number or "auto")
SLUICE_THREADS=${BENCH_SLUICE_THREADS:-}  # sluice --threads (empty: sluice's default)
SLUICE_BIN=${SLUICE_BIN:-$ROOT/build/sluice}
VISIBLE_TIMEOUT=${BENCH_VISIBLE_TIMEOUT:-10}  # seconds to wait for rows to reach the dataset
WRK_CPUS=${BENCH_WRK_CPUS:-}              # taskset -c list for wrk (empty: no pinning)
SERVER_CPUS=${BENCH_SERVER_CPUS:-}        # taskset -c list for the servers
OUT_DIR=${BENCH_OUT:-$BENCH/out}
KEEP_TMP=${BENCH_KEEP_TMP:-0}

die() { echo "bench: $*" >&2; exit 1; }
for tool in wrk nginx python3; do
  command -v "$tool" >/dev/null || die "$tool not found (make bench installs it: scripts/deps.sh bench)"
done
[[ $EVENTS =~ ^[0-9]+$ && $EVENTS -gt 0 ]] || die "BENCH_EVENTS must be a positive integer"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "BENCH_SECONDS must be a positive integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP_SECONDS must be a non-negative integer"
[[ $VISIBLE_TIMEOUT =~ ^[0-9]+$ ]] || die "BENCH_VISIBLE_TIMEOUT must be a non-negative integer"
[ "$WRK_CONNS" -ge "$WRK_THREADS" ] || die "BENCH_CONNECTIONS must be >= BENCH_THREADS"
for s in $SERVERS; do
  case $s in nginx|sluice) ;; *) die "unknown server '$s' in BENCH_SERVERS" ;; esac
done
if [[ " $SERVERS " == *" sluice "* ]]; then
  [ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: run 'make build' (or BENCH_SERVERS=nginx)"
fi
TICKS=$(getconf CLK_TCK)                  # unit of utime/stime in /proc/PID/stat

# ---- temp dir, process bookkeeping, cleanup ------------------------------------------------
BENCH_TAG=bench
# shellcheck source=bench/procs.sh
. "$(dirname "${BASH_SOURCE[0]}")/procs.sh"

# ---- results file --------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$OUT_DIR/bench-$STAMP.txt"
exec > >(tee "$OUT") 2>&1
TEE_PID=$!

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "none (no commits yet)")
DIRTY=$( (git -C "$ROOT" status --porcelain 2>/dev/null || true) | wc -l)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
echo "sluice bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit        $COMMIT ($DIRTY uncommitted changes in the worktree)"
echo "host          $(nproc) CPUs${CPU_MODEL:+, $CPU_MODEL}, Linux $(uname -r)"
WRK_VERSION=$( (wrk -v 2>&1 || true) | head -1 | cut -d' ' -f1-2)
echo "tools         $WRK_VERSION, $(nginx -v 2>&1 | cut -d' ' -f3), python $(python3 -c 'import platform; print(platform.python_version())')"
echo "load          wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --timeout $WRK_TIMEOUT" \
     "(warm-up ${WARMUP}s), $EVENTS events${WRK_CPUS:+, wrk on CPUs $WRK_CPUS}${SERVER_CPUS:+, servers on CPUs $SERVER_CPUS}"
echo "servers       nginx worker_processes $NGINX_WORKERS; sluice --threads ${SLUICE_THREADS:-default (one per core)}"
echo "results       $OUT"
echo

# ---- helpers -------------------------------------------------------------------------------
pin() {  # pin CPUS CMD...: run CMD under taskset when CPUS is set
  local cpus=$1; shift
  if [ -n "$cpus" ]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

# children PID: PIDs whose parent is PID (the workers of an nginx master).
children() {
  local parent=$1 f s
  for f in /proc/[0-9]*/stat; do
    read -r s 2>/dev/null <"$f" || continue
    s=${s##*) }                  # drop "pid (comm) ": comm may contain spaces
    # shellcheck disable=SC2086  # split the fields on purpose
    set -- $s                    # $1 = state (field 3), $2 = ppid (field 4)
    if [ "$2" = "$parent" ]; then f=${f#/proc/}; echo "${f%/stat}"; fi
  done
}

# cpu_ticks PID...: sum of utime + stime (fields 14 and 15 of /proc/PID/stat, all threads of
# the process) over the given PIDs, in clock ticks. A PID that is gone counts 0.
cpu_ticks() {
  local total=0 pid s
  for pid in "$@"; do
    read -r s 2>/dev/null <"/proc/$pid/stat" || continue
    s=${s##*) }                  # drop "pid (comm) ": comm may contain spaces
    # shellcheck disable=SC2086  # split the fields on purpose
    set -- $s                    # now $1 is field 3 (state), so field N is $((N - 2))
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# bench_field LINE KEY: value of KEY=value in a "BENCH ..." line.
bench_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# run_wrk LABEL URL PATH START SECONDS LOGFILE PID...: one wrk run from event #START. Meant to
# run in the background (see wrk_run_in): a SIGTERM to it stops wrk too.
# Prints post.lua's BENCH line plus
#   ticks=      CPU ticks the PIDs used from the moment every wrk thread had loaded its events
#               (post.lua's start barrier, which is also when wrk starts its clock) to wrk's exit
#   ticks_start= the PIDs' CPU ticks at that first moment
#   wrk_cpu_s=  CPU seconds wrk itself used (event loading included)
#   end=        unix time at which wrk exited
run_wrk() {
  local label=$1 url=$2 path=$3 start=$4 secs=$5 log=$6; shift 6
  local go="$log.go" wpid before after i line wrk_cpu end
  rm -f "$go"                      # post.lua creates it when all threads are ready
  # `timeout` is only a backstop: wrk stops itself after -d (event loading comes before that).
  ( pin "$WRK_CPUS" timeout -k 5 $((secs + 120)) wrk -t"$WRK_THREADS" -c"$WRK_CONNS" \
      -d"${secs}s" --timeout "$WRK_TIMEOUT" --latency -s "$BENCH/post.lua" "$url" \
      -- "$TMP/events.tsv" "$path" "$start" "$WRK_THREADS" "$go" ) >"$log" 2>&1 &
  wpid=$!
  trap 'kill -TERM "$wpid" 2>/dev/null; exit 143' TERM
  for ((i = 0; i < 12000; i++)); do         # up to 120 s of event loading
    if [ -e "$go" ] || ! alive "$wpid"; then break; fi
    sleep 0.01
  done
  before=$(cpu_ticks "$@")
  wait "$wpid" || { cat "$log" >&2; die "$label: wrk failed"; }
  after=$(cpu_ticks "$@")
  end=$(date +%s.%N)
  # `times` (a builtin run in this shell, not in a pipeline) gives the CPU time of the reaped
  # children, i.e. of wrk: how much of the machine the load generator itself took.
  times >"$log.times"
  wrk_cpu=$(tail -1 "$log.times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m");
                                            s += a[1] * 60 + a[2] } printf "%.2f", s }')
  line=$(grep '^BENCH ' "$log") || { cat "$log" >&2; die "$label: no BENCH line from post.lua"; }
  echo "$line ticks=$((after - before)) ticks_start=$before wrk_cpu_s=$wrk_cpu end=$end"
}

# wrk_run_in VAR ARGS...: run_wrk ARGS in the background and wait for it, so that a signal to
# this script is handled at once (cleanup stops the run, and with it wrk) rather than after
# the run; its BENCH line goes into VAR.
wrk_run_in() {
  local var=$1 pid out; shift
  out="$TMP/run_wrk.out"
  run_wrk "$@" >"$out" &
  pid=$!
  started "$pid" TERM "wrk run"
  wait "$pid" || die "$1: wrk run failed"
  stop "$pid" "wrk run"          # already exited: only forgets the PID
  printf -v "$var" '%s' "$(<"$out")"
}

# ---- events --------------------------------------------------------------------------------
KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')   # this run's signing key
echo "generating $EVENTS signed events ..."
python3 "$BENCH/gen_events.py" --key "$KEY" --count "$EVENTS" --out "$TMP/events.tsv"
echo

mapfile -t PORTS < <(python3 "$BENCH/helper.py" ports 3)
PORT_NGINX=${PORTS[0]} PORT_ADMIN=${PORTS[1]} PORT_COLLECT=${PORTS[2]}

declare -A R   # results: R[server.key]

# measure SERVER URL PATH SETTLE PID...: warm-up, SETTLE (a command run after the warm-up,
# e.g. wait for the server to catch up), then the timed run with CPU accounting of the PIDs.
# Results go to R[SERVER.*].
measure() {
  local server=$1 url=$2 path=$3 settle=$4; shift 4
  local start=0 line k
  if [ "$WARMUP" -gt 0 ]; then
    wrk_run_in line "$server warm-up" "$url" "$path" 0 "$WARMUP" "$TMP/wrk-$server-warmup.log" "$@"
    echo "$server warm-up: $(grep '^post.lua: [0-9]' "$TMP/wrk-$server-warmup.log")"
    if [ "$(bench_field "$line" non2xx)" -ne 0 ] || [ "$(bench_field "$line" ok)" -eq 0 ]; then
      cat "$TMP/wrk-$server-warmup.log"
      die "$server: warm-up got non-2xx answers or none at all; not measuring"
    fi
    start=$(bench_field "$line" next)      # the timed run uses only events after these
    R[$server.warm_ok]=$(bench_field "$line" ok)
    R[$server.warm_sent]=$(bench_field "$line" sent)
    $settle
  fi
  wrk_run_in line "$server" "$url" "$path" "$start" "$DURATION" "$TMP/wrk-$server.log" "$@"
  echo "--- wrk against $server (events from #$start) ---"
  cat "$TMP/wrk-$server.log"
  echo
  for k in requests duration_us rps p50_us p99_us sent ok non2xx socket_errors wraps ticks \
           ticks_start wrk_cpu_s end; do
    R[$server.$k]=$(bench_field "$line" "$k")
  done
}

# cpu_us_per_event TICKS REQUESTS
cpu_us_per_event() {
  awk -v t="$1" -v hz="$TICKS" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "n/a" }'
}

# ---- nginx ---------------------------------------------------------------------------------
run_nginx() {
  local dir="$TMP/nginx" conf echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
  mkdir -p "$dir"
  # nginx-light ships the echo module: echo_read_request_body reads the whole body into memory
  # before the 204 goes out. Without it fall back to `return 204`, which only discards the body
  # (nginx still reads it off the socket, into a small scratch buffer).
  local load="" check="" handler="            return 204;"
  if [ -f "$echo_mod" ]; then
    handler="            echo_read_request_body;   # read the whole body into memory
            echo_status 204;          # then answer 204 No Content (no body)"
    load="load_module $echo_mod;"
    # Self-check: the same body handling, but answering with the body nginx read.
    check="        location = /bench/echo {
            echo_read_request_body;
            echo \$request_body;
        }"
  else
    echo "nginx: echo module not found; the baseline discards bodies (return 204)"
  fi
  conf=$(<"$BENCH/nginx.conf.in")
  conf=${conf//@PREFIX@/$dir}
  conf=${conf//@PORT@/$PORT_NGINX}
  conf=${conf//@WORKERS@/$NGINX_WORKERS}
  conf=${conf//@LOAD_ECHO@/$load}
  conf=${conf//@BODY_HANDLER@/$handler}
  conf=${conf//@SELF_CHECK@/$check}
  printf '%s\n' "$conf" >"$dir/nginx.conf"

  # -e: nginx's built-in error log path is stderr; keep it in the temp dir too.
  (pin "$SERVER_CPUS" nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log") \
    >"$dir/stdout.log" 2>&1 &
  local master=$!
  started "$master" TERM nginx
  if ! python3 "$BENCH/helper.py" wait-http "http://127.0.0.1:$PORT_NGINX/collection/ready" 204 10; then
    cat "$dir/stdout.log" "$dir/error.log" >&2 || true
    die "nginx did not start"
  fi
  if [ -n "$check" ]; then
    python3 "$BENCH/helper.py" echo-check "http://127.0.0.1:$PORT_NGINX/bench/echo" "$TMP/events.tsv" \
      || die "nginx did not read the request body"
  fi
  # The subshell execs nginx, so $! is the master; its children are the workers.
  local workers=() w
  mapfile -t workers < <(children "$master")
  for w in "${workers[@]}"; do started "$w" TERM "nginx worker"; done
  echo "nginx: master $master, workers ${workers[*]:-none} (worker_processes $NGINX_WORKERS)" \
       "on 127.0.0.1:$PORT_NGINX"

  measure nginx "http://127.0.0.1:$PORT_NGINX" "/collection/bench?x-adobe-flow-id=bench" : \
    "$master" "${workers[@]}"
  stop "$master" nginx
  for w in "${workers[@]}"; do stop "$w" "nginx worker"; done
  grep -v '^\s*$' "$dir/error.log" 2>/dev/null | sed 's/^/nginx error.log: /' | head -20 || true
}

# ---- sluice --------------------------------------------------------------------------------
SLUICE_PID=""

# sluice_visible ACKED SENT T0 VAR: wait (up to BENCH_VISIBLE_TIMEOUT s after unix time T0) until
# every landed event is in the dataset; print helper.py's report, set R[sluice.VAR_*].
sluice_visible() {
  local out line k
  out=$(python3 "$BENCH/helper.py" visible "$TMP/data" "http://127.0.0.1:$PORT_ADMIN" \
          "$1" "$2" "$3" "$VISIBLE_TIMEOUT")
  line=$(grep '^VISIBLE ' <<<"$out")
  for k in landed visible lag_s; do R[sluice.$4_$k]=$(bench_field "$line" "$k"); done
  grep -v '^VISIBLE ' <<<"$out" | sed 's/^/sluice: /'
}

# After the warm-up: let sluice finish processing the warm-up's events, so the timed run
# starts from an empty backlog and its CPU figures cover its own events only.
sluice_settle() {
  echo "sluice: waiting for the warm-up's events to reach the dataset ..."
  sluice_visible "${R[sluice.warm_ok]}" "${R[sluice.warm_sent]}" "$(date +%s.%N)" warm >/dev/null
  echo "sluice: warm-up: ${R[sluice.warm_landed]} landed, ${R[sluice.warm_visible]} visible" \
       "(after ${R[sluice.warm_lag_s]} s)"
}

run_sluice() {
  local data="$TMP/data" admin="http://127.0.0.1:$PORT_ADMIN" path
  mkdir -p "$data"
  local args=(serve --data "$data" --admin "127.0.0.1:$PORT_ADMIN"
              --collect "127.0.0.1:$PORT_COLLECT" --cio-signing-keys "$KEY" --log-level warn)
  [ -z "$SLUICE_THREADS" ] || args+=(--threads "$SLUICE_THREADS")
  (pin "$SERVER_CPUS" "$SLUICE_BIN" "${args[@]}") >"$TMP/sluice.log" 2>&1 &
  SLUICE_PID=$!
  started "$SLUICE_PID" TERM sluice
  if ! python3 "$BENCH/helper.py" wait-http "$admin/readyz" 200 30; then
    tail -50 "$TMP/sluice.log" >&2
    die "sluice did not become ready"
  fi
  path=$(python3 "$BENCH/helper.py" inlet "$admin" 10) || { tail -50 "$TMP/sluice.log" >&2; die "no inlet"; }
  echo "sluice: pid $SLUICE_PID (--threads ${SLUICE_THREADS:-default: one per core})," \
       "posting to http://127.0.0.1:$PORT_COLLECT$path"

  measure sluice "http://127.0.0.1:$PORT_COLLECT" "$path" sluice_settle "$SLUICE_PID"

  # Did every acknowledged event land, and how long until all are visible in the dataset?
  R[sluice.acked]=$(( ${R[sluice.warm_ok]:-0} + ${R[sluice.ok]} ))
  R[sluice.sent_total]=$(( ${R[sluice.warm_sent]:-0} + ${R[sluice.sent]} ))
  sluice_visible "${R[sluice.acked]}" "${R[sluice.sent_total]}" "${R[sluice.end]}" all
  # CPU from the start of the timed run until everything was visible, per event of the timed
  # run: includes the work sluice does after acknowledging (moving rows into the dataset).
  local now_ticks
  now_ticks=$(cpu_ticks "$SLUICE_PID")
  R[sluice.catchup_ticks]=$(( now_ticks - ${R[sluice.ticks_start]} ))
  R[sluice.catchup_events]=$(( ${R[sluice.all_landed]} - ${R[sluice.warm_landed]:-0} ))
  stop "$SLUICE_PID" sluice
  if grep -qiE 'error|warn' "$TMP/sluice.log"; then
    echo "sluice log (warnings and errors, first 20 lines):"
    grep -iE 'error|warn' "$TMP/sluice.log" | head -20 | sed 's/^/  /'
  fi
  echo
}

for s in $SERVERS; do
  "run_$s"
done

# ---- report --------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
# cores TICKS DURATION_US: average number of CPUs busy
cores() { awk -v t="$1" -v hz="$TICKS" -v d="$2" 'BEGIN { printf "%.2f", t / hz / (d / 1e6) }'; }
echo "=== results: wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s, loopback, $(nproc) CPUs ==="
printf '%-7s %11s %9s %9s %13s %10s %8s %10s %9s\n' server 'requests/s' p50 p99 'CPU µs/event' \
  'CPUs busy' non-2xx sock-errs 'wrk CPUs'
for s in $SERVERS; do
  printf '%-7s %11.0f %9s %9s %13s %10s %8s %10s %9s\n' "$s" "${R[$s.rps]}" \
    "$(ms "${R[$s.p50_us]}")" "$(ms "${R[$s.p99_us]}")" \
    "$(cpu_us_per_event "${R[$s.ticks]}" "${R[$s.requests]}")" \
    "$(cores "${R[$s.ticks]}" "${R[$s.duration_us]}")" "${R[$s.non2xx]}" "${R[$s.socket_errors]}" \
    "$(awk -v c="${R[$s.wrk_cpu_s]}" -v d="${R[$s.duration_us]}" 'BEGIN { printf "%.2f", c / (d / 1e6) }')"
done
echo "(CPU µs/event: utime+stime of the server's processes over the timed run / responses in it;"
echo " 1 tick = $((1000000 / TICKS)) µs. CPUs busy: the same CPU time / wall time. wrk CPUs: the load"
echo " generator's own share of the machine over the timed run, its event loading included.)"
if [ -n "${R[nginx.rps]:-}" ] && [ -n "${R[sluice.rps]:-}" ]; then
  awk -v sr="${R[sluice.rps]}" -v nr="${R[nginx.rps]}" \
      -v sc="$(cpu_us_per_event "${R[sluice.ticks]}" "${R[sluice.requests]}")" \
      -v nc="$(cpu_us_per_event "${R[nginx.ticks]}" "${R[nginx.requests]}")" 'BEGIN {
    printf "sluice/nginx: requests/s %.3fx, CPU µs/event %s\n", sr / nr,
           (nc > 0 ? sprintf("%.1fx", sc / nc) : "n/a (nginx used < 1 tick)") }'
fi
if [ -n "${R[sluice.rps]:-}" ]; then
  until_what="all its rows were visible"
  [ "${R[sluice.all_lag_s]}" != timeout ] || until_what="the visibility timeout"
  echo "sluice: CPU µs/event from the start of the timed run until $until_what:" \
       "$(cpu_us_per_event "${R[sluice.catchup_ticks]}" "${R[sluice.catchup_events]}")" \
       "(${R[sluice.catchup_events]} events landed in the timed run)"
  inflight=$(( ${R[sluice.all_landed]} - ${R[sluice.acked]} ))
  if [ "$inflight" -eq 0 ]; then
    verdict="equal"
  elif [ "$inflight" -gt 0 ] && [ "${R[sluice.all_landed]}" -le "${R[sluice.sent_total]}" ]; then
    verdict="landed = acknowledged + $inflight answered after wrk stopped listening"
  else
    verdict="MISMATCH"
  fi
  echo "sluice: landed rows ${R[sluice.all_landed]}, acknowledged ${R[sluice.acked]}," \
       "sent ${R[sluice.sent_total]} (warm-up + timed run): $verdict"
  echo "sluice: events visible in dataset: ${R[sluice.all_visible]} of ${R[sluice.all_landed]} landed;" \
       "$( [ "${R[sluice.all_lag_s]}" = timeout ] && echo "NOT all visible within ${VISIBLE_TIMEOUT} s" \
           || echo "all visible ${R[sluice.all_lag_s]} s after the end of the load")"
fi
for s in $SERVERS; do
  if [ "${R[$s.wraps]}" -ne 0 ]; then
    if [ "$s" = nginx ]; then
      echo "note: nginx wrapped around the event file (${R[$s.wraps]}x); harmless, nginx ignores the events"
    else
      echo "WARNING: $s wrapped around the event file (${R[$s.wraps]}x): repeated events are" \
           "deduplicated, so fewer rows reach the dataset; raise BENCH_EVENTS"
    fi
  fi
  [ "${R[$s.non2xx]}" -eq 0 ] || echo "WARNING: $s answered ${R[$s.non2xx]} requests with non-2xx"
  [ "${R[$s.socket_errors]}" -eq 0 ] || echo "WARNING: $s had ${R[$s.socket_errors]} socket errors/timeouts"
done
