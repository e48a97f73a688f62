//! The conference schedule: importing exported timetables, storing them, and the pages that show
//! what is on now and next.
//!
//! The parsers (frab XML, frab/pretalx JSON, Indico, iCalendar) and their normalized model live
//! in the `hallway-schedule` crate (`crates/hallway-schedule`), which knows nothing of HTTP or
//! the database. This folder is the application around them: `import` reads a file or URL and
//! runs the parser, `diff` and `store` compare and persist the result, `pull` refetches a URL
//! periodically, `export` and `ical_export` write the schedule in memory back out (frab XML/JSON,
//! iCalendar) and `feeds` serves them; `published` holds the rules for republishing imported
//! text, `slug` the track slugs, and `admin` and `pages` are the pages.

pub mod admin;
pub mod diff;
pub mod export;
pub mod feeds;
pub mod ical_export;
pub mod import;
pub mod index;
pub mod pages;
pub mod published;
pub mod pull;
pub mod slug;
pub mod store;
pub mod stored;
