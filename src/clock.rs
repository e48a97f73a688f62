//! The one source of "now" for everything that decides by time: join windows, admin links,
//! the now page. Production reads the system clock; tests pin it (`Clock::fixed`) and move it
//! (`set`, `advance`), so no test depends on the day it runs or on how fast the machine is.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Where "now" comes from. Cheap to clone; clones share a pinned instant.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock pinned at `at` until a test moves it.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self(Some(Arc::new(Mutex::new(at))))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Pins the clock at `at` (a no-op on the system clock).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.0 {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }

    /// Moves a pinned clock forward by `by` (a no-op on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.0 {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_fixed_clock_stays_where_it_is_put_and_moves_when_told() {
        let at = Utc.with_ymd_and_hms(2026, 9, 14, 8, 0, 0).unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.clone().now(), at + Duration::minutes(5));
    }
}
