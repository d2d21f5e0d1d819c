#!/usr/bin/env bash
# bench/cluster.sh: sluice in cluster mode (NATS JetStream landing log, PostgreSQL store) on one
# machine: how fast the collect node acknowledges, and how fast 1 and then 2 process nodes
# drain a backlog into the dataset. `make bench-cluster` runs it; bench/README.md says what is
# measured and lists the BENCH_CLUSTER_* knobs.
#
# For each number of process nodes (BENCH_CLUSTER_PROCESSORS, "1 2"):
#   1. a fresh three-node nats-server JetStream cluster and a fresh PostgreSQL database;
#   2. one node with roles admin,collect (it creates the Customer.io flow and the stream);
#   3. wrk posts signed events (bench/post.lua) to it for BENCH_CLUSTER_SECONDS, with no process
#      node running: "collect acked/s" is 2xx answers / wrk's duration; every answer came after
#      JetStream's ack of an R3 stream;
#   4. the process nodes start and drain that backlog: "processed rows/s" is backlog / (time
#      from starting them to the last row in the dataset), polled every 100 ms.
#
# Everything lives in one `mktemp -d` directory (removed at exit unless BENCH_KEEP_TMP=1);
# every process is stopped by PID at exit; only 127.0.0.1 is used; every wait has a deadline.
# The report also goes to bench/out/cluster-<date>.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
cd "$ROOT"

# ---- knobs -------------------------------------------------------------------------------
EVENTS=${BENCH_CLUSTER_EVENTS:-200000}      # distinct signed events generated
CUSTOMERS=${BENCH_CLUSTER_CUSTOMERS:-10000} # people the events are about (0: the samples' one or two)
DURATION=${BENCH_CLUSTER_SECONDS:-10}       # wrk run against the collect node, seconds
PROCESSORS=${BENCH_CLUSTER_PROCESSORS:-1 2} # process-node counts to measure, in order
WRK_THREADS=${BENCH_THREADS:-2}             # wrk -t
WRK_CONNS=${BENCH_CONNECTIONS:-64}          # wrk -c
WRK_TIMEOUT=${BENCH_TIMEOUT:-10s}           # wrk --timeout
DRAIN_TIMEOUT=${BENCH_CLUSTER_DRAIN_TIMEOUT:-300}  # seconds for the process nodes to drain
SLUICE_BIN=${SLUICE_BIN:-$ROOT/build/sluice}
OUT_DIR=${BENCH_OUT:-$BENCH/out}
KEEP_TMP=${BENCH_KEEP_TMP:-0}
STREAM=SLUICE_LANDING

die() { echo "bench-cluster: $*" >&2; exit 1; }
for tool in wrk python3 nats-server; do
  command -v "$tool" >/dev/null || die "$tool not found (make bench-cluster installs it: scripts/deps.sh bench-cluster)"
done
PGBIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
  die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (Debian package postgresql)"
fi
PSQL="$PGBIN/psql"
[ -x "$PSQL" ] || PSQL=$(command -v psql) || die "psql not found (Debian package postgresql-client)"
[ -x "$SLUICE_BIN" ] || die "$SLUICE_BIN not found: run 'make build'"
[[ $EVENTS =~ ^[0-9]+$ && $EVENTS -gt 0 ]] || die "BENCH_CLUSTER_EVENTS must be a positive integer"
[[ $CUSTOMERS =~ ^[0-9]+$ ]] || die "BENCH_CLUSTER_CUSTOMERS must be a non-negative integer"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "BENCH_CLUSTER_SECONDS must be a positive integer"
[[ $DRAIN_TIMEOUT =~ ^[0-9]+$ ]] || die "BENCH_CLUSTER_DRAIN_TIMEOUT must be a non-negative integer"
for p in $PROCESSORS; do
  [[ $p =~ ^[1-9]$ ]] || die "BENCH_CLUSTER_PROCESSORS: '$p' is not a number of process nodes (1-9)"
done
[ "$WRK_CONNS" -ge "$WRK_THREADS" ] || die "BENCH_CONNECTIONS must be >= BENCH_THREADS"

# ---- temp dir, process bookkeeping, cleanup ------------------------------------------------
BENCH_TAG=bench-cluster
# shellcheck disable=SC2317  # called from procs.sh at exit
on_failure() {
  local f
  for f in "$TMP"/*.log "$TMP"/nats/*.log "$TMP"/pg/server.log; do
    [ -s "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -15 "$f" >&2
  done
}
# shellcheck source=bench/procs.sh
. "$(dirname "${BASH_SOURCE[0]}")/procs.sh"

# ---- results file --------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
OUT="$OUT_DIR/cluster-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$OUT") 2>&1
TEE_PID=$!

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "none")
DIRTY=$( (git -C "$ROOT" status --porcelain 2>/dev/null || true) | wc -l)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
echo "sluice cluster bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit        $COMMIT ($DIRTY uncommitted changes in the worktree)"
echo "host          $(nproc) CPUs${CPU_MODEL:+, $CPU_MODEL}, Linux $(uname -r)"
echo "tools         $( (wrk -v 2>&1 || true) | head -1 | cut -d' ' -f1-2), nats-server $(nats-server --version | awk '{print $2}')," \
     "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
echo "cluster       3 nats-server (JetStream, R3 file stream), 1 PostgreSQL, 1 sluice admin+collect," \
     "process nodes: $PROCESSORS"
echo "load          wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --timeout $WRK_TIMEOUT against the collect node," \
     "$EVENTS events about $([ "$CUSTOMERS" -gt 0 ] && echo "$CUSTOMERS customers" || echo "the samples' own 2 customers")"
echo "results       $OUT"
echo

# ---- events, ports -----------------------------------------------------------------------
KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
echo "generating $EVENTS signed events ..."
python3 "$BENCH/gen_events.py" --key "$KEY" --count "$EVENTS" --customers "$CUSTOMERS" --out "$TMP/events.tsv"

mapfile -t PORTS < <(python3 "$BENCH/helper.py" ports $((9 + 1 + 2 + 2 * 9)))
NATS_PORT=("${PORTS[@]:0:3}") NATS_CPORT=("${PORTS[@]:3:3}") NATS_MPORT=("${PORTS[@]:6:3}")
PG_PORT=${PORTS[9]} FRONT_ADMIN=${PORTS[10]} FRONT_COLLECT=${PORTS[11]}
PROC_PORTS=("${PORTS[@]:12}")     # two per process node: admin, collect (unused)
NATS_URLS=""
for i in 0 1 2; do NATS_URLS+="${NATS_URLS:+,}nats://127.0.0.1:${NATS_PORT[i]}"; done

# ---- PostgreSQL (as pgserver.py does it: initdb + pg_ctl in the temp dir) ---------------------
AS=()
start_pg() {
  local dir="$TMP/pg"
  mkdir -p "$dir/sock"
  if [ "$(id -u)" -eq 0 ]; then          # PostgreSQL refuses to run as root
    id postgres >/dev/null 2>&1 || die "running as root and there is no postgres user"
    chmod 711 "$TMP"
    chown -R postgres: "$dir"
    AS=(runuser -u postgres --)
  fi
  "${AS[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Durable commits (fsync on), as a real store; a smaller checkpoint churn than the defaults.
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir/sock -c max_connections=200 -c max_wal_size=2GB" \
    start >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; die "pg_ctl start failed"; }
  PG_PID=$(head -1 "$dir/data/postmaster.pid")
  started "$PG_PID" INT postgres          # SIGINT: fast shutdown
  echo "postgres: pid $PG_PID on 127.0.0.1:$PG_PORT"
}
pg_url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1"; }

# ---- nats-server cluster -------------------------------------------------------------------
NATS_PID=()
start_nats() {
  local i j routes
  rm -rf "$TMP/nats"
  mkdir -p "$TMP/nats"
  for i in 0 1 2; do
    routes=""
    for j in 0 1 2; do
      [ "$j" = "$i" ] || routes+="${routes:+,}nats://127.0.0.1:${NATS_CPORT[j]}"
    done
    nats-server -js -sd "$TMP/nats/n$((i + 1))" -a 127.0.0.1 -p "${NATS_PORT[i]}" -m "${NATS_MPORT[i]}" \
      -n "n$((i + 1))" --cluster_name sluice-bench --cluster "nats://127.0.0.1:${NATS_CPORT[i]}" \
      --routes "$routes" >>"$TMP/nats/n$((i + 1)).log" 2>&1 &
    NATS_PID[i]=$!
    started "${NATS_PID[i]}" TERM "nats-server n$((i + 1))"
  done
  python3 "$BENCH/cluster_helper.py" nats-ready 30 "${NATS_MPORT[@]}" || die "the nats cluster did not come up"
}
stop_nats() {
  local i
  for i in 0 1 2; do stop "${NATS_PID[i]}" "nats-server n$((i + 1))"; done
}

# ---- sluice nodes --------------------------------------------------------------------------
# start_sluice NAME ROLES ADMIN_PORT COLLECT_PORT STORE_URL: sets SLUICE_STARTED_PID.
start_sluice() {
  local name=$1 roles=$2 admin=$3 collect=$4 store=$5
  mkdir -p "$TMP/$name"
  "$SLUICE_BIN" serve --store "$store" --data "$TMP/$name" --roles "$roles" \
    --nats "$NATS_URLS" --nats-replicas 3 --admin "127.0.0.1:$admin" --collect "127.0.0.1:$collect" \
    --cio-signing-keys "$KEY" --log-level warn >"$TMP/$name.log" 2>&1 &
  SLUICE_STARTED_PID=$!
  started "$SLUICE_STARTED_PID" TERM "sluice $name"
}
wait_ready() {  # NAME ADMIN_PORT
  python3 "$BENCH/helper.py" wait-http "http://127.0.0.1:$2/readyz" 200 30 \
    || { tail -30 "$TMP/$1.log" >&2; die "sluice $1 did not become ready"; }
}

bench_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
declare -A R

# run_cluster P: one measurement with P process nodes; results in R[P.*].
run_cluster() {
  local np=$1 db store front path line go t0 i n warn pids=() names=() target out
  echo "=== $np process node(s) ==="
  start_nats
  db="bench_p$np"
  "$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $db" \
    || die "CREATE DATABASE failed"
  store=$(pg_url "$db")

  start_sluice "front-$np" admin,collect "$FRONT_ADMIN" "$FRONT_COLLECT" "$store"
  front=$SLUICE_STARTED_PID
  wait_ready "front-$np" "$FRONT_ADMIN"
  path=$(python3 "$BENCH/helper.py" inlet "http://127.0.0.1:$FRONT_ADMIN" 10) \
    || { tail -30 "$TMP/front-$np.log" >&2; die "no inlet"; }

  # 1. collect: no process node runs, so the events stay in the stream as a backlog.
  go="$TMP/wrk-$np.go"
  rm -f "$go"
  timeout -k 5 $((DURATION + 180)) wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${DURATION}s" \
    --timeout "$WRK_TIMEOUT" --latency -s "$BENCH/post.lua" "http://127.0.0.1:$FRONT_COLLECT" \
    -- "$TMP/events.tsv" "$path" 0 "$WRK_THREADS" "$go" >"$TMP/wrk-$np.log" 2>&1 \
    || { cat "$TMP/wrk-$np.log" >&2; die "wrk failed"; }
  line=$(grep '^BENCH ' "$TMP/wrk-$np.log") || { cat "$TMP/wrk-$np.log" >&2; die "no BENCH line from post.lua"; }
  grep '^post.lua: [0-9]' "$TMP/wrk-$np.log" | sed 's/^/collect: /'
  for k in requests duration_us rps p50_us p99_us sent ok non2xx socket_errors wraps; do
    R[$np.$k]=$(bench_field "$line" "$k")
  done
  target=$(python3 "$BENCH/cluster_helper.py" stream-messages "$STREAM" 30 "${NATS_MPORT[@]}") \
    || die "cannot read the stream's message count"
  R[$np.backlog]=$target
  echo "collect: backlog in $STREAM: $target events (acknowledged ${R[$np.ok]}, sent ${R[$np.sent]})"
  # (wrapped runs repeat events, which the stream drops as duplicates: fewer is expected then)
  [ "$target" -ge "${R[$np.ok]}" ] || [ "${R[$np.wraps]}" -ne 0 ] \
    || echo "WARNING: fewer events in the stream than wrk saw acknowledged"

  # 2. process: start the process nodes together and time the drain.
  t0=$(date +%s.%N)
  for ((i = 0; i < np; i++)); do
    start_sluice "process-$np-$((i + 1))" process "${PROC_PORTS[2 * i]}" "${PROC_PORTS[2 * i + 1]}" "$store"
    pids+=("$SLUICE_STARTED_PID")
    names+=("process-$np-$((i + 1))")
  done
  out=$(python3 "$BENCH/cluster_helper.py" drain "$PSQL" "$store" "http://127.0.0.1:$FRONT_ADMIN" \
          "$target" "$t0" "$DRAIN_TIMEOUT") || true
  line=$(grep '^DRAIN ' <<<"$out") || die "no DRAIN line: $out"
  for k in rows distinct first_row_s span_s rate done_s; do R[$np.$k]=$(bench_field "$line" "$k"); done
  echo "process: ${R[$np.rows]} rows (${R[$np.distinct]} distinct event ids) of $target;" \
       "first row ${R[$np.first_row_s]} s after the start, all ${R[$np.done_s]} s after it"
  R[$np.split]=""
  for ((i = 0; i < np; i++)); do
    n=$(python3 "$BENCH/cluster_helper.py" metric "http://127.0.0.1:${PROC_PORTS[2 * i]}" sluice_pipeline_processed_total)
    R[$np.split]+="${R[$np.split]:+/}$n"
  done
  [ "$np" -eq 1 ] || echo "process: events per node (sluice_pipeline_processed_total): ${R[$np.split]}"
  for ((i = np - 1; i >= 0; i--)); do stop "${pids[i]}" "sluice ${names[i]}"; done
  stop "$front" "sluice front-$np"
  stop_nats
  for n in "front-$np" "${names[@]}"; do
    warn=$( (grep -iE 'level=(error|warn)' "$TMP/$n.log" || true) | grep -v 'no API keys' || true)
    if [ -n "$warn" ]; then
      echo "$n log (warnings and errors, first 10 lines):"
      head -10 <<<"$warn" | sed 's/^/  /'
    fi
  done
  echo
}

start_pg
for np in $PROCESSORS; do run_cluster "$np"; done

# ---- report --------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
echo "=== results: wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s to 1 collect node, loopback, $(nproc) CPUs ==="
printf '%-10s %15s %9s %9s %8s %9s %17s %10s %15s\n' processors 'collect acked/s' p50 p99 non-2xx backlog \
  'processed rows/s' 'drain s' 'rows/s (stamps)'
for np in $PROCESSORS; do
  acked_rate=$(awk -v ok="${R[$np.ok]}" -v d="${R[$np.duration_us]}" 'BEGIN { printf "%.0f", ok / (d / 1e6) }')
  if [ "${R[$np.done_s]}" = timeout ]; then
    drain_rate="timeout"
  else
    drain_rate=$(awk -v n="${R[$np.rows]}" -v s="${R[$np.done_s]}" 'BEGIN { printf "%.0f", n / s }')
  fi
  R[$np.drain_rate]=$drain_rate
  printf '%-10s %15s %9s %9s %8s %9s %17s %10s %15s\n' "$np" "$acked_rate" "$(ms "${R[$np.p50_us]}")" \
    "$(ms "${R[$np.p99_us]}")" "$((R[$np.non2xx] + R[$np.socket_errors]))" "${R[$np.backlog]}" \
    "$drain_rate" "${R[$np.done_s]}" "${R[$np.rate]}"
done
echo "(collect acked/s: 2xx answers / wrk's run time; each 2xx came after JetStream acknowledged the"
echo " event on a 3-replica file stream. non-2xx counts socket errors too. processed rows/s: the"
echo " backlog / drain s, the time from starting the process nodes (start-up included) to the poll"
echo " that saw the last row (100 ms polls). rows/s (stamps): rows written after the first commit"
echo " / time between the first and the last row's _ingested_ms: the steady rate, without start-up.)"
# shellcheck disable=SC2086  # split the list on purpose
set -- $PROCESSORS
if [ $# -ge 2 ] && [ "${R[$1.drain_rate]}" != timeout ] && [ "${R[$2.drain_rate]}" != timeout ]; then
  awk -v a="${R[$1.drain_rate]}" -v b="${R[$2.drain_rate]}" -v p="$1" -v q="$2" \
    'BEGIN { printf "processing with %s process nodes vs %s: %.2fx\n", q, p, b / a }'
fi
status=0
for np in $PROCESSORS; do
  if [ "${R[$np.done_s]}" = timeout ]; then
    echo "WARNING: $np process node(s) did not drain the backlog within $DRAIN_TIMEOUT s"; status=1
  fi
  [ "${R[$np.rows]}" = "${R[$np.distinct]}" ] || { echo "WARNING: $np: duplicate event ids in the dataset"; status=1; }
  [ "${R[$np.wraps]}" -eq 0 ] || echo "WARNING: wrk ran out of fresh events (${R[$np.wraps]}x): raise BENCH_CLUSTER_EVENTS"
  [ "${R[$np.non2xx]}" -eq 0 ] || echo "WARNING: the collect node answered ${R[$np.non2xx]} requests with non-2xx"
  [ "${R[$np.socket_errors]}" -eq 0 ] || echo "WARNING: ${R[$np.socket_errors]} socket errors/timeouts"
  [ -z "${R[$np.split]}" ] || [ "$np" -eq 1 ] || case "/${R[$np.split]}/" in
    */0/*) echo "WARNING: $np: a process node processed nothing (${R[$np.split]})"; status=1 ;;
  esac
done
exit "$status"
