//! Shared pieces of the schedule fuzz targets: the parse options a target uses for an input,
//! and the invariants every accepted schedule must hold.

use hallway_schedule::model::ParsedSchedule;
use hallway_schedule::{ParseError, ParseOptions};

/// Options for `data`: odd lengths get no fallback zone, so the "no zone" paths run too.
pub fn options(data: &[u8]) -> ParseOptions {
    ParseOptions {
        fallback_time_zone: (data.len() % 2 == 0).then_some(chrono_tz::Europe::Berlin),
        max_bytes: 1 << 20,
        ..Default::default()
    }
}

/// Panics when an accepted schedule is empty, has duplicate keys or ends before it starts.
pub fn check(result: Result<ParsedSchedule, ParseError>) {
    if let Ok(s) = result {
        assert!(!s.sessions.is_empty());
        let mut keys: Vec<&str> = s.sessions.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), s.sessions.len());
        assert!(s.sessions.iter().all(|e| e.start <= e.end));
    }
}
