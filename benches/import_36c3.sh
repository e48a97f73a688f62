#!/usr/bin/env bash
# End-to-end import benchmark: `hallway schedule import` of the 36C3 fixture (1 351 events,
# 2.3 MB) into a fresh SQLite database, as a process, against a bare quick-xml scan of the same
# file measured in the same run (examples/xml_scan.rs).
#
#   cargo build --release --bin hallway --example xml_scan
#   benches/import_36c3.sh [RUNS]          # default 15 runs each; prints medians
#
# Reports wall time (median, min) and peak RSS (median) of each, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
fixture=${FIXTURE:-../shared/fixtures/schedules/voc-merged_36c3-2019_schedule.xml}
bin=target/release/hallway
scan=target/release/examples/xml_scan
for f in "$bin" "$scan" "$fixture"; do
  [ -e "$f" ] || { echo "missing $f (see the header of this script)" >&2; exit 1; }
done
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time, Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

measure() { # label, command...  -> "label median_s min_s median_rss_kb"
  local label=$1; shift
  : > "$work/$label.times"
  for i in $(seq "$runs"); do
    rm -f "$work"/bench.db*
    /usr/bin/time -f "%e %M" -o "$work/one" "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
    cat "$work/one" >> "$work/$label.times"
  done
  python3 - "$label" "$work/$label.times" <<'PY'
import sys, statistics
label, path = sys.argv[1], sys.argv[2]
rows = [tuple(map(float, l.split())) for l in open(path) if l.strip()]
t = [r[0] for r in rows]; m = [r[1] for r in rows]
print(f"{label} {statistics.median(t):.3f} {min(t):.3f} {statistics.median(m)/1024:.1f}")
PY
}

printf '[database]\nurl = "sqlite://%s/bench.db"\n' "$work" > "$work/hallway.toml"
echo "runs: $runs; fixture: $fixture ($(stat -c %s "$fixture") bytes)"
echo "label median_s min_s median_peak_rss_mb"
base=$(measure xml_scan "$scan" "$fixture")
echo "$base"
imp=$(measure import "$bin" --config "$work/hallway.toml" schedule import "$fixture")
echo "$imp"
python3 - "$base" "$imp" <<'PY'
import sys
b = sys.argv[1].split(); i = sys.argv[2].split()
print(f"ratio import/xml_scan: time {float(i[1])/float(b[1]):.1f}x, peak RSS {float(i[3])/float(b[3]):.1f}x")
print(f"target: import < 0.3 s and < 60 MB -> {'MET' if float(i[1]) < 0.3 and float(i[3]) < 60 else 'NOT MET'}")
PY
