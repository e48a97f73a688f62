//! Fuzz target: `hallway_schedule::parse_frab_json` must never panic, and a parsed schedule always
//! has at least one session with unique keys and start <= end (see `fuzz/src/lib.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hallway_fuzz::check(hallway_schedule::parse_frab_json(
        data,
        &hallway_fuzz::options(data),
    ));
});
