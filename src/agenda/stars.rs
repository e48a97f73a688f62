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
//! Besides the stars, [`layout_box`] builds the layout's banner: "starts in 3 minutes: join" for
//! a starred session whose join window is open, computed from the schedule in memory.

use chrono::{DateTime, Utc};

pub use crate::agenda::login::{kept_in_db, tidy};
use crate::agenda::marks::{when, AgendaBox, Soon};
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

/// The layout's agenda box: the stars of this request's cookie, and (when `with_banner`) the banner of those whose
/// join window is open at `now` and whose Join button access would offer.
pub fn layout_box(
    session: &TypedSession,
    state: &AppState,
    user: Option<&SessionUser>,
    now: DateTime<Utc>,
    with_banner: bool,
) -> AgendaBox {
    let stars = session.stars();
    let soon = if with_banner && !stars.is_empty() {
        soon(state, user, &stars, now)
    } else {
        Vec::new()
    };
    AgendaBox { stars, soon }
}

fn soon(
    state: &AppState,
    user: Option<&SessionUser>,
    stars: &[i64],
    now: DateTime<Utc>,
) -> Vec<Soon> {
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
