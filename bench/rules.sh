#!/usr/bin/env bash
# Rule engine benchmark: 1,000,000 synthetic service records (about 5% open, built from the
# golden transcripts' records) against the shipped rules, on one core. Prints records/s and the
# number of findings. Goal: at least 1M records/s, so rules never bound the pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
scripts/build release >/dev/null
taskset -c 0 build/release/bench/rules_bench "${1:-1000000}"
