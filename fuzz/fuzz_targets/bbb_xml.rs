//! Fuzz target `bbb_xml`: arbitrary bytes into every BBB response parser.
//!
//! The input is decoded as UTF-8 lossily (the HTTP client hands the parsers
//! a `&str`), then given to each `hallway_bbb::xml::parse_*` function and to
//! `parse_join_errors` (which sees a redirect `Location`). They must return
//! `Ok` or `Err`, never panic, loop or blow the stack. See `fuzz/README.md`.
#![no_main]

use hallway_bbb::xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let _ = xml::parse_api_version(&body);
    let _ = xml::parse_create(&body);
    let _ = xml::parse_get_meetings(&body);
    let _ = xml::parse_meeting_info(&body);
    let _ = xml::parse_is_meeting_running(&body);
    let _ = xml::parse_end(&body);
    let _ = xml::parse_join(&body);
    let _ = xml::parse_get_recordings(&body);
    let _ = xml::parse_join_errors(&body);
});
