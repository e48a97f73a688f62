#!/usr/bin/env bash
# Poll-round benchmark (issue 11): one status round over 30 and 300 simulated BBB servers that
# each answer after 200 ms (the simulator's latency fault), at poll_concurrency 32 (the old
# default) and 64 (the default). The ideal round is 200 ms × ⌈servers / concurrency⌉ (every
# call waits its latency, `concurrency` at a time); the ratio measured / ideal is what hallway's own overhead
# and the machine add. Rounds are read from GET /api/v1/status (round_ms, wall time of the
# round); the first round after start is skipped (cold connection pool).
#
#   benches/poll.sh [ROUNDS]        # default 5 rounds per case; NO_BUILD=1 skips builds
#
# Starts one `hallway bbb-sim --count N --latency-ms 200` and one `hallway serve` per case.
source "$(dirname "$0")/http/lib.sh"
source "$(dirname "$0")/poll_lib.sh"
rounds=${1:-5}
build
echo "== poll rounds, $(nproc) cores, load: $(uptime | sed 's/.*load average: //')"
for case in "30 32" "300 32" "300 64"; do
  set -- $case
  n=$1 conc=$2
  start_sims "$n" 200
  write_many_config "$WORK/poll-$n-$conc.toml" "sqlite://$WORK/poll-$n-$conc.db" "$conc" 2 1
  start_hallway "$WORK/poll-$n-$conc.toml" "poll-$n-$conc"
  next_rounds 1 >/dev/null
  next_rounds "$rounds" >"$WORK/rounds"
  python3 - "$n" "$conc" "$WORK/rounds" <<'PY'
import math, statistics, sys
n, conc, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [line.split() for line in open(path)]
ms = [int(r[1]) for r in rows]
errors = max(int(r[2]) for r in rows)
ideal = 200 * math.ceil(n / conc)
med = statistics.median(ms)
print(f"{n:4d} servers, concurrency {conc:3d}: rounds {ms} ms; median {med:.0f} ms, "
      f"ideal {ideal} ms, ratio {med / ideal:.2f}x; servers failing: {errors}")
PY
  stop "$HW_PID" "$SIMS_PID"
done
