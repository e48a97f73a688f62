# Shared helpers of the operations benchmarks (poll.sh, dashboard.sh); sourced after
# benches/http/lib.sh, not run. Many simulated servers in ONE `hallway bbb-sim --count N`
# process (one port each), a configuration with N servers and M hackrooms, the status JSON
# read with the status.api_token, a staff login through `hallway admin-link`, and CPU/RSS of
# a process from /proc. Everything on 127.0.0.1; every process is stopped at exit (lib.sh).

STATUS_TOKEN=bench-status-token-0123456789abcdef

# start_sims N LATENCY_MS: one bbb-sim process with N servers s1…sN; sets SIMS_PID and SIM_URLS
# (one base URL per line, in order).
start_sims() {
  local log="$WORK/sims.log" i
  "$HALLWAY" bbb-sim --listen 127.0.0.1:0 --secret "$SECRET" --name s --count "$1" \
    --latency-ms "$2" >"$log" 2>"$WORK/sims.err" &
  SIMS_PID=$!; PIDS+=("$SIMS_PID")
  for i in $(seq 600); do
    [ "$(grep -c 'listening on' "$log" || true)" -ge "$1" ] && break
    sleep 0.1
  done
  [ "$(grep -c 'listening on' "$log" || true)" -ge "$1" ] ||
    { echo "bbb-sim did not start $1 servers" >&2; cat "$WORK/sims.err" >&2; exit 1; }
  SIM_URLS=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/bigbluebutton/' "$log")
}

# write_many_config FILE DB_URL CONCURRENCY POLL_SECS ROOMS: N servers (SIM_URLS), ROOMS
# hackrooms room1… pinned round-robin, the status token.
write_many_config() {
  local file=$1 n i url
  cat >"$file" <<TOML
[server]
listen = "127.0.0.1:0"
session_key = "$SESSION_KEY"

[database]
url = "$2"

[conference]
name = "Bench conference"
time_zone = "UTC"

[auth]
guests = true

[status]
poll_concurrency = $3
api_token = "$STATUS_TOKEN"

[bbb]
poll_interval_secs = $4
timeout_secs = 5
connect_timeout_secs = 2
TOML
  i=0
  while read -r url; do
    i=$((i + 1))
    printf '\n[[bbb.servers]]\nname = "s%d"\nurl = "%s"\nsecret = "%s"\nchecksum = "sha256"\nversion = "3.0"\n' \
      "$i" "$url" "$SECRET" >>"$file"
  done <<<"$SIM_URLS"
  n=$i
  for i in $(seq "$5"); do
    printf '\n[[rooms]]\nslug = "room%d"\nname = "Room %d"\nkind = "hack"\nserver = "s%d"\n' \
      "$i" "$i" "$(( (i - 1) % n + 1 ))" >>"$file"
  done
}

# status_json: GET /api/v1/status with the token.
status_json() {
  curl -sf -H "Authorization: Bearer $STATUS_TOKEN" "$HW_URL/api/v1/status"
}

# next_rounds K: waits for K more finished poll rounds; prints "polled_at round_ms errors"
# per round (errors = servers whose last poll failed).
next_rounds() {
  local want=$1 seen="" line got=0 i
  seen=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("polled_at") or "none")')
  for i in $(seq 3000); do
    line=$(status_json | python3 -c '
import json, sys
d = json.load(sys.stdin)
errs = sum(1 for s in d["servers"] if s.get("error"))
print(d.get("polled_at") or "none", d["round_ms"], errs)') || line="none"
    set -- $line
    if [ "$1" != none ] && [ "$1" != "$seen" ]; then
      echo "$line"; seen=$1; got=$((got + 1))
      [ "$got" -ge "$want" ] && return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for poll rounds" >&2; exit 1
}

# staff_login CONFIG: a one-time admin link from the CLI, redeemed; sets STAFF_COOKIE.
staff_login() {
  local jar="$WORK/staff-jar" link csrf code
  link=$("$HALLWAY" --config "$1" admin-link 2>/dev/null | sed -n 's/^admin: //p')
  # The link is printed with the configured public URL; ask the running instance instead.
  link="$HW_URL/login/admin/${link##*/login/admin/}"
  csrf=$(curl -sf -c "$jar" -b "$jar" "$link" | grep -oE 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" "$link")
  [ "$code" = 303 ] || { echo "admin login answered $code" >&2; exit 1; }
  STAFF_COOKIE=$(jar_cookie "$jar")
  [ -n "$STAFF_COOKIE" ] || { echo "admin login gave no cookie" >&2; exit 1; }
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# stop PID…: stops these processes now (they stay in PIDS; cleanup ignores dead ones).
stop() {
  local p
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
