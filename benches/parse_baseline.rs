//! Parse-only timings for the big schedule fixtures, and the ratio of the
//! full 36C3 XML parse to a bare quick-xml event scan of the same bytes.
//!
//! `cargo bench --bench parse_baseline` (needs `[[bench]] name =
//! "parse_baseline", harness = false`); optional argument: iterations;
//! `SCHEDULE_FIXTURES=dir` overrides the fixture directory.

use std::time::{Duration, Instant};

use hallway_schedule::{parse_schedule, ParseOptions};
use quick_xml::events::Event;
use quick_xml::Reader;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/schedules");

/// Best-of-`n` wall time of `f`.
fn best(n: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = std::hint::black_box(f());
        best = best.min(t.elapsed());
    }
    (best, out)
}

/// Reads every XML event and counts them: the floor any XML import pays.
fn bare_scan(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => n += 1,
        }
        buf.clear();
    }
    n
}

fn main() {
    let iterations = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let opts = ParseOptions {
        fallback_time_zone: Some(chrono_tz::Europe::Brussels),
        ..ParseOptions::default()
    };
    let files = [
        "voc-merged_36c3-2019_schedule.xml",
        "pentabarf_fosdem-2021_schedule.xml",
        "frab_31c3-2014_schedule.xml",
        "indico_chep2009_timetable.json",
        "pretalx_rc3-channels-2020_schedule.json",
        "frab_camp2019_schedule.json",
        "indico_xdc2021_event-contributions.json",
        "pretalx-generated_democon-dst_schedule.ics",
    ];
    for name in files {
        let dir = std::env::var("SCHEDULE_FIXTURES").unwrap_or_else(|_| FIXTURES.to_owned());
        let Ok(bytes) = std::fs::read(format!("{dir}/{name}")) else {
            eprintln!("skipping {name}: not readable");
            continue;
        };
        let (t, n) = best(iterations, || {
            parse_schedule(&bytes, &opts).map_or(0, |s| s.sessions.len())
        });
        println!(
            "{name:45} {:>9} bytes {n:>5} sessions  parse {:>8.2} ms",
            bytes.len(),
            t.as_secs_f64() * 1e3
        );
        if name.ends_with(".xml") {
            let (scan, events) = best(iterations, || bare_scan(&bytes));
            println!(
                "{:45} bare quick-xml scan {:>8.2} ms ({events} XML events); full/bare = {:.2}",
                "",
                scan.as_secs_f64() * 1e3,
                t.as_secs_f64() / scan.as_secs_f64()
            );
        }
    }
}
