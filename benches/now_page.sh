#!/usr/bin/env bash
# Now-page benchmark: GET / (logged-in guest) with a generated 1 000-session schedule in 20
# rooms around the current time, 64 connections, against the bare actix endpoint serving the
# very bytes hallway answered (same size), measured in the same run. Every request is the same
# visitor's, so after the first render of each minute hallway answers from its page cache
# (src/web/page_cache.rs); wrk sends no If-None-Match, so every answer is a full 200.
#
#   benches/now_page.sh [SECONDS] [SESSIONS]     # default 15 1000; NO_BUILD=1 skips builds
source "$(dirname "$0")/http/lib.sh"
secs=${1:-15}
sessions=${2:-1000}
rooms=20
build
echo "== now page, $sessions sessions in $rooms rooms, $(nproc) cores, wrk -t2 -c64 -d${secs}s"
start_sim sim1
room_toml=""
for r in $(seq "$rooms"); do
  room_toml+="
[[rooms]]
slug = \"room$r\"
name = \"Room $r\"
kind = \"session\"
server = \"sim1\"
schedule_rooms = [\"Room $r\"]"
done
write_config "$WORK/hallway.toml" "sqlite://$WORK/bench.db" "$SIM_URL" "$room_toml"
python3 benches/http/gen_schedule.py "$sessions" "$rooms" >"$WORK/schedule.xml"
"$HALLWAY" --config "$WORK/hallway.toml" schedule import "$WORK/schedule.xml" | tail -1
start_hallway "$WORK/hallway.toml" main
login "$HW_URL"
curl -sf -H "Cookie: $COOKIE" "$HW_URL/" >"$WORK/now.html"
bytes=$(stat -c %s "$WORK/now.html")
grep -q "Session " "$WORK/now.html" || { echo "the now page shows no session" >&2; exit 1; }
echo "now page: $bytes bytes, $(grep -o 'Session [0-9]*:' "$WORK/now.html" | sort -u | wc -l) sessions on it"
# The conditional GET: the page's ETag answers 304 (within the same minute).
etag=$(curl -sf -D - -o /dev/null -H "Cookie: $COOKIE" "$HW_URL/" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
[ -n "$etag" ] || { echo "the now page has no ETag" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "If-None-Match: $etag" "$HW_URL/")
echo "conditional GET with its ETag $etag: $code"

hw=$(METHOD=GET REQ_PATH=/ COOKIE="$COOKIE" run_wrk benches/http/wrk.lua "$HW_URL" 64 "$secs")
# The same page at a new instant every request (?at=, within the schedule): every one renders.
miss=$(AT0=$(($(date +%s) - 3600)) COOKIE="$COOKIE" run_wrk benches/http/wrk_miss.lua "$HW_URL" 64 "$secs")
start_bare --page "$WORK/now.html"
bare=$(METHOD=GET REQ_PATH=/page COOKIE="$COOKIE" run_wrk benches/http/wrk.lua "$BARE_URL" 64 "$secs")
python3 - "$hw" "$bare" "$miss" <<'PY'
import sys
def parse(line):
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}
h, b, m = (parse(a) for a in sys.argv[1:])
errs = lambda r: int(r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"])
print(f"hallway GET /     : {h['rps']:8.0f} req/s  p99 {h['p99_ms']:7.2f} ms  errors {errs(h)}")
print(f"bare GET /page    : {b['rps']:8.0f} req/s  p99 {b['p99_ms']:7.2f} ms  errors {errs(b)}")
print(f"ratio             : {h['rps'] / b['rps']:.3f}x req/s  p99 {h['p99_ms'] / b['p99_ms']:.1f}x")
print(f"uncached (?at=new): {m['rps']:8.0f} req/s  p99 {m['p99_ms']:7.2f} ms  errors {errs(m)}"
      f"  ({m['rps'] / b['rps']:.3f}x bare: every request renders)")
PY
