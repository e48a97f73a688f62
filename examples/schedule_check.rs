//! Parses schedule files and prints the result or the error: a manual check
//! and a parse-only timer.
//!
//! `cargo run --release --example schedule_check -- [--timezone ZONE] [--max-bytes N] FILE...`

use std::time::Instant;

use hallway_schedule::{parse_schedule, read_limited, ParseOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = ParseOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--timezone" => {
                let zone = args.next().ok_or("--timezone needs a zone")?;
                opts.fallback_time_zone = Some(zone.parse().map_err(|e| format!("{e}"))?);
            }
            "--max-bytes" => {
                opts.max_bytes = args.next().ok_or("--max-bytes needs N")?.parse()?;
            }
            path => {
                let file = std::fs::File::open(path)?;
                let t0 = Instant::now();
                let result = read_limited(file, opts.max_bytes)
                    .and_then(|bytes| parse_schedule(&bytes, &opts));
                let took = t0.elapsed();
                match result {
                    Ok(s) => println!(
                        "{path}\tOK\t{}\t{} sessions, {} rooms, {} warnings, zone {:?}\t{took:?}",
                        s.format,
                        s.sessions.len(),
                        s.rooms.len(),
                        s.warnings.len(),
                        s.conference.time_zone.map(|z| z.name())
                    ),
                    Err(e) => println!("{path}\tERR\t{e}"),
                }
            }
        }
    }
    Ok(())
}
