//! The only place that knows what hallway keeps about a visitor's session, and where.
//!
//! A login lives on the server. The login cookie (`hallway_login`) carries only the session
//! id, 128 random bits; the database keeps its SHA-256 with who the session is and when it was
//! last used (`auth_sessions`), and each worker thread keeps the logins it has seen in memory
//! ([`Login`]), so a request of a known session costs one map lookup: no decryption, no
//! parsing, no database round trip. A worker that has not seen a session yet reads it from
//! the database; an id found unknown or ended is remembered as dead and refused from memory.
//! Logout and an admin ending someone's sessions revoke the row, and every instance's
//! [`SessionGate`](crate::auth::gate::SessionGate) (memory, refreshed through the change
//! mechanism) refuses the id from then on, so a copied cookie stops working. The last use is
//! refreshed in memory at most once a minute and written to the row in the background; a
//! session that looks idle in a worker's memory is read again before it is ended, since
//! another worker or instance may have seen it since. A logged-in session's CSRF token is an
//! HMAC of its id (`SessionGate::csrf_for`): every instance knows it, nothing stores it.
//!
//! What belongs to the browser rather than the login stays in the encrypted session cookie
//! (`hallway_session`, actix-session, private content under `server.session_key`): the CSRF
//! token of a visitor who is not logged in, the agenda stars (the only copy for anonymous
//! visitors and guests, a copy of the database's for registered accounts: see
//! `agenda::stars`), OpenID logins under way, an admin's preview time and, for one page view,
//! a just-made calendar feed token. A browser with none of these carries no session cookie.
//! A cookie that does not decrypt counts as empty. A login carries the stars of an anonymous
//! or guest browser over into the account (`agenda::login::after_login`).
//!
//! Versions before server-side logins kept the login in the session cookie (`auth` entry):
//! such a browser's first request moves it to the server and gets a login cookie, so nobody
//! is logged out by the upgrade.

use actix_session::{Session, SessionExt, SessionStatus};
use actix_web::dev::{Payload, ServiceResponse};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use base64::Engine;
use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

use crate::auth::gate::{SessionRecord, Verdict};
use crate::auth::store;
use crate::auth::user::SessionUser;
use crate::error::AppError;
use crate::state::AppState;

/// The browser-state cookie's name (actix-session).
pub const COOKIE_NAME: &str = "hallway_session";

/// The login cookie's name: its value is the session id. Behind https it is
/// `__Host-hallway_login` ([`login_cookie_name`]), which a browser accepts only from this very
/// host over https: no sibling domain or plain-http page can plant one.
pub const LOGIN_COOKIE: &str = "hallway_login";

/// The login cookie's name when cookies are `Secure` (`secure`) or not.
pub fn login_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-hallway_login"
    } else {
        LOGIN_COOKIE
    }
}

/// Where versions before server-side logins kept the login in the session cookie.
const LEGACY_AUTH_KEY: &str = "auth";
const CSRF_KEY: &str = "csrf";
const STARS_KEY: &str = "agenda_stars";
const NEW_FEED_KEY: &str = "agenda_new_feed";

/// A login as a worker keeps it: the record, its id's hash (the revocation list's key) and its
/// CSRF token, worked out once.
#[derive(Clone, Debug)]
pub struct Login {
    record: SessionRecord,
    sid_hash: String,
    csrf: String,
}

impl Login {
    /// The login of `record`, whose id hashes to `sid_hash`.
    fn new(record: SessionRecord, sid_hash: String, state: &AppState) -> Self {
        Self {
            sid_hash,
            csrf: state.sessions.csrf_for(&record.sid),
            record,
        }
    }
}

/// Logins a worker thread has seen, by session id, and ids it found dead (unknown, revoked,
/// expired: an id never comes back to life, so a dead one is refused without asking the
/// database again). At most `LOGINS_MAX` logins (a few hundred bytes each) and `DEAD_MAX` dead
/// ids are kept; when full, one entry makes room (an evicted login is read again from the
/// database when it returns).
struct Logins {
    by_sid: crate::FastMap<Box<str>, Arc<Login>>,
    dead: crate::FastSet<Box<str>>,
}

/// The most logins a worker keeps in memory.
const LOGINS_MAX: usize = 50_000;

/// The most dead session ids a worker remembers.
const DEAD_MAX: usize = 10_000;

impl Logins {
    fn keep(&mut self, login: Arc<Login>) {
        if self.by_sid.len() >= LOGINS_MAX {
            if let Some(any) = self.by_sid.keys().next().cloned() {
                self.by_sid.remove(&any);
            }
        }
        self.by_sid.insert(login.record.sid.as_str().into(), login);
    }

    fn bury(&mut self, sid: &str) {
        self.by_sid.remove(sid);
        if self.dead.len() >= DEAD_MAX {
            if let Some(any) = self.dead.iter().next().cloned() {
                self.dead.remove(&any);
            }
        }
        self.dead.insert(sid.into());
    }
}

thread_local! {
    static LOGINS: std::cell::RefCell<Logins> = std::cell::RefCell::new(Logins {
        by_sid: crate::FastMap::default(),
        dead: crate::FastSet::default(),
    });
}

/// What this worker knows of a presented session id.
enum Known {
    Live(Arc<Login>),
    Dead,
    Unknown(String),
}

/// The request's session once resolved through the database, or changed by a login or logout
/// in the handler, so that resolving again (the error page's full layout) answers the same
/// without another lookup. A session decided from the worker's memory is not kept: resolving
/// it again decides the same (a touched login is valid the second time, an ended one is dead).
#[derive(Clone)]
struct Resolved(Option<Arc<Login>>);

/// What the response must do with the login cookie (set by a login, a logout or an ended
/// session; written by [`finish`]). A login's or logout's decision replaces an earlier one;
/// an ended session's does not.
#[derive(Clone, Debug)]
enum LoginCookie {
    Set { sid: String, max_age: i64 },
    Clear,
}

/// Typed access to the visitor's session, already checked against the session gate.
pub struct TypedSession {
    session: Session,
    login: Option<Arc<Login>>,
    req: HttpRequest,
}

/// A session being resolved: known at once (a worker's memory, or no login), or after a
/// database read.
pub enum Resolving {
    /// Known.
    Now(Result<TypedSession, AppError>),
    /// Needs the database.
    Later(LocalBoxFuture<'static, Result<TypedSession, AppError>>),
}

/// What a worker thread has already parsed out of cookies, by the plaintext it was parsed
/// from: a visitor's requests carry the same cookie until its state changes. The plaintext
/// comes out of the cookie's authenticated decryption, so a value is found only by the very
/// bytes it was parsed from. Only plaintexts of at most `PARSED_MAX_LEN` bytes are kept (a
/// visitor's form token is about 40; an anonymous visitor's hundreds of stars can be 4 KB), within `PARSED_BUDGET` bytes per cache and worker: emptied when full. Keys are
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
    /// Whole session states, by the cookie's plaintext (`CookieStore`).
    static PARSED_STATES: std::cell::RefCell<Parsed<SessionState>> =
        std::cell::RefCell::new(Parsed::new());
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
/// session id's entropy (64), in 22 characters.
const TOKEN_BYTES: usize = 16;

fn random_token() -> String {
    let mut buf = [0u8; TOKEN_BYTES];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Whether `value` can be a session id (22 characters of URL-safe base64): anything else is
/// not looked up.
fn plausible_sid(value: &str) -> bool {
    value.len() == 22
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Notes a session's use at `now` in the database, in the background (the request does not
/// wait for it).
fn touch_later(state: &AppState, sid_hash: &str, now: i64) {
    let db = state.db.clone();
    let hash = sid_hash.to_owned();
    actix_web::rt::spawn(async move {
        if let Err(e) = store::touch_session(&db, &hash, now).await {
            tracing::warn!(error = %e, "could not note a session's last use");
        }
    });
}

impl TypedSession {
    /// A judged session (`login`) of `req`, decided from this worker's memory: resolving again
    /// decides the same, so nothing is remembered in the request.
    fn known(req: &HttpRequest, session: Session, login: Option<Arc<Login>>) -> Self {
        Self {
            session,
            login,
            req: req.clone(),
        }
    }

    /// A judged session (`login`) of `req` that took the database, remembered for the rest of
    /// the request.
    fn resolved(req: &HttpRequest, session: Session, login: Option<Arc<Login>>) -> Self {
        req.extensions_mut().insert(Resolved(login.clone()));
        Self {
            session,
            login,
            req: req.clone(),
        }
    }

    /// Finds and judges the request's session at `now`. A login this worker knows is judged in
    /// memory, and so is an id it found dead before; an unknown one, or one that looks idle
    /// here, is read from the database.
    pub fn resolve(
        req: &HttpRequest,
        state: &web::Data<AppState>,
        now: DateTime<Utc>,
    ) -> Resolving {
        let session = req.get_session();
        if let Some(Resolved(login)) = req.extensions().get::<Resolved>().cloned() {
            return Resolving::Now(Ok(Self {
                session,
                login,
                req: req.clone(),
            }));
        }
        let name = login_cookie_name(state.sessions.secure_cookies());
        // The id and what this worker knows of it (looked up before the id is copied).
        let found = req.cookies().ok().and_then(|jar| {
            let sid = jar
                .iter()
                .find(|c| c.name() == name)
                .map(|c| c.value())
                .filter(|v| plausible_sid(v))?;
            Some(LOGINS.with(|l| {
                let l = l.borrow();
                match l.by_sid.get(sid) {
                    Some(login) => Known::Live(login.clone()),
                    None if l.dead.contains(sid) => Known::Dead,
                    None => Known::Unknown(sid.to_owned()),
                }
            }))
        });
        let sid = match found {
            None => {
                if session.entries().contains_key(LEGACY_AUTH_KEY) {
                    let (req, state) = (req.clone(), state.clone());
                    return Resolving::Later(Box::pin(async move {
                        Self::adopt_legacy(&req, session, &state, now).await
                    }));
                }
                return Resolving::Now(Ok(Self::known(req, session, None)));
            }
            Some(Known::Dead) => {
                mark_ended(req);
                return Resolving::Now(Ok(Self::known(req, session, None)));
            }
            Some(Known::Live(login)) => {
                match state.sessions.check(&login.record, &login.sid_hash, now) {
                    Verdict::Valid => {
                        return Resolving::Now(Ok(Self::known(req, session, Some(login))))
                    }
                    Verdict::Touch => {
                        let mut fresh = Login::clone(&login);
                        fresh.record.last_seen = now.timestamp();
                        touch_later(state, &fresh.sid_hash, fresh.record.last_seen);
                        let fresh = Arc::new(fresh);
                        LOGINS.with(|l| l.borrow_mut().keep(fresh.clone()));
                        return Resolving::Now(Ok(Self::known(req, session, Some(fresh))));
                    }
                    Verdict::Ended => {
                        LOGINS.with(|l| l.borrow_mut().bury(&login.record.sid));
                        mark_ended(req);
                        return Resolving::Now(Ok(Self::known(req, session, None)));
                    }
                    // Idle here may not be idle elsewhere: the database decides.
                    Verdict::Idle => login.record.sid.clone(),
                }
            }
            Some(Known::Unknown(sid)) => sid,
        };
        let (req, state) = (req.clone(), state.clone());
        Resolving::Later(Box::pin(async move {
            Self::load(&req, session, &state, sid, now).await
        }))
    }

    /// Reads the session `sid` from the database and judges it; an unknown or ended one is
    /// remembered as dead and clears the login cookie.
    async fn load(
        req: &HttpRequest,
        session: Session,
        state: &AppState,
        sid: String,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let hash = store::hash(&sid);
        let stored = store::live_session(&state.db, &hash, now).await?;
        let Some(stored) = stored else {
            LOGINS.with(|l| l.borrow_mut().bury(&sid));
            mark_ended(req);
            return Ok(Self::resolved(req, session, None));
        };
        let mut record = SessionRecord {
            sid,
            user: stored.user,
            created_at: stored.created_at,
            last_seen: stored.last_seen,
        };
        match state.sessions.check(&record, &hash, now) {
            Verdict::Ended | Verdict::Idle => {
                LOGINS.with(|l| l.borrow_mut().bury(&record.sid));
                mark_ended(req);
                return Ok(Self::resolved(req, session, None));
            }
            Verdict::Touch => {
                record.last_seen = now.timestamp();
                touch_later(state, &hash, record.last_seen);
            }
            Verdict::Valid => {}
        }
        let login = Arc::new(Login::new(record, hash, state));
        LOGINS.with(|l| l.borrow_mut().keep(login.clone()));
        Ok(Self::resolved(req, session, Some(login)))
    }

    /// A login kept in the session cookie by an earlier version: judged as that version did,
    /// then moved to the server (the row learns the user, the browser gets a login cookie, the
    /// cookie's entry goes).
    async fn adopt_legacy(
        req: &HttpRequest,
        session: Session,
        state: &AppState,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let record = session.get::<SessionRecord>(LEGACY_AUTH_KEY).ok().flatten();
        let Some(mut record) = record else {
            session.remove(LEGACY_AUTH_KEY);
            return Ok(Self::resolved(req, session, None));
        };
        let hash = store::hash(&record.sid);
        match state.sessions.check(&record, &hash, now) {
            // The cookie was the only copy of the last use: idle is over, as it was before.
            Verdict::Ended | Verdict::Idle => {
                session.remove(LEGACY_AUTH_KEY);
                return Ok(Self::resolved(req, session, None));
            }
            Verdict::Touch => record.last_seen = now.timestamp(),
            Verdict::Valid => {}
        }
        // The entry goes only once the database has the login (a failed write keeps it).
        store::adopt_session(&state.db, &hash, &record.user, record.last_seen).await?;
        let live = store::live_session(&state.db, &hash, now).await?.is_some();
        session.remove(LEGACY_AUTH_KEY);
        // The login's token is its HMAC now: the stored one goes with the login entry.
        session.remove(CSRF_KEY);
        if !live {
            return Ok(Self::resolved(req, session, None));
        }
        let limits = state.sessions.limits(record.user.role);
        let max_age = record.created_at + limits.absolute.num_seconds() - now.timestamp();
        decide(
            req,
            LoginCookie::Set {
                sid: record.sid.clone(),
                max_age,
            },
        );
        let login = Arc::new(Login::new(record, hash, state));
        LOGINS.with(|l| l.borrow_mut().keep(login.clone()));
        Ok(Self::resolved(req, session, Some(login)))
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<SessionUser> {
        self.login.as_ref().map(|l| l.record.user.clone())
    }

    /// The logged-in user, borrowed.
    pub fn user_ref(&self) -> Option<&SessionUser> {
        self.login.as_ref().map(|l| &l.record.user)
    }

    /// Logs `user` in: a new session row and id (a new login cookie) and no CSRF token of
    /// before the login in the session cookie (so nothing set before the login, by anyone,
    /// carries over).
    pub async fn log_in(&self, state: &AppState, user: &SessionUser) -> Result<(), AppError> {
        let now = state.clock.now();
        if let Some(old) = &self.login {
            // Switching accounts ends the previous session.
            self.end(state, &old.record.sid).await?;
        }
        // Stars gathered anonymously or as a guest go with the login; another account's do not.
        let carried = match &self.login {
            Some(old) if old.record.user.role != crate::auth::user::UserRole::Guest => Vec::new(),
            _ => self.stars(),
        };
        let sid = random_token();
        let sid_hash = store::hash(&sid);
        let limits = state.sessions.limits(user.role);
        store::insert_session(&state.db, &sid_hash, user, now, now + limits.absolute).await?;
        let stars = crate::agenda::login::after_login(&state.db, user, carried, now).await?;
        self.session.renew();
        self.session.remove(CSRF_KEY);
        self.session.remove(LEGACY_AUTH_KEY);
        self.set_stars(&stars)?;
        let login = Arc::new(Login::new(
            SessionRecord {
                sid: sid.clone(),
                user: user.clone(),
                created_at: now.timestamp(),
                last_seen: now.timestamp(),
            },
            sid_hash,
            state,
        ));
        LOGINS.with(|l| l.borrow_mut().keep(login.clone()));
        self.req.extensions_mut().insert(Resolved(Some(login)));
        decide(
            &self.req,
            LoginCookie::Set {
                sid,
                max_age: limits.absolute.num_seconds(),
            },
        );
        Ok(())
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
        LOGINS.with(|l| l.borrow_mut().bury(sid));
        store::revoke_session(&state.db, &h, state.clock.now()).await?;
        Ok(())
    }

    /// Logs out: the session ends in the database and on every instance, and both cookies are
    /// cleared.
    pub async fn log_out(&self, state: &AppState) -> Result<(), AppError> {
        if let Some(login) = &self.login {
            self.end(state, &login.record.sid).await?;
        }
        self.session.purge();
        self.req.extensions_mut().insert(Resolved(None));
        decide(&self.req, LoginCookie::Clear);
        Ok(())
    }

    /// The CSRF token of this visitor: the login's, or for a visitor who is not logged in one
    /// kept in the session cookie (made on first use).
    pub fn csrf_token(&self) -> String {
        if let Some(login) = &self.login {
            return login.csrf.clone();
        }
        if let Ok(Some(t)) = self.session.get::<String>(CSRF_KEY) {
            return t;
        }
        let token = random_token();
        // A failed insert only means the next form post will be refused; nothing to leak.
        let _ = self.session.insert(CSRF_KEY, &token);
        token
    }

    /// Checks a submitted form's token against the visitor's, in constant time.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), AppError> {
        let entries;
        let expected = match &self.login {
            Some(login) => Some(login.csrf.as_str()),
            None => {
                // The entry is the JSON of a URL-safe base64 token: read borrowed, no copy.
                entries = self.session.entries();
                entries
                    .get(CSRF_KEY)
                    .and_then(|raw| serde_json::from_str::<&str>(raw).ok())
            }
        };
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

/// A login's or logout's decision about the login cookie: it stands, whatever came before.
fn decide(req: &HttpRequest, what: LoginCookie) {
    req.extensions_mut().insert(what);
}

/// An ended or unknown session's login cookie goes, unless the request already decided.
fn mark_ended(req: &HttpRequest) {
    let mut ext = req.extensions_mut();
    if !ext.contains::<LoginCookie>() {
        ext.insert(LoginCookie::Clear);
    }
}

/// Writes what the request decided about the cookies into its response: the login cookie set
/// or cleared, and a session cookie whose state went empty removed rather than rewritten
/// (called inside the session middleware, after the handler).
pub fn finish<B>(res: &mut ServiceResponse<B>) {
    let mark = res.request().extensions_mut().remove::<LoginCookie>();
    if let Some(mark) = mark {
        let secure = res
            .request()
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.sessions.secure_cookies());
        let name = login_cookie_name(secure);
        let mut cookie = match mark {
            LoginCookie::Set { sid, max_age } => {
                let mut c = actix_web::cookie::Cookie::new(name, sid);
                c.set_max_age(actix_web::cookie::time::Duration::seconds(max_age.max(0)));
                c
            }
            LoginCookie::Clear => {
                let mut c = actix_web::cookie::Cookie::new(name, "");
                c.make_removal();
                c
            }
        };
        cookie.set_path("/");
        cookie.set_http_only(true);
        cookie.set_secure(secure);
        cookie.set_same_site(actix_web::cookie::SameSite::Lax);
        if let Err(e) = res.response_mut().add_cookie(&cookie) {
            tracing::warn!(error = %e, "could not set the login cookie");
        }
    }
    let session = res.request().get_session();
    if matches!(
        session.status(),
        SessionStatus::Changed | SessionStatus::Renewed
    ) && session.entries().is_empty()
    {
        session.purge();
    }
}

impl FromRequest for TypedSession {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            let session = Self::known(req, req.get_session(), None);
            return Box::pin(std::future::ready(Ok(session)));
        };
        match Self::resolve(req, state, state.clock.now()) {
            Resolving::Now(r) => Box::pin(std::future::ready(r)),
            Resolving::Later(f) => f,
        }
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
