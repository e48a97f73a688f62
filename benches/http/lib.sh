# Shared helpers of the HTTP benchmarks (join.sh, cold_storm.sh, now_page.sh); sourced, not run.
#
# Why one file: every benchmark starts the same things (simulated BBB servers, hallway with a
# bench configuration, the bare actix baseline), logs a guest in the same way and must stop
# exactly the processes it started. Everything binds 127.0.0.1 only; ports are port 0 where
# the program reports the bound port (bbb-sim, hallway) and a fresh free port for the baseline.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HALLWAY=${HALLWAY:-target/release/hallway}
BARE=${BARE:-target/release/hallway-bench-bare}
SECRET=bench-secret-0123456789abcdef0123456789
SESSION_KEY=bench-session-key-0123456789abcdef0123456789abcdef0123456789abcdef
# Only what the scripts parse: the "hallway is serving" line. Request logging at info would
# cost hallway CPU the baseline does not spend.
export RUST_LOG=${RUST_LOG:-warn,hallway::cli=info}
WORK=$(mktemp -d)
PIDS=()

# load: the machine's load averages, printed at the start and end of every benchmark, because
# other work on the cores moves hallway's numbers and, less, the ratios.
load() { echo "load average (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"; }

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap 'load; cleanup' EXIT

build() {
  if [ "${NO_BUILD:-}" != 1 ]; then
    cargo build --release --bin hallway
    cargo build --release --manifest-path benches/bare/Cargo.toml --target-dir target
  fi
  for f in "$HALLWAY" "$BARE"; do [ -x "$f" ] || { echo "missing $f" >&2; exit 1; }; done
  command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)" >&2; exit 1; }
  load
}

# wait_for FILE REGEX: prints the first match of REGEX in FILE (colour codes stripped), waiting
# up to 30 s (WAIT_TICKS tenths of a second).
wait_for() {
  local i m
  for i in $(seq "${WAIT_TICKS:-300}"); do
    m=$(sed 's/\x1b\[[0-9;]*m//g' "$1" 2>/dev/null | grep -oE "$2" | head -1 || true)
    if [ -n "$m" ]; then echo "$m"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for /$2/ in $1:" >&2; cat "$1" >&2; exit 1
}

# start_sim NAME: a `hallway bbb-sim` on port 0; sets SIM_URL (…/bigbluebutton/) and SIM_PID.
start_sim() {
  local log="$WORK/sim-$1.log"
  "$HALLWAY" bbb-sim --listen 127.0.0.1:0 --secret "$SECRET" --name "$1" >"$log" 2>&1 &
  SIM_PID=$!; PIDS+=("$SIM_PID")
  SIM_URL=$(wait_for "$log" 'http://127\.0\.0\.1:[0-9]+/bigbluebutton/')
}

# sim_origin URL: http://127.0.0.1:PORT of a sim base URL.
sim_origin() { echo "${1%/bigbluebutton/}"; }

# write_config FILE DB_URL SIM_URL ROOMS_TOML: a bench configuration, one server "sim1".
write_config() {
  cat >"$1" <<TOML
[server]
listen = "127.0.0.1:0"
session_key = "$SESSION_KEY"

[database]
url = "$2"

[conference]
name = "Bench conference"
time_zone = "UTC"

[auth]
# The benchmarks log in as guests, many from one address.
guests = true

[bbb]
poll_interval_secs = 10
timeout_secs = 5
connect_timeout_secs = 2

[[bbb.servers]]
name = "sim1"
url = "$3"
secret = "$SECRET"
checksum = "sha256"
version = "3.0"

$4
TOML
}

# start_hallway CONFIG NAME: `hallway serve`; sets HW_URL (no trailing slash) and HW_PID.
start_hallway() {
  local log="$WORK/hallway-$2.log"
  # HW_WRAP: a command to run hallway under (benches/profile.sh: valgrind --tool=callgrind).
  ${HW_WRAP:-} "$HALLWAY" --config "$1" serve >"$log" 2>&1 &
  HW_PID=$!; PIDS+=("$HW_PID")
  local port
  port=$(wait_for "$log" 'hallway is serving port=[0-9]+' | grep -oE '[0-9]+$')
  HW_URL="http://127.0.0.1:$port"
}

# jar_cookie JAR: the Cookie header of every hallway cookie in curl's cookie jar JAR.
jar_cookie() {
  awk '$6 ~ /^hallway_/ { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$1"
}

# login BASE: logs a guest in (GET /login for the CSRF token and cookie, POST /login/guest);
# sets COOKIE (the Cookie header: hallway_login and, if set, hallway_session) and CSRF (the logged-in session's token).
login() {
  local jar="$WORK/jar-$$-$RANDOM" csrf code
  csrf=$(curl -sf -c "$jar" -b "$jar" "$1/login" | grep -oE 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
    --data-urlencode "csrf=$csrf" --data-urlencode "name=Bench Guest" "$1/login/guest")
  [ "$code" = 303 ] || { echo "guest login answered $code" >&2; exit 1; }
  CSRF=$(curl -sf -c "$jar" -b "$jar" "$1/login" | grep -oE 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  COOKIE=$(jar_cookie "$jar")
  [ -n "$COOKIE" ] && [ -n "$CSRF" ] || { echo "login gave no cookie or token" >&2; exit 1; }
}

# post_join BASE SLUG: one join as the logged-in guest; prints "STATUS LOCATION".
post_join() {
  curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' -H "Cookie: $COOKIE" \
    --data-urlencode "csrf=$CSRF" "$1/rooms/$2/join"
}

# free_port: a port the kernel hands out now (the bare server takes a port argument).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_bare [--page FILE]: the baseline; sets BARE_URL and BARE_PID.
start_bare() {
  local port log="$WORK/bare.log"
  port=$(free_port)
  "$BARE" "$port" "$@" >"$log" 2>&1 &
  BARE_PID=$!; PIDS+=("$BARE_PID")
  wait_for "$log" 'bare listening' >/dev/null
  BARE_URL="http://127.0.0.1:$port"
}

# sim_calls ORIGIN: the sim's call counters as compact JSON.
sim_calls() { curl -sf "$1/sim/stats"; }
sim_reset() { curl -sf -X POST "$1/sim/stats/reset"; }

# rss PID: "VmRSS VmHWM" in MB.
rss() {
  awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' "/proc/$1/status"
}

# run_wrk LUA URL CONNECTIONS SECONDS: wrk with the given script; prints its RESULT line.
run_wrk() {
  wrk -t2 -c"$3" -d"$4"s --latency -s "$1" "$2" >"$WORK/wrk.out" 2>&1 || { cat "$WORK/wrk.out" >&2; exit 1; }
  cat "$WORK/wrk.out" >&2
  grep '^RESULT' "$WORK/wrk.out"
}

# field LINE NAME: the value of NAME=… in a RESULT line.
field() { echo "$1" | grep -oE "(^| )$2=[^ ]+" | cut -d= -f2; }
