//! The personal agenda: a star on each session, `/agenda` with the starred sessions in the
//! visitor's zone (join states, overlaps, a "starts in 3 minutes: join" banner), and a personal
//! calendar feed whose events carry, for attendees, a join link into that one session.
//!
//! Stars of anonymous visitors and guests live in the session cookie; a registered account's
//! in the database (the cookie keeps a copy, so pages cost no query). Feed tokens and join
//! links are in [`links`]; who may use them is decided by `auth::access` like everything else.

pub mod handlers;
pub mod links;
pub mod login;
pub mod marks;
pub mod stars;
pub mod store;
