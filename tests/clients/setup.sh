#!/usr/bin/env bash
# Installs the client drivers that tests/tests/drivers.rs runs: the Python
# ones (requirements.txt) into tests/clients/.venv and node-postgres
# (node/package-lock.json) into tests/clients/node/node_modules. Quiet and
# idempotent: a stamp per language records what was installed, and nothing
# is fetched again while it matches. pgjdbc comes from Debian
# (libpostgresql-jdbc-java), which .ci/run installs.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.stamp 2>/dev/null)" != "$want" ]; then
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > .venv/.stamp
fi

want=$(sha256sum node/package-lock.json | cut -d' ' -f1)
if [ "$(cat node/node_modules/.stamp 2>/dev/null)" != "$want" ]; then
  (cd node && npm ci --silent --no-audit --no-fund >/dev/null)
  echo "$want" > node/node_modules/.stamp
fi
