//! The only place that knows what hallway keeps in the session cookie.
//!
//! The cookie is encrypted and signed with `server.session_key` (actix-session, private
//! content), so several instances with the same key read each other's cookies. It holds a
//! [`SessionRecord`] (a random session id, the user, login and last-use instants) and the CSRF
//! token. The session itself also lives in the database (`auth_sessions`): logout and an admin
//! ending someone's sessions revoke it there, and every instance's
//! [`SessionGate`](crate::auth::gate::SessionGate) (memory, refreshed through the change
//! mechanism) refuses the id from then on, so a copied cookie stops working. A cookie that
//! does not decrypt counts as no session at all.
//!
//! It also keeps the visitor's agenda stars (the only copy for anonymous visitors and guests,
//! a copy of the database's for registered accounts: see `agenda::stars`) and, for one page
//! view, a just-made calendar feed token. A login carries the stars of an anonymous or guest
//! browser over into the account (`agenda::login::after_login`).

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;
use subtle::ConstantTimeEq;

use crate::auth::gate::{SessionRecord, Verdict};
use crate::auth::store;
use crate::auth::user::SessionUser;
use crate::error::AppError;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "hallway_session";

const AUTH_KEY: &str = "auth";
const CSRF_KEY: &str = "csrf";
const STARS_KEY: &str = "agenda_stars";
const NEW_FEED_KEY: &str = "agenda_new_feed";

/// Typed access to the session cookie, already checked against the session gate.
pub struct TypedSession {
    session: Session,
    record: Option<Arc<SessionRecord>>,
}

/// What a worker thread has already parsed out of cookies, by the plaintext it was parsed
/// from: a visitor's requests carry the same cookie until its state changes. The plaintext
/// comes out of the cookie's authenticated decryption, so a value is found only by the very
/// bytes it was parsed from. Only plaintexts of at most `PARSED_MAX_LEN` bytes are kept (a
/// logged-in visitor's cookie is about 200; an anonymous visitor's with hundreds of stars can
/// be 4 KB), within `PARSED_BUDGET` bytes per cache and worker: emptied when full. Keys are
/// hashed with foldhash, randomly seeded per process, instead of SipHash.
struct Parsed<V> {
    values: crate::FastMap<Box<str>, V>,
    bytes: usize,
}

/// The longest plaintext whose parsed value a worker keeps.
const PARSED_MAX_LEN: usize = 1024;

/// Bytes of plaintext (counted twice: the key and the parsed copy) a cache keeps at most.
const PARSED_BUDGET: usize = 2 * 1024 * 1024;

impl<V: Clone> Parsed<V> {
    fn new() -> Self {
        Self {
            values: crate::FastMap::default(),
            bytes: 0,
        }
    }

    fn get(&self, plaintext: &str) -> Option<V> {
        self.values.get(plaintext).cloned()
    }

    fn keep(&mut self, plaintext: &str, value: &V) {
        if plaintext.len() > PARSED_MAX_LEN {
            return;
        }
        let cost = 2 * plaintext.len();
        if self.bytes + cost > PARSED_BUDGET {
            self.values.clear();
            self.bytes = 0;
        }
        self.values.insert(plaintext.into(), value.clone());
        self.bytes += cost;
    }
}

thread_local! {
    /// Session records, by the `auth` entry's JSON (the `last_seen` refresh changes it once
    /// a minute): parsing its doubly-escaped JSON is a good part of reading the cookie.
    static PARSED_RECORDS: std::cell::RefCell<Parsed<Arc<SessionRecord>>> =
        std::cell::RefCell::new(Parsed::new());
    /// Whole session states, by the cookie's plaintext (`CookieStore`).
    static PARSED_STATES: std::cell::RefCell<Parsed<SessionState>> =
        std::cell::RefCell::new(Parsed::new());
}

/// The record in the session's `auth` entry, parsed once per worker.
fn parsed_record(session: &Session) -> Option<Arc<SessionRecord>> {
    let entries = session.entries();
    let raw = entries.get(AUTH_KEY)?;
    if let Some(hit) = PARSED_RECORDS.with(|c| c.borrow().get(raw)) {
        return Some(hit);
    }
    let record = Arc::new(serde_json::from_str::<SessionRecord>(raw).ok()?);
    PARSED_RECORDS.with(|c| c.borrow_mut().keep(raw, &record));
    Some(record)
}

/// actix-session's cookie store (`actix_session::storage::CookieSessionStore`: the whole
/// session state is the cookie's encrypted value), except that the state read from a cookie
/// is parsed once per worker thread (`Parsed`): parsing its map of JSON strings was about
/// 4 % of a warm join's work. Writing is the cookie store's own.
#[derive(Default)]
pub struct CookieStore {
    inner: actix_session::storage::CookieSessionStore,
}

/// The session state as actix-session hands it to a store.
type SessionState = HashMap<String, String>;

impl actix_session::storage::SessionStore for CookieStore {
    async fn load(
        &self,
        key: &actix_session::storage::SessionKey,
    ) -> Result<Option<SessionState>, actix_session::storage::LoadError> {
        let json: &str = key.as_ref();
        if let Some(hit) = PARSED_STATES.with(|c| c.borrow().get(json)) {
            return Ok(Some(hit));
        }
        let state = self.inner.load(key).await?;
        if let Some(state) = &state {
            PARSED_STATES.with(|c| c.borrow_mut().keep(json, state));
        }
        Ok(state)
    }

    async fn save(
        &self,
        state: SessionState,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<actix_session::storage::SessionKey, actix_session::storage::SaveError> {
        self.inner.save(state, ttl).await
    }

    async fn update(
        &self,
        key: actix_session::storage::SessionKey,
        state: SessionState,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<actix_session::storage::SessionKey, actix_session::storage::UpdateError> {
        self.inner.update(key, state, ttl).await
    }

    async fn update_ttl(
        &self,
        key: &actix_session::storage::SessionKey,
        ttl: &actix_web::cookie::time::Duration,
    ) -> Result<(), anyhow::Error> {
        self.inner.update_ttl(key, ttl).await
    }

    async fn delete(&self, key: &actix_session::storage::SessionKey) -> Result<(), anyhow::Error> {
        self.inner.delete(key).await
    }
}

/// Sends the session cookie's value as the base64 text it is. actix-web percent-encodes
/// every cookie value it sets, and the private cookie's standard base64 carries `/` and `=`
/// (`%2F`, `%3D`); every later request then percent-decodes the value byte by byte before
/// decrypting it (about 3 % of a warm join's work). RFC 6265's cookie-octets include both
/// characters, so the value goes out unescaped and comes back with nothing to decode. A
/// cookie set escaped (by an earlier version) reads as before: decoding leaves the same text.
pub fn plain_session_cookie(headers: &mut actix_web::http::header::HeaderMap) {
    use actix_web::http::header::SET_COOKIE;
    let mut changed = false;
    let values: Vec<_> = headers
        .get_all(SET_COOKIE)
        .map(|v| {
            let plain = unescaped(v);
            changed |= plain.is_some();
            plain.unwrap_or_else(|| v.clone())
        })
        .collect();
    if changed {
        headers.remove(SET_COOKIE);
        for v in values {
            headers.append(SET_COOKIE, v);
        }
    }
}

/// The session cookie `set` with `%2F` and `%3D` in its value written out, when it has them
/// and nothing else escaped.
fn unescaped(
    set: &actix_web::http::header::HeaderValue,
) -> Option<actix_web::http::header::HeaderValue> {
    let rest = set
        .to_str()
        .ok()?
        .strip_prefix(COOKIE_NAME)?
        .strip_prefix('=')?;
    let end = rest.find(';').unwrap_or(rest.len());
    let (value, attributes) = rest.split_at(end);
    if !value.contains('%') {
        return None;
    }
    let plain = value.replace("%2F", "/").replace("%3D", "=");
    if plain.contains('%') {
        return None;
    }
    let mut out = String::with_capacity(set.len());
    for part in [COOKIE_NAME, "=", &plain, attributes] {
        out.push_str(part);
    }
    actix_web::http::header::HeaderValue::from_str(&out).ok()
}

/// Random bytes in a session id and in a CSRF token: 128 bits, twice what OWASP asks of a
/// session id's entropy (64), in 22 characters; every request carries both in its cookie.
const TOKEN_BYTES: usize = 16;

fn random_token() -> String {
    let mut buf = [0u8; TOKEN_BYTES];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

impl TypedSession {
    /// Reads the cookie's session and judges it at `now`: an ended session (revoked, expired,
    /// a guest after guest mode went off) is removed from the cookie and counts as logged out.
    pub fn judge(session: Session, state: Option<&AppState>, now: DateTime<Utc>) -> Self {
        let record = parsed_record(&session);
        let record = match (record, state) {
            (Some(mut rec), Some(state)) => match state.sessions.check(&rec, now) {
                Verdict::Valid => Some(rec),
                Verdict::Touch => {
                    Arc::make_mut(&mut rec).last_seen = now.timestamp();
                    let _ = session.insert(AUTH_KEY, &*rec);
                    Some(rec)
                }
                Verdict::Ended => {
                    session.remove(AUTH_KEY);
                    None
                }
            },
            _ => None,
        };
        Self { session, record }
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<SessionUser> {
        self.record.as_ref().map(|r| r.user.clone())
    }

    /// The logged-in user, borrowed.
    pub fn user_ref(&self) -> Option<&SessionUser> {
        self.record.as_ref().map(|r| &r.user)
    }

    /// Logs `user` in: a new session row, a new session id and a new CSRF token in the cookie
    /// (so nothing set before the login, by anyone, carries over).
    pub async fn log_in(&self, state: &AppState, user: &SessionUser) -> Result<(), AppError> {
        let now = state.clock.now();
        if let Some(old) = &self.record {
            // Switching accounts ends the previous session.
            self.end(state, &old.sid).await?;
        }
        // Stars gathered anonymously or as a guest go with the login; another account's do not.
        let carried = match &self.record {
            Some(old) if old.user.role != crate::auth::user::UserRole::Guest => Vec::new(),
            _ => self.stars(),
        };
        let sid = random_token();
        let limits = state.sessions.limits(user.role);
        store::insert_session(
            &state.db,
            &store::hash(&sid),
            &user.id,
            &user.name,
            user.role,
            now,
            now + limits.absolute,
        )
        .await?;
        let stars = crate::agenda::login::after_login(&state.db, user, carried, now).await?;
        self.session.renew();
        self.session.remove(CSRF_KEY);
        self.set_stars(&stars)?;
        self.session
            .insert(
                AUTH_KEY,
                SessionRecord {
                    sid,
                    user: user.clone(),
                    created_at: now.timestamp(),
                    last_seen: now.timestamp(),
                },
            )
            .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the session: {e}")))
    }

    /// The agenda stars kept in the cookie (session ids).
    pub fn stars(&self) -> Vec<i64> {
        self.session
            .get::<Vec<i64>>(STARS_KEY)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Replaces the agenda stars kept in the cookie.
    pub fn set_stars(&self, stars: &[i64]) -> Result<(), AppError> {
        // No stars, no entry: every request decrypts and parses the cookie.
        if stars.is_empty() {
            if self.session.entries().contains_key(STARS_KEY) {
                self.session.remove(STARS_KEY);
            }
            return Ok(());
        }
        self.session
            .insert(STARS_KEY, stars)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the stars: {e}")))
    }

    /// Keeps a just-made calendar feed token until the next [`Self::take_new_feed_token`].
    pub fn put_new_feed_token(&self, token: &str) -> Result<(), AppError> {
        self.session
            .insert(NEW_FEED_KEY, token)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the feed token: {e}")))
    }

    /// The just-made calendar feed token, once.
    pub fn take_new_feed_token(&self) -> Option<String> {
        self.session
            .remove_as::<String>(NEW_FEED_KEY)
            .and_then(Result::ok)
    }

    async fn end(&self, state: &AppState, sid: &str) -> Result<(), AppError> {
        let h = store::hash(sid);
        state.sessions.revoke_locally(&h);
        store::revoke_session(&state.db, &h, state.clock.now()).await?;
        Ok(())
    }

    /// Logs out: the session ends in the database and on every instance, and the cookie is
    /// cleared.
    pub async fn log_out(&self, state: &AppState) -> Result<(), AppError> {
        if let Some(rec) = &self.record {
            self.end(state, &rec.sid).await?;
        }
        self.session.purge();
        Ok(())
    }

    /// The CSRF token of this browser session, made on first use.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(t)) = self.session.get::<String>(CSRF_KEY) {
            return t;
        }
        let token = random_token();
        // A failed insert only means the next form post will be refused; nothing to leak.
        let _ = self.session.insert(CSRF_KEY, &token);
        token
    }

    /// Checks a submitted form's token against the session's, in constant time.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), AppError> {
        // The entry is the JSON of a URL-safe base64 token: read borrowed, without a copy.
        let entries = self.session.entries();
        let expected = entries
            .get(CSRF_KEY)
            .and_then(|raw| serde_json::from_str::<&str>(raw).ok());
        match expected {
            Some(e)
                if !submitted.is_empty()
                    && bool::from(e.as_bytes().ct_eq(submitted.as_bytes())) =>
            {
                Ok(())
            }
            _ => Err(AppError::Forbidden(
                "This form has expired or did not come from this site. Please go back, reload \
                 the page and try again."
                    .into(),
            )),
        }
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>();
        let now = state.map_or_else(Utc::now, |s| s.clock.now());
        ready(Ok(TypedSession::judge(
            req.get_session(),
            state.map(|s| s.get_ref()),
            now,
        )))
    }
}

/// A new random user id for a guest.
pub fn new_user_id() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("hw-{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_session::storage::{SessionKey, SessionStore};

    fn key(state: &SessionState) -> SessionKey {
        SessionKey::try_from(serde_json::to_string(state).unwrap()).unwrap()
    }

    fn kept(key: &SessionKey) -> bool {
        let json: &str = key.as_ref();
        PARSED_STATES.with(|c| c.borrow().values.contains_key(json))
    }

    #[actix_web::test]
    async fn the_cookie_store_reads_what_it_wrote_and_keeps_only_short_states_parsed() {
        let store = CookieStore::default();
        let small: SessionState = [("csrf".to_owned(), "\"abc\"".to_owned())].into();
        let large: SessionState = [("agenda_stars".to_owned(), "1,".repeat(600))].into();
        let ttl = actix_web::cookie::time::Duration::hours(1);

        let small_key = store.save(small.clone(), &ttl).await.unwrap();
        let large_key = key(&large);
        let first = store.load(&small_key).await.unwrap();
        let again = store.load(&small_key).await.unwrap();
        let big = store.load(&large_key).await.unwrap();

        assert_eq!(first.as_ref(), Some(&small));
        assert_eq!(again.as_ref(), Some(&small));
        assert!(kept(&small_key));
        assert_eq!(big.as_ref(), Some(&large));
        assert!(
            !kept(&large_key),
            "a state over {PARSED_MAX_LEN} bytes is not kept"
        );
        assert_eq!(key(&small).as_ref(), small_key.as_ref());
        let garbage = SessionKey::try_from("not json".to_owned()).unwrap();
        assert!(store.load(&garbage).await.is_err());
        assert!(!kept(&garbage));
    }
}
