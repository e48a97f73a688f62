//! Which sessions a visitor starred, as every page reads them: from the session cookie, so a
//! page costs no database query.
//!
//! Guests and anonymous visitors keep their stars only in the (encrypted) cookie. For a
//! registered account the database (`agenda_stars`) is the truth and the cookie holds a copy:
//! it is loaded at login, and written again from the database whenever the person stars,
//! unstars or opens `/agenda`, so stars follow them across devices (a device that was already
//! logged in catches up on its next visit to `/agenda` or its next star). At login the stars a
//! visitor gathered before (anonymously or as a guest) are added to the account; the stars of
//! another registered account that was logged in on the same browser are not.
//!
//! Besides the stars, [`AgendaBox`] carries the layout's banner: "starts in 3 minutes: join" for
//! a starred session whose join window is open, computed from the schedule in memory.

use std::borrow::Borrow;

use chrono::{DateTime, Utc};

pub use crate::agenda::login::{kept_in_db, tidy};
use crate::agenda::store;
use crate::auth::access::{self, Slot};
use crate::auth::session::TypedSession;
use crate::auth::user::SessionUser;
use crate::error::AppError;
use crate::state::AppState;

/// Reloads a registered account's stars from the database into the cookie; returns them.
pub async fn sync_from_db(
    state: &AppState,
    session: &TypedSession,
    user: &SessionUser,
) -> Result<Vec<i64>, AppError> {
    let stars = tidy(store::stars(&state.db, &user.id).await?);
    session.set_stars(&stars)?;
    Ok(stars)
}

/// A starred session whose join window is open, for the banner.
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug, Default)]
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

    /// The stars of this request's cookie, and (when `with_banner`) the banner of those whose
    /// join window is open at `now` and whose Join button access would offer.
    pub fn of(
        session: &TypedSession,
        state: &AppState,
        user: Option<&SessionUser>,
        now: DateTime<Utc>,
        with_banner: bool,
    ) -> Self {
        let stars = session.stars();
        let soon = if with_banner && !stars.is_empty() {
            soon(state, user, &stars, now)
        } else {
            Vec::new()
        };
        Self { stars, soon }
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

fn soon(state: &AppState, user: Option<&SessionUser>, stars: &[i64], now: DateTime<Utc>) -> Vec<Soon> {
    let index = state.schedule.get();
    let window = state.join_window;
    let mut out: Vec<(DateTime<Utc>, Soon)> = stars
        .iter()
        .filter_map(|id| index.session(*id))
        .filter(|s| window.is_open(s.start, s.end, now))
        .filter_map(|s| {
            let room = state.rooms.for_schedule_room(&s.room)?;
            let slot = Slot {
                start: s.start,
                end: s.end,
                track: s.track.as_deref(),
                guid: s.guid.as_deref(),
                persons: &s.persons,
            };
            access::offers_join(user, room, slot, window, now).then(|| {
                (
                    s.start,
                    Soon {
                        id: s.id,
                        title: s.title.clone(),
                        slug: room.slug.to_string(),
                        when: when(s.start, s.end, now),
                    },
                )
            })
        })
        .collect();
    out.sort_by_key(|(start, s)| (*start, s.id));
    out.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_banner_counts_minutes_up_and_says_when_a_session_runs() {
        let start = Utc.with_ymd_and_hms(2026, 9, 15, 10, 0, 0).unwrap();
        let end = start + Duration::minutes(45);
        assert_eq!(when(start, end, start - Duration::minutes(3)), "starts in 3 minutes");
        assert_eq!(
            when(start, end, start - Duration::seconds(150)),
            "starts in 3 minutes"
        );
        assert_eq!(when(start, end, start - Duration::seconds(30)), "starts in 1 minute");
        assert_eq!(when(start, end, start + Duration::minutes(25)), "is running (20 min left)");
    }

    #[test]
    fn stars_are_looked_up_in_the_sorted_list() {
        let b = AgendaBox {
            stars: vec![3, 7, 9],
            soon: Vec::new(),
        };
        assert!(b.starred(7) && b.starred(&3) && !b.starred(8));
    }
}
