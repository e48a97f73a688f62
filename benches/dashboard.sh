#!/usr/bin/env bash
# Dashboard benchmark (issue 11): GET /admin/status as staff with 300 simulated servers and
# 1 000 hackrooms, each room's meeting running with 3 people (one moderator, one webcam), first
# with every server healthy, then while one server answers only after 10 s (the latency fault;
# hallway's BBB timeout is 5 s, so every round waits on it until the deadline). The page reads
# the poll snapshot and never calls BBB, so both p99 must agree within ±20 %. Against the bare
# actix endpoint serving the very bytes hallway answered, in the same run. Then CPU and RSS of
# `hallway serve` while it polls the 300 servers every 10 s.
#
#   benches/dashboard.sh [SECONDS] [CPU_SECONDS] [CONNECTIONS]   # default 15 60 4
#
# CONNECTIONS is wrk's concurrency: 4 is a few staff screens refreshing at once; the render
# time of one page is what the 50 ms target is about, so more connections measure queueing on
# the machine's cores rather than the page. NO_BUILD=1 skips the release builds.
source "$(dirname "$0")/http/lib.sh"
source "$(dirname "$0")/poll_lib.sh"
secs=${1:-15}
cpu_secs=${2:-60}
servers=300
rooms=1000
conns=${3:-4}
build
echo "== dashboard, $servers servers, $rooms rooms, $(nproc) cores, wrk -t2 -c$conns -d${secs}s"
echo "   load before: $(uptime | sed 's/.*load average: //')"
start_sims "$servers" 0
write_many_config "$WORK/dash.toml" "sqlite://$WORK/dash.db" 32 10 "$rooms"
start_hallway "$WORK/dash.toml" dash
hw_pid=$HW_PID

# Every room's meeting, created on its server as hallway would name it (hallway-roomN) and
# filled through the simulator's control API; the next poll adopts them.
python3 - "$SECRET" "$rooms" <<PY
import hashlib, json, sys, urllib.parse, urllib.request
secret, rooms = sys.argv[1], int(sys.argv[2])
urls = """$SIM_URLS""".split()
def call(base, name, params):
    q = urllib.parse.urlencode(params)
    sum_ = hashlib.sha256((name + q + secret).encode()).hexdigest()
    with urllib.request.urlopen(f"{base}api/{name}?{q}&checksum={sum_}") as r:
        body = r.read().decode()
    assert "<returncode>SUCCESS" in body, body
for i in range(1, rooms + 1):
    base = urls[(i - 1) % len(urls)]
    mid = f"hallway-room{i}"
    call(base, "create", [("meetingID", mid), ("name", f"Room {i}")])
    origin = base.removesuffix("/bigbluebutton/")
    for j, (role, video) in enumerate([("MODERATOR", True), ("VIEWER", False), ("VIEWER", False)]):
        req = urllib.request.Request(
            f"{origin}/sim/meetings/{mid}/users",
            data=json.dumps({"fullName": f"Person {i}-{j}", "role": role, "video": video,
                             "voice": j == 1, "listenOnly": j == 2}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
print(f"created {rooms} meetings with 3 people each on {len(urls)} servers")
PY
next_rounds 1 >/dev/null
staff_login "$WORK/dash.toml"
curl -sf -H "Cookie: $STAFF_COOKIE" "$HW_URL/admin/status" >"$WORK/dash.html"
running=$(grep -c '<tr class="running' "$WORK/dash.html" || true)
[ "$running" -ge "$rooms" ] || { echo "the dashboard shows $running running rooms, not $rooms" >&2; exit 1; }
echo "dashboard: $(stat -c %s "$WORK/dash.html") bytes, $running running rooms"

healthy=$(METHOD=GET REQ_PATH=/admin/status COOKIE="$STAFF_COOKIE" run_wrk benches/http/wrk.lua "$HW_URL" "$conns" "$secs")

slow_origin=$(sim_origin "$(echo "$SIM_URLS" | sed -n 150p)")
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"latencyMs": 10000}' "$slow_origin/sim/faults" >/dev/null
# Wait for a round that waited on it (and failed it at the 5 s deadline).
for _ in $(seq 10); do
  read -r _ round_ms errs < <(next_rounds 1)
  [ "$errs" -ge 1 ] && break
done
[ "$errs" -ge 1 ] || { echo "no round saw the slow server fail" >&2; exit 1; }
echo "a round with s150 slow: $round_ms ms, $errs server(s) failing"
curl -sf -H "Cookie: $STAFF_COOKIE" "$HW_URL/admin/status" >"$WORK/dash-slow.html"
grep -q 'no answer within\|BBB timeout' "$WORK/dash-slow.html" || { echo "the dashboard does not show the slow server" >&2; exit 1; }
slow=$(METHOD=GET REQ_PATH=/admin/status COOKIE="$STAFF_COOKIE" run_wrk benches/http/wrk.lua "$HW_URL" "$conns" "$secs")
curl -sf -X DELETE "$slow_origin/sim/faults" >/dev/null

start_bare --page "$WORK/dash-slow.html"
bare=$(METHOD=GET REQ_PATH=/page COOKIE="$STAFF_COOKIE" run_wrk benches/http/wrk.lua "$BARE_URL" "$conns" "$secs")
stop "$BARE_PID"

# CPU and RSS while polling 300 servers every 10 s (nothing else asks hallway anything).
next_rounds 1 >/dev/null
clk=$(getconf CLK_TCK)
t0=$(cpu_ticks "$hw_pid"); s0=$(date +%s.%N)
sleep "$cpu_secs"
t1=$(cpu_ticks "$hw_pid"); s1=$(date +%s.%N)
read -r rss_mb hwm_mb < <(rss "$hw_pid")
sims_rss=$(rss "$SIMS_PID" | cut -d' ' -f1)

python3 - "$healthy" "$slow" "$bare" "$t0" "$t1" "$s0" "$s1" "$clk" "$rss_mb" "$hwm_mb" "$sims_rss" "$(stat -c %s "$WORK/dash-slow.html")" <<'PY'
import sys
healthy, slow, bare, t0, t1, s0, s1, clk, rss, hwm, sims_rss, size = sys.argv[1:]
def parse(line):
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}
h, s, b = parse(healthy), parse(slow), parse(bare)
errs = lambda r: int(r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"])
print(f"dashboard, all healthy : {h['rps']:7.0f} req/s  p50 {h['p50_ms']:6.2f} ms  p99 {h['p99_ms']:6.2f} ms  errors {errs(h)}")
print(f"dashboard, s150 10 s   : {s['rps']:7.0f} req/s  p50 {s['p50_ms']:6.2f} ms  p99 {s['p99_ms']:6.2f} ms  errors {errs(s)}")
print(f"bare page ({int(size)} B) : {b['rps']:7.0f} req/s  p50 {b['p50_ms']:6.2f} ms  p99 {b['p99_ms']:6.2f} ms  errors {errs(b)}")
print(f"slow / healthy         : p99 {s['p99_ms'] / h['p99_ms']:.2f}x  req/s {s['rps'] / h['rps']:.2f}x"
      f"  (target: p99 < 50 ms, within 0.80-1.20x)")
print(f"hallway / bare         : req/s {h['rps'] / b['rps']:.3f}x  p99 {h['p99_ms'] / b['p99_ms']:.1f}x")
cpu = (int(t1) - int(t0)) / int(clk) / (float(s1) - float(s0)) * 100
print(f"hallway serve polling 300 servers every 10 s: CPU {cpu:.1f} % of one core over "
      f"{float(s1) - float(s0):.0f} s, RSS {rss} MB (HWM {hwm} MB); the 300 sims: RSS {sims_rss} MB")
PY
echo "   load after: $(uptime | sed 's/.*load average: //')"
