#!/usr/bin/env bash
# Measures `npm start`: time until GET /health answers 200, resident memory (RSS) of every process it started, and
# that Ctrl-C (SIGINT to its process group, as a terminal sends it) leaves nothing behind.
#   local/measure-start.sh            (uses PORT, LAMBDA_PORT, PG_PORT, KAFKA_PORT, LOCAL_DATA_DIR if set)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-3000}
log=$(mktemp -t ledgerline-start-XXXXXX.log)

began=$(date +%s%N)
setsid npm start >"$log" 2>&1 </dev/null &
npm_pid=$!
status=000
while kill -0 "$npm_pid" 2>/dev/null; do
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/health" || true)
  [ "$status" = 200 ] && break
  sleep 0.1
done
echo "health $status after $((($(date +%s%N) - began) / 1000000)) ms"
grep -E '^\[local\]' "$log" || true
[ "$status" = 200 ] || { tail -30 "$log"; exit 1; }

tree=$npm_pid frontier=$npm_pid
while [ -n "$frontier" ]; do
  next=""
  for pid in $frontier; do next="$next $(pgrep -P "$pid" | tr '\n' ' ' || true)"; done
  frontier=$(echo $next)
  tree="$tree $frontier"
done
ps -o rss=,args= -p "$(echo $tree | tr ' ' ',')" |
  awk '{ total += $1; printf "%8d kB  %s\n", $1, substr($0, index($0, $2), 100) }
       END { printf "%8d kB  total RSS (%.0f MiB)\n", total, total / 1024 }'
# RSS counts pages shared between processes (PostgreSQL's backends, node's) once per process; PSS splits them.
if [ -r "/proc/$npm_pid/smaps_rollup" ]; then
  for pid in $tree; do awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true; done |
    awk '{ total += $1 } END { printf "%8d kB  total PSS (%.0f MiB)\n", total, total / 1024 }'
fi

stopped=$(date +%s%N)
kill -INT -- "-$npm_pid"
while kill -0 "$npm_pid" 2>/dev/null; do sleep 0.1; done
echo "stopped $((($(date +%s%N) - stopped) / 1000000)) ms after Ctrl-C"
sleep 1
left=$(ps -o pid=,args= -p "$(echo $tree | tr ' ' ',')" 2>/dev/null | grep -v '<defunct>' || true)
if [ -n "$left" ]; then echo "LEFT BEHIND:"; echo "$left"; exit 1; fi
echo "no process left behind (log: $log)"
