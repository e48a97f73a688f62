//! Server health with hysteresis: one lost poll must not move rooms, and one good answer from a
//! flapping server must not bring rooms back onto it.
//!
//! A server is DOWN after `down_after` failed polls in a row and UP again after `up_after` good
//! ones. Before its first poll it is UNKNOWN; the first good poll makes it UP at once (a fresh
//! start should not wait `up_after` rounds before it places anything). Pure: no I/O, no clock.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// What hallway believes about a server's availability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Not polled yet.
    Unknown,
    /// Answering.
    Up,
    /// Failed `down_after` polls in a row.
    Down,
}

impl Health {
    /// `up`, `down`, `unknown`: the stored and shown form.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Down => "down",
        }
    }

    /// The stored form back; anything else is unknown.
    pub fn parse(s: &str) -> Self {
        match s {
            "up" => Health::Up,
            "down" => Health::Down,
            _ => Health::Unknown,
        }
    }

    /// May rooms be placed on it? (Unknown counts, so a cold start can place.)
    pub fn is_usable(self) -> bool {
        self != Health::Down
    }
}

#[derive(Clone, Copy, Debug)]
struct Counts {
    health: Health,
    fails: u32,
    oks: u32,
}

/// Consecutive good and bad polls per server, and the health they add up to.
#[derive(Debug)]
pub struct HealthTracker {
    down_after: u32,
    up_after: u32,
    servers: Mutex<HashMap<String, Counts>>,
}

impl HealthTracker {
    /// A tracker: DOWN after `down_after` failures, UP after `up_after` successes (both ≥ 1).
    pub fn new(down_after: u32, up_after: u32) -> Self {
        Self {
            down_after: down_after.max(1),
            up_after: up_after.max(1),
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// Records one poll of `server` and returns its health after it.
    pub fn observe(&self, server: &str, ok: bool) -> Health {
        let mut g = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let c = g.entry(server.to_owned()).or_insert(Counts {
            health: Health::Unknown,
            fails: 0,
            oks: 0,
        });
        if ok {
            c.oks += 1;
            c.fails = 0;
            if c.health == Health::Unknown || c.oks >= self.up_after {
                c.health = Health::Up;
            }
        } else {
            c.fails += 1;
            c.oks = 0;
            if c.fails >= self.down_after {
                c.health = Health::Down;
            }
        }
        c.health
    }

    /// The current health of `server`.
    pub fn health(&self, server: &str) -> Health {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(server)
            .map_or(Health::Unknown, |c| c.health)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &HealthTracker, polls: &[bool]) -> Vec<Health> {
        polls.iter().map(|ok| t.observe("s", *ok)).collect()
    }

    #[test]
    fn down_after_two_failures_and_up_after_two_successes() {
        use Health::*;
        let t = HealthTracker::new(2, 2);
        assert_eq!(
            run(&t, &[true, false, false, true, false, true, true]),
            vec![Up, Up, Down, Down, Down, Down, Up]
        );
    }

    #[test]
    fn an_unpolled_server_is_unknown_and_its_first_failure_does_not_make_it_down() {
        let t = HealthTracker::new(3, 1);
        assert_eq!(t.health("s"), Health::Unknown);
        assert_eq!(
            run(&t, &[false, false, false, true]),
            vec![Health::Unknown, Health::Unknown, Health::Down, Health::Up]
        );
    }
}
