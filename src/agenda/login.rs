//! The agenda's login hook, called by `auth::session::TypedSession::log_in`: the stars a
//! browser gathered before logging in go with it. Apart from `agenda::stars` (which reads the
//! session) so the session code can call it without the two importing each other.

use chrono::{DateTime, Utc};

use crate::agenda::store::{self, MAX_STARS};
use crate::auth::user::{SessionUser, UserRole};
use crate::db::Db;

/// Whether `user`'s stars live in the database (registered accounts) rather than only in the
/// cookie (anonymous visitors and guests).
pub fn kept_in_db(user: Option<&SessionUser>) -> bool {
    user.is_some_and(|u| u.role != UserRole::Guest)
}

/// `stars` sorted, without repeats, at most [`MAX_STARS`].
pub fn tidy(mut stars: Vec<i64>) -> Vec<i64> {
    stars.sort_unstable();
    stars.dedup();
    stars.truncate(MAX_STARS);
    stars
}

/// The login hook (`auth::session::TypedSession::log_in`): the stars `carried` over from
/// before the login (an anonymous or guest browser's) are added to a registered account, and
/// what the cookie keeps from now on is returned: the account's stars, or for a guest the
/// carried ones.
pub async fn after_login(
    db: &Db,
    user: &SessionUser,
    carried: Vec<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    let carried = tidy(carried);
    if !kept_in_db(Some(user)) {
        return Ok(carried);
    }
    if !carried.is_empty() {
        store::star(db, &user.id, &carried, now).await?;
    }
    Ok(tidy(store::stars(db, &user.id).await?))
}
