#!/usr/bin/env bash
# End-to-end import benchmark: `hallway schedule import` of the 36C3 fixture (1 351 events,
# 2.3 MB) into a fresh SQLite database, as a process, against a bare quick-xml scan of the same
# file measured in the same run (examples/xml_scan.rs).
#
#   cargo build --release --bin hallway --example xml_scan
#   benches/import_36c3.sh [RUNS]          # default 15 runs each; prints medians
#
# Reports wall time (median, min) and peak RSS (median) of each, and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
fixture=${FIXTURE:-../shared/fixtures/schedules/voc-merged_36c3-2019_schedule.xml}
bin=target/release/hallway
scan=target/release/examples/xml_scan
for f in "$bin" "$scan" "$fixture"; do
  [ -e "$f" ] || { echo "missing $f (see the header of this script)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs GNU time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '[database]\nurl = "sqlite://%s/bench.db"\n' "$work" > "$work/hallway.toml"
echo "runs: $runs; fixture: $fixture ($(stat -c %s "$fixture") bytes); $(nproc) cores"

# Each run is a fresh process on a fresh database. Wall time from perf_counter around the run;
# peak RSS as GNU time reports it for the exec'd program (a Python fork would count its own
# pre-exec memory).
python3 - "$runs" "$work" "$scan" "$bin" "$fixture" <<'PY'
import os, statistics, subprocess, sys, time, glob
runs, work, scan, binary, fixture = int(sys.argv[1]), *sys.argv[2:]
def measure(cmd):
    times, rss = [], []
    for _ in range(runs):
        for f in glob.glob(os.path.join(work, "bench.db*")):
            os.remove(f)
        rss_file = os.path.join(work, "rss")
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit(f"{cmd} failed: {p.stderr.decode()}")
        rss.append(int(open(rss_file).read().split()[-1]) / 1024)
    return statistics.median(times), min(times), statistics.median(rss)
base = measure([scan, fixture])
imp = measure([binary, "--config", os.path.join(work, "hallway.toml"), "schedule", "import", fixture])
print(f"{'':24} {'median':>9} {'min':>9} {'peak RSS':>9}")
print(f"{'bare XML scan':24} {base[0]*1000:7.1f}ms {base[1]*1000:7.1f}ms {base[2]:7.1f}MB")
print(f"{'hallway schedule import':24} {imp[0]*1000:7.1f}ms {imp[1]*1000:7.1f}ms {imp[2]:7.1f}MB")
print(f"ratio import / bare scan: time {imp[0]/base[0]:.1f}x, peak RSS {imp[2]/base[2]:.1f}x")
ok = imp[0] < 0.3 and imp[2] < 60
print(f"target (< 300 ms, < 60 MB): {'met' if ok else 'NOT met'}")
PY
