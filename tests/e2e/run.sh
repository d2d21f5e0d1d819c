#!/usr/bin/env bash
# Runs one end-to-end test file with node's test runner (ctest calls this with the file).
set -euo pipefail
cd "$(dirname "$0")"
exec node --test --test-concurrency=1 "$@"
