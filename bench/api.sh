#!/usr/bin/env bash
# The API under load (issue 13): wrk (Debian) against /api/search on a store of SERVICES
# synthetic services (one scan, bench/store_bench.py's records), at 64 connections for DURATION
# seconds per question, RUNS times (this VM varies by a third between runs: the medians, and
# the range of p99), printing requests/s and p50/p99 latency beside the same question asked
# through `searchlight search` (a process per question, what a script would otherwise do). The
# goal is p99 under 100 ms for indexed questions. Figures only; it never passes or fails.
# Then the dashboard: each API call it makes on that store, and its first render in chromium
# (goal: under 1 s). Settings: SERVICES (1000000), DURATION (20), RUNS (3), KEEP=1 (keep the
# store), DB=PATH (use a kept store). Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
scripts/build release >/dev/null
exec /usr/bin/python3 bench/api_bench.py build/release/src/app/searchlight
