//! Fuzz target: `hallway::schedule::detect::parse_schedule` must never panic, and a parsed
//! schedule always has at least one session with unique keys.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Odd lengths also exercise the "no fallback zone" paths.
    let opts = hallway::schedule::parse::ParseOptions {
        fallback_time_zone: (data.len() % 2 == 0).then_some(chrono_tz::Europe::Berlin),
        max_bytes: 1 << 20,
        ..Default::default()
    };
    if let Ok(s) = hallway::schedule::detect::parse_schedule(data, &opts) {
        assert!(!s.sessions.is_empty());
        let mut keys: Vec<&str> = s.sessions.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), s.sessions.len());
        assert!(s.sessions.iter().all(|e| e.start <= e.end));
    }
});
