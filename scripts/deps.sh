#!/usr/bin/env bash
# Installs the Debian packages a make target needs, only those that are missing.
#   scripts/deps.sh build|test|bench|bench-cluster|run
# Uses sudo when not root. Prints what it installs; silent when nothing is missing.
set -euo pipefail

build_pkgs=(build-essential cmake ninja-build pkg-config libmicrohttpd-dev libjson-c-dev
            libsqlite3-dev libssl-dev libyaml-dev libpq-dev libpcre2-dev libicu-dev
            libcurl4-openssl-dev libnats-dev)
# postgresql: initdb/pg_ctl (and psql, through postgresql-client) for the tests that start a
# throwaway cluster (tests/integration/pgserver.py); no cluster of the package is used.
# nats-server: tests/unit/test_jetstream.c starts a throwaway three-node JetStream cluster.
test_pkgs=(libcmocka-dev python3 sqlite3 curl clang postgresql chromium nodejs nats-server)
bench_pkgs=(wrk nginx-light lua5.1 python3)
# bench/cluster.sh: wrk and a throwaway PostgreSQL and nats-server cluster (no nginx).
bench_cluster_pkgs=(wrk python3 postgresql nats-server)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build|run) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${bench_pkgs[@]}") ;;
  bench-cluster) want+=("${bench_cluster_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|bench|bench-cluster|run" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
