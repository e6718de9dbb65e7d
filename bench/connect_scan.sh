#!/usr/bin/env bash
# TCP connect scan benchmark on a loopback ground truth, in one run:
#   1. the kernel's ceiling (bench/connect_ceiling.c, a minimal non-blocking connect loop, with
#      one thread and with one thread per core);
#   2. nmap -sT -n -Pn;
#   3. searchlight --rate 0 --no-grab (discovery only: this is a port-scan benchmark), with
#      --no-db and with storing on (a new database, then a rescan into it);
#   4. searchlight at a requested --rate, with every SYN captured by tcpdump, to print the
#      achieved rate and the most connects started in any 10 ms window (limiter smoothness).
# It prints figures; it never passes or fails on time.
#
# Settings (environment): HOSTS (16384; halved until the listeners fit the fd limit),
# PORTS (21,22,23,25,80,110,143,443,3306,8080), DENSITY (0.1), SEED (1), RATE (20000),
# PREFIX (127.42: hosts are PREFIX.0.0 onward). Traffic goes only to 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-16384}
PORTS=${PORTS:-21,22,23,25,80,110,143,443,3306,8080}
DENSITY=${DENSITY:-0.1}
SEED=${SEED:-1}
RATE=${RATE:-20000}
PREFIX=${PREFIX:-127.42}
[[ $PREFIX == 127.* ]] || { echo "bench: PREFIX must be in 127.0.0.0/8" >&2; exit 2; }

scripts/setup
scripts/build release >/dev/null
SL=build/release/src/app/searchlight
mkdir -p build/bench
gcc -O2 -Wall -pthread -o build/bench/connect_ceiling bench/connect_ceiling.c
WORK=$(mktemp -d /tmp/sl_bench.XXXXXX)
LPID=""
cleanup() { [[ -n $LPID ]] && kill "$LPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A wildcard listener on a scanned port answers on every 127.x address: the truth would lie.
busy=$(ss -ltnH | awk '{print $4}' | grep -E '^(0\.0\.0\.0|\*|\[::\]):' | sed 's/.*://' | sort -u)
for p in ${PORTS//,/ }; do
  if grep -qx "$p" <<<"$busy"; then echo "bench: port $p has a wildcard listener; set PORTS" >&2; exit 1; fi
done
if ss -ltnH | awk '{print $4}' | grep -q "^${PREFIX//./\\.}\."; then
  echo "bench: something already listens on $PREFIX.*; set PREFIX" >&2; exit 1
fi

hard=$(ulimit -Hn)
while :; do
  /usr/bin/python3 - "$PREFIX" "$HOSTS" "$PORTS" "$DENSITY" "$SEED" "$WORK/truth.txt" <<'PY'
import random, sys
prefix, hosts, ports, density, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rng = random.Random(seed)
with open(out, "w") as f:
    for h in range(hosts):
        for p in ports.split(","):
            if rng.random() < density:
                f.write(f"{prefix}.{h // 256}.{h % 256}:{p}\n")
PY
  need=$(( $(wc -l <"$WORK/truth.txt") + 64 ))
  (( need <= hard )) && break
  HOSTS=$(( HOSTS / 2 ))
done
bits=0; while (( (1 << bits) < HOSTS )); do bits=$((bits + 1)); done
TARGET="$PREFIX.0.0/$(( 32 - bits ))"
NPORTS=$(awk -F, '{print NF}' <<<"$PORTS")
PAIRS=$(( HOSTS * NPORTS ))
OPEN=$(wc -l <"$WORK/truth.txt")

mkfifo "$WORK/ready"
/usr/bin/python3 tests/support/listeners.py --detach "@$WORK/truth.txt" </dev/null >"$WORK/ready" 2>"$WORK/listeners.log" &
LPID=$!
timeout 120 head -n1 "$WORK/ready" | grep -q ready || { cat "$WORK/listeners.log" >&2; exit 1; }

echo "bench: $TARGET x {$PORTS} = $PAIRS probes, $OPEN open (seed $SEED, density $DENSITY); $(nproc) cores"
printf '%-28s %9s %8s %10s %7s %7s %9s\n' tool probes wall_s probes/s found missed false_pos

row() {  # name format output wall
  read -r found missed fp < <(/usr/bin/python3 bench/score.py truth "$WORK/truth.txt" "$2" "$3")
  printf '%-28s %9d %8.2f %10.0f %7d %7d %9d\n' "$1" "$PAIRS" "$4" "$(echo "$PAIRS / $4" | bc -l)" "$found" "$missed" "$fp"
}
timed() {  # runs a command, prints its wall time in seconds
  local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; return 1; }
  t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l
}

inflight=$(( hard - 64 < 8192 ? hard - 64 : 8192 ))
first="$PREFIX.0.0"
w=$(timed build/bench/connect_ceiling "$first" "$HOSTS" "$PORTS" "$inflight" 1 "$WORK/ceiling.txt")
row "kernel ceiling, 1 thread" pairs "$WORK/ceiling.txt" "$w"
w=$(timed build/bench/connect_ceiling "$first" "$HOSTS" "$PORTS" "$inflight" "$(nproc)" "$WORK/ceiling.txt")
row "kernel ceiling, $(nproc) threads" pairs "$WORK/ceiling.txt" "$w"
w=$(timed nmap -n -Pn -sT -T4 --max-retries 1 --min-hostgroup 4096 -p "$PORTS" -oG "$WORK/nmap.txt" "$TARGET")
row "nmap -sT -n -Pn" grepable "$WORK/nmap.txt" "$w"
w=$(timed "$SL" scan "$TARGET" -p "$PORTS" --rate 0 -q --no-grab --no-db --seed "$SEED" -o "$WORK/sl0.ndjson")
row "searchlight --rate 0 --no-db" ndjson "$WORK/sl0.ndjson" "$w"
nodb=$w
# The same scan with storing on (the default), into a fresh database, then once more into it
# (every service seen again: the dedup path).
w=$(timed "$SL" scan "$TARGET" -p "$PORTS" --rate 0 -q --no-grab --db "$WORK/bench.db" --seed "$SEED" -o "$WORK/sl0db.ndjson")
row "searchlight stored, new db" ndjson "$WORK/sl0db.ndjson" "$w"
stored=$w
w=$(timed "$SL" scan "$TARGET" -p "$PORTS" --rate 0 -q --no-grab --db "$WORK/bench.db" --seed "$SEED" -o "$WORK/sl0db2.ndjson")
row "searchlight stored, rescan" ndjson "$WORK/sl0db2.ndjson" "$w"
restored=$w
echo "storing on: $(echo "scale=3; $nodb / $stored" | bc)x of --no-db's throughput (new db), $(echo "scale=3; $nodb / $restored" | bc)x (rescan)"

# The limiter: requested vs achieved rate, and the burstiest 10 ms window, from the wire.
tcpdump -i lo -n -B 65536 -s 64 -w "$WORK/syn.pcap" \
  "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst net $PREFIX.0.0/16" 2>"$WORK/tcpdump.log" &
TPID=$!
sleep 1
w=$(timed "$SL" scan "$TARGET" -p "$PORTS" --rate "$RATE" -q --no-grab --no-db --seed "$SEED" -o "$WORK/slr.ndjson")
sleep 0.5; kill "$TPID"; wait "$TPID" 2>/dev/null || true
row "searchlight --rate $RATE" ndjson "$WORK/slr.ndjson" "$w"
read -r syns span rate maxwin < <(/usr/bin/python3 bench/score.py windows "$WORK/syn.pcap" 10)
dropped=$(grep -oE '[0-9]+ packets dropped by kernel' "$WORK/tcpdump.log" || echo "? dropped")
ideal=$(( RATE / 100 ))
echo
echo "limiter: requested $RATE/s, achieved $rate/s on the wire ($syns SYNs in $span s; capture: $dropped),"
echo "         $(echo "$PAIRS / $w" | bc) probes/s end to end (start-up and the last timeouts included)"
echo "limiter: most connects started in any 10 ms window: $maxwin (ideal $ideal; the limiter grants at most rate*(10ms+2ms burst)+2 = $(( RATE * 12 / 1000 + 2 )))"
