#!/bin/sh
# Regenerates ../test_cases.rs from a running PostgreSQL 15 (port 54392,
# socket in /tmp, user postgres, DateStyle ISO MDY, IntervalStyle postgres):
#
#   initdb -D $D --locale=C -U postgres -A trust
#   pg_ctl -D $D -o '-p 54392 -k /tmp -c listen_addresses=' start
#   sh storage/src/datum/datetime/testgen/run.sh
#
# Every expected value in the tests comes from PostgreSQL itself; review the
# diff of test_cases.rs after regenerating.
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/dtgen
cp "$here"/gen*.py /tmp/dtgen/
cd /tmp/dtgen
for i in 1 2 3 4 5 6 7; do python3 gen$i.py; done
{
  printf '//! Expected values generated from PostgreSQL 15 (see tests.rs); one row per\n//! line, exempt from rustfmt.\n'
  tail -n +2 cases.rs
  for i in 2 3 4 5 6 7; do cat cases$i.rs; done
} > "$here/../test_cases.rs"
