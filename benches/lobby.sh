#!/usr/bin/env bash
# Lobby fan-out benchmark (issue 12): N (default 2 000) lobby pages wait on one room's
# server-sent-event stream (GET /rooms/{slug}/events?lobby=1, as a logged-in guest); a moderator
# joins; the time until every stream has its `event: started`. The baseline is the bare actix
# server's GET /events + POST /start (one broadcast receiver per stream, one send), measured
# in the same run with the same client. Times run from just before the trigger (the moderator's
# join, or the bare POST /start, each one curl process) to each stream's event. Also the BBB calls the simulator counted while the
# pages waited (target 0).
#
#   benches/lobby.sh [CLIENTS]       # default 2000; NO_BUILD=1 skips the release builds
#
# Starts: one `hallway bbb-sim`, one `hallway serve` (SQLite in a temp dir, one hackroom on
# the sim whose kind starts with a moderator), the bare baseline; all on 127.0.0.1, all
# stopped at exit.
source "$(dirname "$0")/http/lib.sh"
clients=${1:-2000}
build
[ "$(ulimit -n)" -gt $((clients * 2 + 100)) ] || ulimit -n $((clients * 2 + 1000))
echo "== lobby fan-out, $(nproc) cores, $clients event streams"

start_sim sim1
sim=$(sim_origin "$SIM_URL")
write_config "$WORK/hallway.toml" "sqlite://$WORK/bench.db" "$SIM_URL" '
[lobby.start]
hack = "moderator"

[[rooms]]
slug = "hack1"
name = "Hackroom 1"
kind = "hack"
server = "sim1"'
start_hallway "$WORK/hallway.toml" main
login "$HW_URL"
read -r code location < <(post_join "$HW_URL" hack1)
[ "$code" = 303 ] && [[ "$location" == "$HW_URL/rooms/hack1/lobby"* ]] ||
  { echo "a guest's join answered $code $location, not the lobby" >&2; exit 1; }
meeting=$(curl -sf -H "Cookie: $COOKIE" "$location" | grep -oE 'data-meeting="[^"]*"' | head -1 | sed 's/.*="//; s/"$//')

# The moderator: a one-time admin link, logged in with curl's own jar.
mod_jar="$WORK/moderator.jar"
link=$("$HALLWAY" --config "$WORK/hallway.toml" admin-link --name "Bench Moderator" | grep -oE '/login/admin/[^ ]+')
mod_csrf=$(curl -sf -c "$mod_jar" -b "$mod_jar" "$HW_URL$link" | grep -oE 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -sf -o /dev/null -c "$mod_jar" -b "$mod_jar" --data-urlencode "csrf=$mod_csrf" "$HW_URL$link"
mod_csrf=$(curl -sf -c "$mod_jar" -b "$mod_jar" "$HW_URL/login" | grep -oE 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')

sim_reset "$sim"
hw=$(python3 benches/http/fanout.py "$HW_URL/rooms/hack1/events?lobby=1&meeting=$meeting" "$clients" "$COOKIE" \
  "curl -sf -o /dev/null -w '%{redirect_url}' -b '$mod_jar' --data-urlencode 'csrf=$mod_csrf' '$HW_URL/rooms/hack1/join' | grep -q role=MODERATOR")
calls=$(sim_calls "$sim")

start_bare
bare=$(python3 benches/http/fanout.py "$BARE_URL/events" "$clients" "" "curl -sf -o /dev/null -X POST '$BARE_URL/start'")

python3 - "$hw" "$bare" "$calls" <<'PY'
import json, sys
hw, bare, calls = sys.argv[1:]
parse = lambda line: {k: float(v) for k, v in (f.split("=") for f in line.split())}
h, b = parse(hw), parse(bare)
c = json.loads(calls)
for name, r in (("hallway lobby", h), ("bare broadcast", b)):
    print(f"{name:15}: {int(r['heard'])}/{int(r['clients'])} heard; p50 {r['p50_ms']:7.1f} ms  "
          f"p99 {r['p99_ms']:7.1f} ms  last {r['last_ms']:7.1f} ms  (streams opened in {r['connected_s']:.2f} s)")
print(f"ratio (last)   : {h['last_ms'] / b['last_ms']:.2f}x")
print(f"BBB calls on the sim from the start of waiting to the last event: {c['total']} {json.dumps(c['calls'])}"
      " (the moderator's join creates the meeting: 1 create; the waiting pages: none)")
PY
