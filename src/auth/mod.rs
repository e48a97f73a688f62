//! Who is logged in and what they may do: guests (while guest mode is on), people of the
//! registration list (e-mail + code, or an e-mailed login link), an OpenID Connect provider,
//! one-time admin links as the break-glass login, revocable server-side sessions, login rate
//! limits, and the one access function every route asks.

pub mod access;
pub mod email_link;
pub mod gate;
pub mod guard;
pub mod handlers;
pub mod limits;
pub mod oidc;
pub mod people;
pub mod session;
pub mod store;
pub mod user;
