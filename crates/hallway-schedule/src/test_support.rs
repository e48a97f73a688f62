//! Helpers shared by the schedule parsers' tests: reading the real exports in the `shared`
//! directory next to the repository checkout, which are never copied into it. A missing fixture
//! skips its test with a printed reason, unless `CI=true`, where it fails.

use chrono::{DateTime, Utc};

/// The real schedule exports (public data; never copied into the repository).
pub const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/schedules"
);

/// Reads a shared fixture; `None` (test skipped) when absent, unless CI=true.
pub fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = format!("{FIXTURES}/{name}");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("fixture {path} missing: {e}");
            }
            // Straight to stderr, which libtest does not capture (it captures `eprintln!`), so
            // a skip shows in a plain `cargo test` run.
            let test = std::thread::current().name().unwrap_or("a test").to_owned();
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED {test}: ../shared: fixture {path} not readable: {e}\n").as_bytes(),
            );
            None
        }
    }
}

/// An RFC 3339 test timestamp as UTC.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test timestamp")
        .with_timezone(&Utc)
}
