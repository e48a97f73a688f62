#!/usr/bin/env bash
# Cold-storm benchmark (issue 8): 2 000 joins within 2 s to one hackroom whose meeting does not
# exist yet, with the simulator's create latency at 500 ms (a fault scoped to create). Reports
# the creates the simulator counted (target: exactly 1), errors (target 0) and p99 (target
# < 1.5 s); then the same against two `hallway serve` instances on one PostgreSQL database
# (creates across both instances, target 1).
#
#   benches/cold_storm.sh [COUNT] [WINDOW_SECONDS]     # default 2000 2; NO_BUILD=1 skips builds
#   PG_URL=postgres://postgres@127.0.0.1:5432 (default; a throwaway database per run)
#
# The client is benches/http/storm.py (each join on its own connection at its planned time).
source "$(dirname "$0")/http/lib.sh"
count=${1:-2000}
window=${2:-2}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
build
rooms='
[[rooms]]
slug = "storm"
name = "Storm room"
kind = "hack"
server = "sim1"'

# storm ORIGIN BASE...: resets the sim's counters, sets create latency, runs the storm, prints
# the client's JSON and the sim's counters.
storm() {
  local sim=$1; shift
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' \
    -d '{"latencyMs": 500, "calls": ["create"]}' "$sim/sim/faults"
  sim_reset "$sim"
  python3 benches/http/storm.py "$count" "$window" /rooms/storm/join "$COOKIE" "$CSRF" "$@" >"$WORK/storm.json"
  sim_calls "$sim" >"$WORK/calls.json"
  curl -sf -o /dev/null -X DELETE "$sim/sim/faults"
  python3 - "$WORK/storm.json" "$WORK/calls.json" <<'PY'
import json, sys
s, c = (json.load(open(f)) for f in sys.argv[1:])
print(f"  joins sent {s['sent']} in {s['send_window_s']} s (worst send lag {s['worst_send_lag_ms']} ms)")
print(f"  ok {s['ok']}, errors {sum(s['errors'].values())} {json.dumps(s['errors'])}")
print(f"  latency p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms")
print(f"  creates counted on the sim: {c['calls'].get('create', 0)}; all BBB calls {json.dumps(c['calls'])}")
PY
}

echo "== cold storm: $count joins in $window s, create latency 500 ms, $(nproc) cores"
echo "-- one instance (SQLite)"
start_sim sim1
sim=$(sim_origin "$SIM_URL")
write_config "$WORK/one.toml" "sqlite://$WORK/one.db" "$SIM_URL" "$rooms"
start_hallway "$WORK/one.toml" one
login "$HW_URL"
storm "$sim" "$HW_URL"

echo "-- two instances on one PostgreSQL database"
db="hallway_bench_storm_$$"
psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
trap 'cleanup; psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
start_sim sim2
sim=$(sim_origin "$SIM_URL")
write_config "$WORK/pg.toml" "$pg/$db" "$SIM_URL" "$rooms"
start_hallway "$WORK/pg.toml" pg-a
a=$HW_URL
start_hallway "$WORK/pg.toml" pg-b
b=$HW_URL
# One session key: the guest logged in on A is logged in on B too.
login "$a"
storm "$sim" "$a" "$b"
