//! Operating many BBB servers: their states (enabled, draining, disabled), the health the
//! leader decided, where rooms go when a server dies, and the audit log of all of it.
//!
//! Scalelite's users keep hitting the same failures: meetings stay mapped to dead servers,
//! draining blocks late joiners, nobody can see who moved what. Here:
//! - [`view`]: every instance's in-memory copy of the states and health (reloaded through the
//!   change mechanism's `servers` topic), and the load that placement compares;
//! - [`failover`]: the leader (holder of the `operations` lease) writes health decisions and
//!   re-places rooms off DOWN, disabled and draining servers, one transaction per room;
//! - [`handlers`]: the staff actions behind the dashboard (CSRF-protected, audited);
//! - [`store`]: their SQL.

pub mod failover;
pub mod handlers;
pub mod store;
pub mod view;
