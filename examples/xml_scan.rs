//! Baseline for the import benchmark: read a file and walk every XML event with quick-xml,
//! doing nothing with them. `cargo run --release --example xml_scan -- FILE`

use quick_xml::events::Event;
use quick_xml::Reader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: xml_scan FILE")?;
    let bytes = std::fs::read(path)?;
    let mut reader = Reader::from_reader(bytes.as_slice());
    let mut buf = Vec::new();
    let mut elements = 0usize;
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(_) | Event::Empty(_) => elements += 1,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    println!("{elements} elements");
    Ok(())
}
