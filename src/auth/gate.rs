//! Whether a session cookie still counts, decided in memory on every request.
//!
//! The join path may not pay a database round trip per request, so each instance keeps what
//! can end a session in memory: the ids of revoked sessions that have not expired yet, and
//! whether guest mode is on. Both are written to the database in the transaction that changes
//! them and announced through the change mechanism (`Topic::Sessions`, `Topic::GuestMode`);
//! `AppState::refresh_once` reloads them, so every instance learns within the sync loop's
//! second. The limits (idle, absolute; shorter for staff and admins) are checked against the
//! instants in the encrypted cookie, which only the server can write.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::store;
use crate::auth::user::{SessionUser, UserRole};
use crate::config::AuthSettings;
use crate::db::Db;

/// What the cookie holds about a login. Its field names stay as they are: during a rolling
/// upgrade an instance of the previous version must still read the cookies of the new one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The session id (random); the database keeps its SHA-256.
    pub sid: String,
    /// Who.
    pub user: SessionUser,
    /// Login instant (Unix seconds).
    pub created_at: i64,
    /// Last use, refreshed at most once a minute (Unix seconds).
    pub last_seen: i64,
}

/// The verdict on a presented session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid.
    Valid,
    /// Valid; write the new last-seen instant into the cookie.
    Touch,
    /// Over: revoked, expired, or a guest while guest mode is off.
    Ended,
}

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Unused for this long: ended.
    pub idle: Duration,
    /// This long after login: ended.
    pub absolute: Duration,
}

/// The in-memory session check of one instance.
pub struct SessionGate {
    /// Read on every request: swapped whole, read without a lock (no shared write per read).
    revoked: arc_swap::ArcSwap<HashSet<String>>,
    guest_mode: AtomicBool,
    guests_default: bool,
    normal: Limits,
    staff: Limits,
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

impl SessionGate {
    /// A gate with the configured limits; call [`SessionGate::reload`] before serving.
    pub fn new(auth: &AuthSettings) -> Self {
        Self {
            revoked: arc_swap::ArcSwap::from_pointee(HashSet::new()),
            guest_mode: AtomicBool::new(auth.guests_default),
            guests_default: auth.guests_default,
            normal: Limits {
                idle: dur(auth.idle),
                absolute: dur(auth.absolute),
            },
            staff: Limits {
                idle: dur(auth.staff_idle),
                absolute: dur(auth.staff_absolute),
            },
        }
    }

    /// Loads both the revocation list and guest mode.
    pub async fn reload(&self, db: &Db, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        self.reload_revoked(db, now).await?;
        self.reload_guest_mode(db).await
    }

    /// Reloads the revoked session ids (expired ones drop out).
    pub async fn reload_revoked(&self, db: &Db, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let ids: HashSet<String> = store::revoked_sessions(db, now)
            .await?
            .into_iter()
            .collect();
        self.revoked.store(std::sync::Arc::new(ids));
        Ok(())
    }

    /// Reloads guest mode.
    pub async fn reload_guest_mode(&self, db: &Db) -> Result<(), sqlx::Error> {
        let on = store::guest_mode(db).await?.unwrap_or(self.guests_default);
        self.guest_mode.store(on, Ordering::SeqCst);
        Ok(())
    }

    /// Forgets a session on this instance at once (the others learn through the refresh).
    pub fn revoke_locally(&self, sid_hash: &str) {
        self.revoked.rcu(|set| {
            let mut set = HashSet::clone(set);
            set.insert(sid_hash.to_owned());
            set
        });
    }

    /// Sets guest mode on this instance at once.
    pub fn set_guest_mode_locally(&self, on: bool) {
        self.guest_mode.store(on, Ordering::SeqCst);
    }

    /// Whether guests may log in and stay logged in.
    pub fn guests_allowed(&self) -> bool {
        self.guest_mode.load(Ordering::SeqCst)
    }

    /// The limits for a role.
    pub fn limits(&self, role: UserRole) -> Limits {
        if role.is_privileged() {
            self.staff
        } else {
            self.normal
        }
    }

    /// Judges a presented session at `now`, without touching the database.
    pub fn check(&self, rec: &SessionRecord, now: DateTime<Utc>) -> Verdict {
        let limits = self.limits(rec.user.role);
        let now_s = now.timestamp();
        let revoked = {
            let set = self.revoked.load();
            // Hashing the id costs more than the lookup: skip it while nothing is revoked.
            !set.is_empty() && set.contains(&store::hash(&rec.sid))
        };
        if revoked
            || now_s >= rec.created_at.saturating_add(limits.absolute.num_seconds())
            || now_s >= rec.last_seen.saturating_add(limits.idle.num_seconds())
            || (rec.user.role == UserRole::Guest && !self.guests_allowed())
        {
            Verdict::Ended
        } else if now_s - rec.last_seen >= 60 {
            Verdict::Touch
        } else {
            Verdict::Valid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawSettings;
    use chrono::TimeZone;

    fn rec(role: UserRole, created: DateTime<Utc>) -> SessionRecord {
        SessionRecord {
            sid: "sid-1".into(),
            user: SessionUser::new("u", "U", role),
            created_at: created.timestamp(),
            last_seen: created.timestamp(),
        }
    }

    #[test]
    fn a_cookie_record_leaves_empty_fields_out_and_older_full_ones_still_read() {
        let r = rec(
            UserRole::Guest,
            Utc.with_ymd_and_hms(2026, 9, 15, 9, 0, 0).unwrap(),
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"sid":"sid-1","user":{"id":"u","name":"U","role":"guest"},"created_at":1789462800,"last_seen":1789462800}"#
        );
        let old = r#"{"sid":"sid-1","user":{"id":"u","name":"U","role":"guest","email":null,"tracks":[],"speaker_of":[]},"created_at":1789462800,"last_seen":1789462801}"#;
        let back: SessionRecord = serde_json::from_str(old).unwrap();
        assert_eq!(
            (back.created_at, back.last_seen),
            (1_789_462_800, 1_789_462_801)
        );
        assert_eq!(back.user, r.user);
    }

    #[test]
    fn sessions_end_when_idle_too_long_past_the_absolute_limit_or_revoked() {
        let auth = RawSettings::example().unwrap().parse().unwrap().auth;
        let gate = SessionGate::new(&auth);
        let t0 = Utc.with_ymd_and_hms(2026, 9, 14, 12, 0, 0).unwrap();
        let h = Duration::hours;
        let attendee = rec(UserRole::Attendee, t0);
        let admin = rec(UserRole::Admin, t0);
        assert_eq!(gate.check(&attendee, t0), Verdict::Valid);
        assert_eq!(
            gate.check(&attendee, t0 + Duration::minutes(2)),
            Verdict::Touch
        );
        // Staff idle limit (4 h in the example) is shorter than the attendees' (7 days).
        assert_eq!(gate.check(&admin, t0 + h(5)), Verdict::Ended);
        assert_eq!(gate.check(&attendee, t0 + h(5)), Verdict::Touch);
        // Absolute: 14 days for attendees even when used all the time.
        let mut busy = attendee.clone();
        busy.last_seen = (t0 + h(14 * 24) - Duration::minutes(1)).timestamp();
        assert_eq!(
            gate.check(&busy, t0 + h(14 * 24) - Duration::seconds(1)),
            Verdict::Valid
        );
        assert_eq!(gate.check(&busy, t0 + h(14 * 24)), Verdict::Ended);
        // Revoked.
        gate.revoke_locally(&store::hash("sid-1"));
        assert_eq!(gate.check(&attendee, t0), Verdict::Ended);
        // Guests end with guest mode.
        let mut guest = rec(UserRole::Guest, t0);
        guest.sid = "sid-2".into();
        assert_eq!(gate.check(&guest, t0), Verdict::Valid);
        gate.set_guest_mode_locally(false);
        assert_eq!(gate.check(&guest, t0), Verdict::Ended);
    }
}
