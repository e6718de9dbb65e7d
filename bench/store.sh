#!/usr/bin/env bash
# Store benchmark: ingest rate, database size, and p50/p99 of 20 representative questions as
# `searchlight search` next to jq over the equivalent NDJSON (the latest scan's file), in one
# run. RECORDS (10,000,000) service records in 30 scans over HOSTS (1,000,000) addresses; RUNS
# (7) timings per question. It prints figures; it never passes or fails on time.
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-10000000}
HOSTS=${HOSTS:-1000000}
scripts/setup
scripts/build release >/dev/null
WORK=$(mktemp -d /tmp/sl_store_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 bench/store_bench.py build/release/src/app/searchlight "$WORK" "$RECORDS" "$HOSTS"
