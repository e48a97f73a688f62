#!/usr/bin/env bash
# Instructions per request of the warm join and of the now page, counted by callgrind:
# deterministic even while other work loads the CPU, so it is the iteration metric for
# making the HTTP paths cheaper (wall-clock numbers come from join.sh and now_page.sh).
#
#   benches/profile.sh join|now|now-miss [COUNT]   # default 2000 requests; NO_BUILD=1 skips builds
#
# join: the warm join; now: GET / as one visitor (page cache hits); now-miss: GET /?at=… with
# a new instant per request, so every request renders.
#
# Starts one `hallway bbb-sim` and `hallway serve` under `valgrind --tool=callgrind`, warms
# up, zeroes the counters, sends COUNT requests over one keep-alive connection, dumps, and
# prints the total instructions / COUNT and the top functions (inclusive). The callgrind file
# stays in target/profile/ for callgrind_annotate or kcachegrind.
source "$(dirname "$0")/http/lib.sh"
what=${1:-join}
count=${2:-2000}
build
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
mkdir -p target/profile
out="$PWD/target/profile/callgrind.$what.out"
rm -f "$out"*
start_sim sim1
sim=$(sim_origin "$SIM_URL")
rooms='
[[rooms]]
slug = "hack1"
name = "Hackroom 1"
kind = "hack"
server = "sim1"'
if [ "$what" != join ]; then
  for r in $(seq 20); do
    rooms+="
[[rooms]]
slug = \"room$r\"
name = \"Room $r\"
kind = \"session\"
server = \"sim1\"
schedule_rooms = [\"Room $r\"]"
  done
fi
write_config "$WORK/hallway.toml" "sqlite://$WORK/bench.db" "$SIM_URL" "$rooms"
if [ "$what" != join ]; then
  python3 benches/http/gen_schedule.py 1000 20 >"$WORK/schedule.xml"
  "$HALLWAY" --config "$WORK/hallway.toml" schedule import "$WORK/schedule.xml" | tail -1
fi
WAIT_TICKS=1800 HW_WRAP="valgrind --tool=callgrind --callgrind-out-file=$out" \
  start_hallway "$WORK/hallway.toml" main
login "$HW_URL"
if [ "$what" = join ]; then
  read -r code location < <(post_join "$HW_URL" hack1)
  [ "$code" = 303 ] || { echo "warm-up join answered $code" >&2; exit 1; }
  curl -sfL -o /dev/null "$location"
  args=(POST /rooms/hack1/join "$count" 303 "$COOKIE" "$CSRF")
elif [ "$what" = now ]; then
  args=(GET / "$count" 200 "$COOKIE")
else
  args=(GET '/?at={at}' "$count" 200 "$COOKIE")
fi
python3 benches/http/requests.py "$HW_URL" "${args[0]}" "${args[1]}" 50 "${args[3]}" "${args[@]:4}"
callgrind_control -z "$HW_PID" >/dev/null
python3 benches/http/requests.py "$HW_URL" "${args[@]}"
callgrind_control -d "$HW_PID" >/dev/null
dump=$(ls -t "$out".* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
echo "== $what: $total instructions for $count requests: $((total / count)) per request"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | sed -n '/file:function/,$p' | head -60
echo "callgrind file: $dump"
