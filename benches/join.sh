#!/usr/bin/env bash
# Warm-join benchmark (issue 8): POST /rooms/{slug}/join to a running hackroom with a logged-in
# guest's cookie and CSRF token, 256 connections, against the bare actix 303 endpoint measured
# in the same run. Also the BBB calls the simulator counted during the run and the RSS of
# `hallway serve` idle and under load.
#
#   benches/join.sh [SECONDS] [ROUNDS]   # default 15 s per run, 3 rounds; NO_BUILD=1 skips builds
#
# The machine's speed drifts by tens of percent within minutes (shared cores), so hallway and
# the baseline are measured in alternating runs (hallway, bare, hallway, bare, …), each pair a
# few seconds apart, and the report gives every pair's ratio and their median.
#
# Starts: one `hallway bbb-sim`, one `hallway serve` (SQLite in a temp dir, one hackroom on
# the sim), the bare baseline; all on 127.0.0.1, all stopped at exit.
source "$(dirname "$0")/http/lib.sh"
secs=${1:-15}
rounds=${2:-3}
# Each round logs in anew (below): with a build before server-side logins (a88f1f9 and
# earlier), a round must end before its cookie is a minute old.
[ "$secs" -lt 60 ] || { echo "rounds must be shorter than 60 s (got $secs)" >&2; exit 1; }
build
echo "== warm join, $(nproc) cores, wrk -t2 -c256 -d${secs}s, $rounds alternating rounds"

start_sim sim1
sim=$(sim_origin "$SIM_URL")
write_config "$WORK/hallway.toml" "sqlite://$WORK/bench.db" "$SIM_URL" '
[[rooms]]
slug = "hack1"
name = "Hackroom 1"
kind = "hack"
server = "sim1"'
start_hallway "$WORK/hallway.toml" main
hw_pid=$HW_PID
login "$HW_URL"

# Warm up: the first join creates the meeting; opening the join URL connects the bench guest,
# so the meeting is running when the measurement starts.
read -r code location < <(post_join "$HW_URL" hack1)
[ "$code" = 303 ] && [[ "$location" == "$sim"/bigbluebutton/api/join* ]] ||
  { echo "warm-up join answered $code $location" >&2; exit 1; }
curl -sfL -o /dev/null "$location"
running=$(curl -sf "$sim/sim/state" | python3 -c 'import json,sys; m=[m for m in json.load(sys.stdin)["meetings"] if m["meetingID"].endswith("hack1")]; print(m[0]["running"] if m else False)')
[ "$running" = True ] || { echo "hack1 is not running on the sim" >&2; exit 1; }
sleep 1
read -r rss_idle hwm_idle < <(rss "$hw_pid")

start_bare
sim_reset "$sim"
( sleep "$((secs / 2))"; rss "$hw_pid" >"$WORK/rss-load" ) &
rss_job=$!
: >"$WORK/pairs"
for round in $(seq "$rounds"); do
  # Every round joins with a cookie from a login just before it. Builds before server-side
  # logins refreshed the session's last-seen instant in the cookie once a minute; wrk replays
  # one cookie, so a cookie over a minute old was re-encrypted and sent back in a Set-Cookie
  # on every request. Since then the refresh is the server's (no Set-Cookie); the login per
  # round keeps runs of old and new builds alike.
  login "$HW_URL"
  hw=$(METHOD=POST REQ_PATH=/rooms/hack1/join COOKIE="$COOKIE" CSRF="$CSRF" \
    run_wrk benches/http/wrk.lua "$HW_URL" 256 "$secs")
  bare=$(METHOD=POST REQ_PATH=/join COOKIE="$COOKIE" CSRF="$CSRF" \
    run_wrk benches/http/wrk.lua "$BARE_URL" 256 "$secs")
  echo "$hw|$bare" >>"$WORK/pairs"
done
wait "$rss_job"
calls=$(sim_calls "$sim")
read -r rss_load _ <"$WORK/rss-load"
read -r _ hwm_load < <(rss "$hw_pid")
# Still a real join after the run (not a redirect to /login or an error page).
read -r code location < <(post_join "$HW_URL" hack1)
[ "$code" = 303 ] && [[ "$location" == "$sim"/bigbluebutton/api/join* ]] ||
  { echo "join after the run answered $code $location" >&2; exit 1; }

python3 - "$WORK/pairs" "$calls" "$rss_idle" "$hwm_idle" "$rss_load" "$hwm_load" <<'PY'
import json, statistics, sys
pairs_file, calls, rss_idle, hwm_idle, rss_load, hwm_load = sys.argv[1:]
def parse(line):
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}
KINDS = ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
def errs(r):
    # The total, and which kinds when there are any (a non-2xx/3xx answer is not a socket error).
    n = int(sum(r[k] for k in KINDS))
    kinds = ", ".join(f"{k} {int(r[k])}" for k in KINDS if r[k])
    return f"{n} ({kinds})" if n else "0"
pairs = [tuple(parse(x) for x in l.strip().split("|")) for l in open(pairs_file) if l.strip()]
ratios = []
for i, (h, b) in enumerate(pairs, 1):
    ratios.append(h["rps"] / b["rps"])
    print(f"round {i}: hallway {h['rps']:8.0f} req/s p99 {h['p99_ms']:6.2f} ms errors {errs(h)}"
          f" | bare {b['rps']:8.0f} req/s p99 {b['p99_ms']:6.2f} ms errors {errs(b)}"
          f" | ratio {ratios[-1]:.3f}x")
requests = sum(h["requests"] for h, _ in pairs)
c = json.loads(calls)
# The status poller (getMeetings) and the recordings loop (getRecordings) run on their own
# timers whatever the joins do; everything else would be a join's doing.
join_path = {k: v for k, v in c["calls"].items() if k not in ("getMeetings", "getRecordings")}
print(f"ratio (median of {len(ratios)} rounds): {statistics.median(ratios):.3f}x req/s"
      f"  (min {min(ratios):.3f}, max {max(ratios):.3f})")
print(f"hallway p99, worst round: {max(h['p99_ms'] for h, _ in pairs):.2f} ms;"
      f" errors {int(sum(h[k] for h, _ in pairs for k in KINDS))} in {int(requests)} joins")
print(f"BBB calls on the sim during the hallway runs: total {c['total']} {json.dumps(c['calls'])};"
      f" join-path calls (all but the background loops' getMeetings and getRecordings): {sum(join_path.values())}"
      f" ({sum(join_path.values()) / requests:.4f} per join)")
print(f"hallway serve RSS : idle {rss_idle} MB (HWM {hwm_idle} MB); under load {rss_load} MB (HWM {hwm_load} MB)")
PY
