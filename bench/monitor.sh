#!/usr/bin/env bash
# Detection latency of the monitor (issue 12): a /20 loopback scope with the `exposure` profile,
# a redis-server without a password started at a random moment, and the time until the webhook
# receiver holds its new_exposure, over TRIALS trials; printed beside the interval and the
# scan's own duration. The target is detection within one interval plus one scan duration, every
# time. It prints figures; it never passes or fails on time.
#
# Settings (environment): TRIALS (10), EVERY (interval in seconds, 15), NET (127.0.32.0/20).
# Traffic goes only to 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
scripts/build release >/dev/null
exec /usr/bin/python3 bench/monitor_bench.py build/release/src/app/searchlight
