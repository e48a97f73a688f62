//! The attendee pages, one module per page family: each page is one struct and one template.
//! Every page reads the in-memory schedule index (never the database per request), writes
//! times through `web::time::Writer`, and asks `auth::access` what to offer.

pub mod common;
pub mod now;
pub mod rooms;
pub mod schedule;
pub mod search;
pub mod session;
pub mod speakers;
pub mod timezone;
pub mod tracks;

use crate::web::routes::Routes;

/// Registers every attendee page.
pub fn configure(cfg: &mut Routes<'_>) {
    now::configure(cfg);
    schedule::configure(cfg);
    session::configure(cfg);
    tracks::configure(cfg);
    speakers::configure(cfg);
    search::configure(cfg);
    rooms::configure(cfg);
    timezone::configure(cfg);
}
