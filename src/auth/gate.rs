//! Whether a session still counts, decided in memory on every request.
//!
//! The join path may not pay a database round trip per request, so each instance keeps what
//! can end a session in memory: the ids of revoked sessions that have not expired yet, and
//! whether guest mode is on. Both are written to the database in the transaction that changes
//! them and announced through the change mechanism (`Topic::Sessions`, `Topic::GuestMode`);
//! `AppState::refresh_once` reloads them, so every instance learns within the sync loop's
//! second. The limits (idle, absolute; shorter for staff and admins) are checked against the
//! instants the server keeps for the session (`auth::session`).
//!
//! The gate also makes a logged-in session's CSRF token: an HMAC of the session id under the
//! instances' shared key, so every instance knows it without storing it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::auth::store;
use crate::auth::user::{SessionUser, UserRole};
use crate::config::AuthSettings;
use crate::db::Db;

/// A login: the session id and who it is. Versions before server-side sessions kept it in the
/// encrypted session cookie under these field names; such a cookie is still read once and
/// moved to the server (`auth::session`).
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
    /// Valid; note the new last-seen instant.
    Touch,
    /// Unused for longer than the idle limit, by what this copy of the session knows (another
    /// worker or instance may have seen it since).
    Idle,
    /// Over: revoked, past the absolute limit, or a guest while guest mode is off.
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
    /// Keyed once; cloned per token.
    csrf_key: Hmac<Sha256>,
    secure_cookies: bool,
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

impl SessionGate {
    /// A gate with the configured limits whose CSRF tokens are keyed with `secret` (the
    /// instances' shared session key) and whose cookies are `Secure` when `secure_cookies`;
    /// call [`SessionGate::reload`] before serving.
    pub fn new(auth: &AuthSettings, secret: &[u8], secure_cookies: bool) -> Self {
        Self {
            csrf_key: Hmac::<Sha256>::new_from_slice(secret)
                .expect("HMAC takes keys of any length"),
            secure_cookies,
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

    /// The CSRF token of the logged-in session `sid`: 128 bits of an HMAC-SHA-256 of the id,
    /// URL-safe base64 (what a form field carries without escaping).
    pub fn csrf_for(&self, sid: &str) -> String {
        let mut mac = self.csrf_key.clone();
        mac.update(b"hallway csrf token\0");
        mac.update(sid.as_bytes());
        let tag = mac.finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..16])
    }

    /// Whether the login cookie is sent only over https.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// Judges a presented session (its id hashed: `sid_hash`) at `now`, without touching the
    /// database.
    pub fn check(&self, rec: &SessionRecord, sid_hash: &str, now: DateTime<Utc>) -> Verdict {
        let limits = self.limits(rec.user.role);
        let now_s = now.timestamp();
        let revoked = {
            let set = self.revoked.load();
            !set.is_empty() && set.contains(sid_hash)
        };
        if revoked
            || now_s >= rec.created_at.saturating_add(limits.absolute.num_seconds())
            || (rec.user.role == UserRole::Guest && !self.guests_allowed())
        {
            Verdict::Ended
        } else if now_s >= rec.last_seen.saturating_add(limits.idle.num_seconds()) {
            Verdict::Idle
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
        let gate = SessionGate::new(&auth, b"key", false);
        let h1 = store::hash("sid-1");
        let t0 = Utc.with_ymd_and_hms(2026, 9, 14, 12, 0, 0).unwrap();
        let h = Duration::hours;
        let attendee = rec(UserRole::Attendee, t0);
        let admin = rec(UserRole::Admin, t0);
        assert_eq!(gate.check(&attendee, &h1, t0), Verdict::Valid);
        assert_eq!(
            gate.check(&attendee, &h1, t0 + Duration::minutes(2)),
            Verdict::Touch
        );
        // Staff idle limit (4 h in the example) is shorter than the attendees' (7 days).
        assert_eq!(gate.check(&admin, &h1, t0 + h(5)), Verdict::Idle);
        assert_eq!(gate.check(&attendee, &h1, t0 + h(5)), Verdict::Touch);
        // Absolute: 14 days for attendees even when used all the time.
        let mut busy = attendee.clone();
        busy.last_seen = (t0 + h(14 * 24) - Duration::minutes(1)).timestamp();
        assert_eq!(
            gate.check(&busy, &h1, t0 + h(14 * 24) - Duration::seconds(1)),
            Verdict::Valid
        );
        assert_eq!(gate.check(&busy, &h1, t0 + h(14 * 24)), Verdict::Ended);
        // Revoked.
        gate.revoke_locally(&h1);
        assert_eq!(gate.check(&attendee, &h1, t0), Verdict::Ended);
        // Guests end with guest mode.
        let mut guest = rec(UserRole::Guest, t0);
        guest.sid = "sid-2".into();
        let h2 = store::hash("sid-2");
        assert_eq!(gate.check(&guest, &h2, t0), Verdict::Valid);
        gate.set_guest_mode_locally(false);
        assert_eq!(gate.check(&guest, &h2, t0), Verdict::Ended);
    }

    #[test]
    fn a_sessions_csrf_token_is_the_same_on_every_instance_and_differs_per_session_and_key() {
        let auth = RawSettings::example().unwrap().parse().unwrap().auth;
        let one = SessionGate::new(&auth, b"shared key", false);
        let two = SessionGate::new(&auth, b"shared key", true);
        let other = SessionGate::new(&auth, b"another key", false);
        let token = one.csrf_for("sid-1");
        assert_eq!(token.len(), 22);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(two.csrf_for("sid-1"), token);
        assert_ne!(one.csrf_for("sid-2"), token);
        assert_ne!(other.csrf_for("sid-1"), token);
    }
}
