//! Parsing speed of the BBB client's XML layer on a large getMeetings
//! answer: 200 meetings × 50 attendees, rendered by the simulator's own
//! templates (`hallway::sim::sample_get_meetings_xml`).
//!
//! Two benchmarks over the same bytes:
//! - `parse_get_meetings`: `hallway::bbb::parse_get_meetings`, i.e. element
//!   tree + typed `Vec<Meeting>`;
//! - `quick_xml_event_scan` (baseline): a bare quick-xml event loop that
//!   only counts events, the floor any quick-xml based parser stands on.
//!
//! Run: `cargo bench --bench bbb_parse` (results in target/criterion).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quick_xml::events::Event;
use quick_xml::Reader;

const MEETINGS: usize = 200;
const ATTENDEES: usize = 50;

/// The baseline: read every event, decode nothing.
fn event_scan(body: &str) -> usize {
    let mut reader = Reader::from_str(body);
    let mut n = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return n,
            Ok(_) => n += 1,
            Err(e) => panic!("baseline scan failed: {e}"),
        }
    }
}

fn bench(c: &mut Criterion) {
    let body = hallway::sim::sample_get_meetings_xml(MEETINGS, ATTENDEES);
    // Sanity: the document is what the benchmark claims.
    let parsed = hallway::bbb::parse_get_meetings(&body).expect("sample parses");
    assert_eq!(parsed.len(), MEETINGS);
    assert!(parsed.iter().all(|m| m.attendees.len() == ATTENDEES));
    eprintln!(
        "bbb_parse: getMeetings body {} bytes ({MEETINGS} meetings x {ATTENDEES} attendees), {} XML events",
        body.len(),
        event_scan(&body)
    );

    let mut g = c.benchmark_group("bbb_parse");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("parse_get_meetings", |b| {
        b.iter(|| hallway::bbb::parse_get_meetings(black_box(&body)))
    });
    g.bench_function("quick_xml_event_scan", |b| {
        b.iter(|| event_scan(black_box(&body)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
