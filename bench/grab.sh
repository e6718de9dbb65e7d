#!/usr/bin/env bash
# Grab benchmark, in one run (prints figures; never passes or fails on time):
#   1. completed grabs per second against real redis-server and nginx instances on loopback
#      (nginx listening on NGINX_HOSTS addresses, REDIS_INSTANCES redis servers with 16 binds
#      each), for searchlight and for nmap -sV on exactly the same targets;
#   2. 5,000 connections held by a tarpit: the peak in-flight count actually reached, and the
#      scanner's peak RSS per connection;
#   3. the connections and time it takes to identify a service on a port that is not its own,
#      with the shared first GET / and with --no-shared-get (bench/unknown_port.py).
# Traffic goes only to 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
NGINX_HOSTS=${NGINX_HOSTS:-192}
REDIS_INSTANCES=${REDIS_INSTANCES:-4}
TARPIT=${TARPIT:-5000}

scripts/setup
scripts/build release >/dev/null
SL=$PWD/build/release/src/app/searchlight
WORK=$(mktemp -d /tmp/sl_grab_bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# nginx on 127.0.50.{1..N}:80, a plain page
mkdir -p "$WORK/www" "$WORK/tmp"
echo '<html><head><title>bench</title></head><body>bench</body></html>' >"$WORK/www/index.html"
{
  echo "daemon off; master_process off; worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx.err;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp; uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;"
  echo "  server {"
  for h in $(seq 1 "$NGINX_HOSTS"); do echo "    listen 127.0.50.$h:80;"; done
  echo "    root $WORK/www; } }"
} >"$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)
# redis: each instance binds 16 addresses on 127.0.51.x, port 6379, no password
for i in $(seq 0 $((REDIS_INSTANCES - 1))); do
  binds=""; for j in $(seq 1 16); do binds+=" 127.0.51.$((i * 16 + j))"; done
  mkdir -p "$WORK/redis$i"
  redis-server --bind $binds --port 6379 --save '' --dir "$WORK/redis$i" --protected-mode no >/dev/null & PIDS+=($!)
done
sleep 1
for h in $(seq 1 "$NGINX_HOSTS"); do echo "127.0.50.$h"; done >"$WORK/targets.txt"
for k in $(seq 1 $((REDIS_INSTANCES * 16))); do echo "127.0.51.$k"; done >>"$WORK/targets.txt"
NT=$(wc -l <"$WORK/targets.txt")

echo "bench: $NT hosts (nginx on 80 x $NGINX_HOSTS, redis on 6379 x $((REDIS_INSTANCES * 16))), ports 80,6379; $(nproc) cores"
t0=$(date +%s.%N)
"$SL" scan -iL "$WORK/targets.txt" -p 80,6379 --rate 0 -q --no-db --format ndjson >"$WORK/sl.ndjson"
t1=$(date +%s.%N)
sl_s=$(echo "$t1 - $t0" | bc -l)
sl_grabs=$(grep -c '"type":"service"' "$WORK/sl.ndjson")
sl_ok=$(grep '"type":"service"' "$WORK/sl.ndjson" | grep -c '"status":"ok"' || true)
t0=$(date +%s.%N)
nmap -n -Pn -sV -T4 -p 80,6379 -iL "$WORK/targets.txt" -oG "$WORK/nmap.txt" >/dev/null
t1=$(date +%s.%N)
nm_s=$(echo "$t1 - $t0" | bc -l)
nm_grabs=$(grep -o '[0-9]*/open/tcp//[a-z]' "$WORK/nmap.txt" | wc -l)
printf '%-22s %7s %9s %10s\n' tool grabs wall_s grabs/s
printf '%-22s %7d %9.2f %10.1f   (%d with status ok)\n' "searchlight" "$sl_grabs" "$sl_s" "$(echo "$sl_grabs / $sl_s" | bc -l)" "$sl_ok"
printf '%-22s %7d %9.2f %10.1f\n' "nmap -sV -T4" "$nm_grabs" "$nm_s" "$(echo "$nm_grabs / $nm_s" | bc -l)"
echo "ratio: searchlight grabs/s = $(echo "($sl_grabs / $sl_s) / ($nm_grabs / $nm_s)" | bc -l | xargs printf '%.1f')x nmap -sV"

# The tarpit: TARPIT silent ports over 50 addresses (100 each by default: under the per-host
# grab budget of 128 sessions, so every connection is really held), every connection silent.
TARPIT_HOSTS=50
PER_HOST=$((TARPIT / TARPIT_HOSTS))
exec 3> >(python3 bench/tarpit.py 127.0.52.1 40000 $((40000 + PER_HOST - 1)) "$TARPIT_HOSTS" >"$WORK/tarpit.out")
sleep 1
until grep -q ready "$WORK/tarpit.out" 2>/dev/null; do sleep 0.5; done
/usr/bin/time -f "%M" -o "$WORK/rss1" "$SL" scan 127.0.52.1 -p 40000 --rate 0 -q --no-db --greeting-wait 5s \
  --idle-timeout 5s --format ndjson >/dev/null
/usr/bin/time -f "%M" -o "$WORK/rssN" "$SL" scan 127.0.52.1-127.0.52.$TARPIT_HOSTS -p 40000-$((40000 + PER_HOST - 1)) --rate 0 -q --no-db \
  --greeting-wait 5s --idle-timeout 5s --max-inflight "$TARPIT" --format ndjson >"$WORK/tarpit.ndjson"
exec 3>&-
sleep 1
peak=$(tail -n1 "$WORK/tarpit.out")
r1=$(cat "$WORK/rss1"); rN=$(cat "$WORK/rssN")
timeouts=$(grep -c '"status":"io-timeout"' "$WORK/tarpit.ndjson" || true)
echo
echo "tarpit: $((PER_HOST * TARPIT_HOSTS)) silent ports on $TARPIT_HOSTS addresses; peak connections held at once: $peak; io-timeout records: $timeouts"
echo "tarpit: scanner peak RSS $rN KiB vs $r1 KiB for one target: $(( (rN - r1) * 1024 / (peak > 0 ? peak : 1) )) bytes per connection (goal < 65536)"

# 3. The cost of identifying an unknown port: real servers on free ports behind a counting
# forwarder, with the shared first GET / and without it (--no-shared-get).
echo
SEARCHLIGHT="$SL" python3 bench/unknown_port.py 3
