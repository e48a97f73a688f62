//! Who is logged in: guest login with a name, and one-time admin login links.
//!
//! Full accounts (OpenID Connect) come later; this is the minimal, real version: signed session
//! cookies, CSRF tokens on every form, and admin links whose tokens are stored hashed in the
//! database so any instance can redeem them, once.

pub mod access;
pub mod guard;
pub mod handlers;
pub mod session;
pub mod store;
pub mod user;
