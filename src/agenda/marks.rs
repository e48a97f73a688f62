//! What the layout carries of the agenda: the visitor's stars and the "starts in 3 minutes:
//! join" banner. Plain data, so the layout (and the error page) can hold it without knowing
//! where stars come from (`agenda::stars`).

use std::borrow::Borrow;

use chrono::{DateTime, Utc};

/// A starred session whose join window is open, for the banner.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Soon {
    /// Session id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The hallway room to join.
    pub slug: String,
    /// "starts in 3 minutes" / "is running (20 min left)".
    pub when: String,
}

/// The agenda's part of every page's layout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AgendaBox {
    /// Starred session ids, ascending.
    pub stars: Vec<i64>,
    /// Starred sessions open for joining now.
    pub soon: Vec<Soon>,
}

impl AgendaBox {
    /// Whether session `id` is starred.
    pub fn starred(&self, id: impl Borrow<i64>) -> bool {
        self.stars.binary_search(id.borrow()).is_ok()
    }
}

/// "starts in 3 minutes", "starts in 1 minute", "is running (20 min left)".
pub fn when(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = |d: chrono::Duration| (d.num_seconds().max(0) + 59) / 60;
    if start > now {
        match minutes(start - now) {
            1 => "starts in 1 minute".to_owned(),
            m => format!("starts in {m} minutes"),
        }
    } else {
        format!("is running ({} min left)", minutes(end - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_banner_counts_minutes_up_and_says_when_a_session_runs() {
        let start = Utc.with_ymd_and_hms(2026, 9, 15, 10, 0, 0).unwrap();
        let end = start + Duration::minutes(45);
        assert_eq!(
            when(start, end, start - Duration::minutes(3)),
            "starts in 3 minutes"
        );
        assert_eq!(
            when(start, end, start - Duration::seconds(150)),
            "starts in 3 minutes"
        );
        assert_eq!(
            when(start, end, start - Duration::seconds(30)),
            "starts in 1 minute"
        );
        assert_eq!(
            when(start, end, start + Duration::minutes(25)),
            "is running (20 min left)"
        );
    }

    #[test]
    fn stars_are_looked_up_in_the_sorted_list() {
        let b = AgendaBox {
            stars: vec![3, 7, 9],
            soon: Vec::new(),
        };
        assert!(b.starred(7) && !b.starred(8));
        // Templates pass references.
        assert!([3, 9].iter().all(|id| b.starred(id)));
    }
}
