#!/usr/bin/env bash
# Installs the end-to-end tests' npm packages (playwright-core) from the committed lock file,
# only when they are missing or the lock file changed.
set -euo pipefail
if ! command -v npm >/dev/null 2>&1; then
  # Debian's nodejs comes without npm (NodeSource's includes it).
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "deps: installing npm" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
cd "$(dirname "$0")/../tests/e2e"
stamp=node_modules/.lock-installed
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
echo "deps: npm ci (tests/e2e)" >&2
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
