//! All SQL of accounts: one-time admin tokens, server-side sessions, the registration list,
//! login failure counters, e-mailed login links, OpenID Connect logins under way and their id
//! tokens, guest mode and the audit log. Tokens and session ids are stored as SHA-256 only;
//! codes as argon2 (hashed by the caller).

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::auth::user::{SessionUser, UserRole};
use crate::db::{from_db_time, to_db_time, Db};
use crate::sync::{store::bump, Topic};

/// The SHA-256 (hex) under which a token or session id is stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a new token for an admin called `name`, valid for `ttl`; returns the token.
pub async fn create_admin_token(
    db: &Db,
    name: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    sqlx::query(
        "insert into admin_tokens (token_hash, name, created_at, expires_at, used_at) \
         values ($1, $2, $3, $4, null)",
    )
    .bind(hash(&token))
    .bind(name)
    .bind(to_db_time(now))
    .bind(to_db_time(now + ttl))
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The two kinds of single-use login token: both are stored hashed with an expiry, shown by
/// a confirm page (`peek`) and redeemed once by its POST (`redeem`).
#[derive(Clone, Copy)]
enum OneTime {
    /// `hallway admin-link` tokens: they name the admin.
    AdminToken,
    /// E-mailed login links: they name the person.
    LoginLink,
}

impl OneTime {
    /// The table and the column it answers with (constants, never user input).
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            OneTime::AdminToken => ("admin_tokens", "name"),
            OneTime::LoginLink => ("login_links", "person_id"),
        }
    }

    /// The token's value if it is still unused and unexpired.
    async fn peek(
        self,
        db: &Db,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, sqlx::Error> {
        let (table, column) = self.table_and_column();
        let sql = format!(
            "select {column} from {table} where token_hash = $1 and used_at is null \
             and expires_at > $2"
        );
        let row = sqlx::query(&sql)
            .bind(hash(token))
            .bind(to_db_time(now))
            .fetch_optional(db.pool())
            .await?;
        row.map(|r| r.try_get(column)).transpose()
    }

    /// Marks the token used, atomically; its value if this call redeemed it.
    async fn redeem(
        self,
        db: &Db,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, sqlx::Error> {
        let value = self.peek(db, token, now).await?;
        let (table, _) = self.table_and_column();
        let sql = format!(
            "update {table} set used_at = $1 where token_hash = $2 and used_at is null \
             and expires_at > $1"
        );
        let done = sqlx::query(&sql)
            .bind(to_db_time(now))
            .bind(hash(token))
            .execute(db.pool())
            .await?;
        Ok(value.filter(|_| done.rows_affected() == 1))
    }
}

/// The admin name of a token that is still unused and unexpired.
pub async fn peek_admin_token(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    OneTime::AdminToken.peek(db, token, now).await
}

/// Marks a token used, atomically; returns the admin name if this call redeemed it.
pub async fn redeem_admin_token(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    OneTime::AdminToken.redeem(db, token, now).await
}

// --- sessions ---------------------------------------------------------------------------

/// Records a new session of `user` (kept whole, so another instance learns who the session
/// is from its id alone).
pub async fn insert_session(
    db: &Db,
    id_hash: &str,
    user: &SessionUser,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into auth_sessions (id_hash, user_id, name, role, created_at, expires_at, \
         revoked_at, user_json, last_seen) values ($1, $2, $3, $4, $5, $6, null, $7, $5)",
    )
    .bind(id_hash)
    .bind(&user.id)
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(to_db_time(now))
    .bind(to_db_time(expires_at))
    .bind(user_json(user))
    .execute(db.pool())
    .await?;
    Ok(())
}

fn user_json(user: &SessionUser) -> String {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_string(user).unwrap_or_default()
}

/// A live session as the database keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredLogin {
    /// Who.
    pub user: SessionUser,
    /// Login instant (Unix seconds).
    pub created_at: i64,
    /// Last use as the instances last wrote it (Unix seconds).
    pub last_seen: i64,
}

/// The session whose id hashes to `id_hash`, if it is neither revoked nor past its absolute
/// end at `now`.
pub async fn live_session(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredLogin>, sqlx::Error> {
    let row = sqlx::query(
        "select user_id, name, role, created_at, user_json, last_seen from auth_sessions \
         where id_hash = $1 and revoked_at is null and expires_at > $2",
    )
    .bind(id_hash)
    .bind(to_db_time(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let created_at: i64 = r.try_get("created_at")?;
    let last_seen: Option<i64> = r.try_get("last_seen")?;
    let json: Option<String> = r.try_get("user_json")?;
    let user = match json.and_then(|j| serde_json::from_str::<SessionUser>(&j).ok()) {
        Some(user) => user,
        None => {
            // A row from before user_json: the name and role it was made with.
            let role: String = r.try_get("role")?;
            let Some(role) = UserRole::ALL.into_iter().find(|x| x.as_str() == role) else {
                return Ok(None);
            };
            SessionUser::new(
                r.try_get::<String, _>("user_id")?,
                r.try_get::<String, _>("name")?,
                role,
            )
        }
    };
    Ok(Some(StoredLogin {
        user,
        created_at,
        last_seen: last_seen.unwrap_or(created_at),
    }))
}

/// Notes that the session `id_hash` was used at `at` (never moves the instant back).
pub async fn touch_session(db: &Db, id_hash: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update auth_sessions set last_seen = $1 where id_hash = $2 \
         and (last_seen is null or last_seen < $1)",
    )
    .bind(at)
    .bind(id_hash)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Fills in the user and last use of a session made before they were kept here (its browser
/// carried them in the session cookie).
pub async fn adopt_session(
    db: &Db,
    id_hash: &str,
    user: &SessionUser,
    last_seen: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update auth_sessions set user_json = $1, last_seen = $2 \
         where id_hash = $3 and user_json is null",
    )
    .bind(user_json(user))
    .bind(last_seen)
    .bind(id_hash)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Ends one session (logout); returns whether it was live.
pub async fn revoke_session(
    db: &Db,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "update auth_sessions set revoked_at = $1 where id_hash = $2 and revoked_at is null",
    )
    .bind(to_db_time(now))
    .bind(id_hash)
    .execute(&mut *tx)
    .await?;
    bump(&mut tx, Topic::Sessions).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// The name and role `user_id` had at their latest login, revoked or not: how an account that
/// is not on the registration list (an OpenID Connect login) is known between its visits
/// (the agenda's join links act for it).
pub async fn latest_login(
    db: &Db,
    user_id: &str,
) -> Result<Option<(String, UserRole)>, sqlx::Error> {
    let row = sqlx::query(
        "select name, role from auth_sessions where user_id = $1 \
         order by created_at desc limit 1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let name: String = r.try_get("name")?;
        let role: String = r.try_get("role")?;
        Ok(UserRole::ALL
            .into_iter()
            .find(|x| x.as_str() == role)
            .map(|role| (name, role)))
    })
    .transpose()
    .map(Option::flatten)
}

/// Ends every live session of `user_id`, with an audit entry; returns how many.
pub async fn revoke_user_sessions(
    db: &Db,
    user_id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "update auth_sessions set revoked_at = $1 where user_id = $2 and revoked_at is null \
         and expires_at > $1",
    )
    .bind(to_db_time(now))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        now,
        actor,
        "end-sessions",
        &format!("{user_id}: {}", done.rows_affected()),
    )
    .await?;
    bump(&mut tx, Topic::Sessions).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// The ids (hashed) of revoked sessions that would otherwise still be valid: the revocation
/// list every instance keeps in memory.
pub async fn revoked_sessions(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "select id_hash from auth_sessions where revoked_at is not null and expires_at > $1",
    )
    .bind(to_db_time(now))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| r.try_get("id_hash")).collect()
}

/// A session as the admin page lists it.
#[derive(Clone, Debug)]
pub struct SessionRow {
    /// Who.
    pub user_id: String,
    /// Their name at login.
    pub name: String,
    /// Their role at login.
    pub role: String,
    /// When they logged in.
    pub created_at: DateTime<Utc>,
}

/// Live sessions, newest first (at most `limit`).
pub async fn live_sessions(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "select user_id, name, role, created_at from auth_sessions \
         where revoked_at is null and expires_at > $1 order by created_at desc limit $2",
    )
    .bind(to_db_time(now))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRow {
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                created_at: from_db_time(r.try_get("created_at")?),
            })
        })
        .collect()
}

// --- guest mode and audit -----------------------------------------------------------------

async fn audit(
    conn: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into audit_log (at, actor, action, detail) values ($1, $2, $3, $4)")
        .bind(to_db_time(now))
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// Guest mode as an admin last set it (None: never switched, the configuration decides).
pub async fn guest_mode(db: &Db) -> Result<Option<bool>, sqlx::Error> {
    let row = sqlx::query("select value from runtime_settings where name = 'guest_mode'")
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| r.try_get::<String, _>("value").map(|v| v == "on"))
        .transpose()
}

/// Switches guest mode, with an audit entry, and tells every instance.
pub async fn set_guest_mode(
    db: &Db,
    on: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let value = if on { "on" } else { "off" };
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "insert into runtime_settings (name, value, updated_at, updated_by) \
         values ('guest_mode', $1, $2, $3) on conflict (name) do update set \
         value = excluded.value, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(value)
    .bind(to_db_time(now))
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, now, actor, "guest-mode", value).await?;
    bump(&mut tx, Topic::GuestMode).await?;
    tx.commit().await
}

/// One audit entry.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
}

/// The latest audit entries.
pub async fn audit_entries(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows =
        sqlx::query("select at, actor, action, detail from audit_log order by id desc limit $1")
            .bind(limit)
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                at: from_db_time(r.try_get("at")?),
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

// --- the registration list ---------------------------------------------------------------

/// A person of the registration list (or from the identity provider).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Stable id (`p-…`).
    pub id: String,
    /// Normalised e-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2 PHC string of the registration code, if they have one.
    pub code_hash: Option<String>,
    /// Roles.
    pub roles: Vec<UserRole>,
    /// Tracks moderated.
    pub tracks: Vec<String>,
    /// Session guids or person names.
    pub speaker_of: Vec<String>,
}

fn person_of(r: &sqlx::any::AnyRow) -> Result<Person, sqlx::Error> {
    let list = |col: &str| -> Result<Vec<String>, sqlx::Error> {
        let raw: String = r.try_get(col)?;
        serde_json::from_str(&raw).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    };
    Ok(Person {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        code_hash: r.try_get("code_hash")?,
        roles: list("roles")?
            .iter()
            .filter_map(|s| UserRole::parse_grantable(s))
            .collect(),
        tracks: list("tracks")?,
        speaker_of: list("speaker_of")?,
    })
}

const PERSON_COLUMNS: &str = "id, email, name, code_hash, roles, tracks, speaker_of";

/// Everyone, by e-mail address.
pub async fn all_people(db: &Db) -> Result<Vec<Person>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select {PERSON_COLUMNS} from people order by email"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(person_of).collect()
}

/// The person with this normalised address.
pub async fn person_by_email(db: &Db, email: &str) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "select {PERSON_COLUMNS} from people where email = $1"
    ))
    .bind(email)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(person_of).transpose()
}

/// The person with this id.
pub async fn person_by_id(db: &Db, id: &str) -> Result<Option<Person>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "select {PERSON_COLUMNS} from people where id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(person_of).transpose()
}

/// Inserts or updates people in one transaction (all or nothing), with an audit entry.
/// A person with `code_hash: None` keeps the code they had.
pub async fn upsert_people(
    db: &Db,
    people: &[Person],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let mut tx = db.pool().begin().await?;
    for p in people {
        let roles: Vec<String> = p.roles.iter().map(|r| r.as_str().to_owned()).collect();
        sqlx::query(
            "insert into people (id, email, name, code_hash, roles, tracks, speaker_of, \
             updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8) \
             on conflict (email) do update set name = excluded.name, \
             code_hash = coalesce(excluded.code_hash, people.code_hash), \
             roles = excluded.roles, tracks = excluded.tracks, \
             speaker_of = excluded.speaker_of, updated_at = excluded.updated_at",
        )
        .bind(p.id.as_str())
        .bind(p.email.as_str())
        .bind(p.name.as_str())
        .bind(p.code_hash.as_deref())
        .bind(json(&roles))
        .bind(json(&p.tracks))
        .bind(json(&p.speaker_of))
        .bind(to_db_time(now))
        .execute(&mut *tx)
        .await?;
    }
    audit(
        &mut tx,
        now,
        actor,
        "users-import",
        &format!("{} people", people.len()),
    )
    .await?;
    tx.commit().await
}

// --- failed logins per address -------------------------------------------------------------

/// Failed code logins for `email` in the window that is still running at `now`.
pub async fn failures(
    db: &Db,
    email: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(i64, DateTime<Utc>), sqlx::Error> {
    let row = sqlx::query("select failures, window_start from login_failures where email = $1")
        .bind(email)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => {
            let start = from_db_time(r.try_get("window_start")?);
            if start + window > now {
                (r.try_get("failures")?, start)
            } else {
                (0, now)
            }
        }
        None => (0, now),
    })
}

/// Counts one failed code login for `email` (a new window when the last one ran out).
pub async fn record_failure(
    db: &Db,
    email: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into login_failures (email, failures, window_start) values ($1, 1, $2) \
         on conflict (email) do update set \
         failures = case when login_failures.window_start > $3 \
                         then login_failures.failures + 1 else 1 end, \
         window_start = case when login_failures.window_start > $3 \
                             then login_failures.window_start else $2 end",
    )
    .bind(email)
    .bind(to_db_time(now))
    .bind(to_db_time(now - window))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets the failures of `email` (after a successful login).
pub async fn clear_failures(db: &Db, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_failures where email = $1")
        .bind(email)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Names guests may not take (lower case): everyone of the registration list with more than
/// attendee rights or a track to moderate, and everyone logged in now as a moderator, staff or
/// admin (people of the identity provider are on no list).
pub async fn privileged_names(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "select name from people where roles <> '[\"attendee\"]' or tracks <> '[]' \
         union select name from auth_sessions where role in ('moderator', 'staff', 'admin') \
         and revoked_at is null and expires_at > $1",
    )
    .bind(to_db_time(now))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("name").map(|n| n.to_lowercase()))
        .collect()
}

/// How many people the registration list has.
pub async fn count_people(db: &Db) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("select count(*) as n from people")
        .fetch_one(db.pool())
        .await?;
    row.try_get("n")
}

// --- e-mailed login links ----------------------------------------------------------------

/// Makes a single-use login link token for `person_id`, valid for `ttl`; returns the token.
/// Expired links are swept out at the same time.
pub async fn create_login_link(
    db: &Db,
    person_id: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = db.pool().begin().await?;
    sqlx::query("delete from login_links where expires_at <= $1")
        .bind(to_db_time(now - Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into login_links (token_hash, person_id, created_at, expires_at, used_at) \
         values ($1, $2, $3, $4, null)",
    )
    .bind(hash(&token))
    .bind(person_id)
    .bind(to_db_time(now))
    .bind(to_db_time(now + ttl))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The person id of a login link that is still unused and unexpired.
pub async fn peek_login_link(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    OneTime::LoginLink.peek(db, token, now).await
}

/// Marks a login link used, atomically; returns the person id if this call redeemed it.
pub async fn redeem_login_link(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    OneTime::LoginLink.redeem(db, token, now).await
}

// --- OpenID Connect ------------------------------------------------------------------------

/// What the callback of one authorization request needs.
#[derive(Clone, Debug)]
pub struct PendingOidc {
    /// The nonce the id token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// Where to go after the login (a safe local path).
    pub next: String,
}

/// Records an authorization request under its `state` until `expires_at` (and sweeps out
/// expired ones).
pub async fn insert_pending_oidc(
    db: &Db,
    state: &str,
    pending: &PendingOidc,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("delete from oidc_pending where expires_at <= $1")
        .bind(to_db_time(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into oidc_pending (state_hash, nonce, pkce_verifier, next, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(hash(state))
    .bind(pending.nonce.as_str())
    .bind(pending.pkce_verifier.as_str())
    .bind(pending.next.as_str())
    .bind(to_db_time(expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes the authorization request of `state` out, atomically: only the first callback with
/// it gets it, and only before it expires.
pub async fn take_pending_oidc(
    db: &Db,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingOidc>, sqlx::Error> {
    let row = sqlx::query(
        "select nonce, pkce_verifier, next from oidc_pending where state_hash = $1 \
         and expires_at > $2",
    )
    .bind(hash(state))
    .bind(to_db_time(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let done = sqlx::query("delete from oidc_pending where state_hash = $1")
        .bind(hash(state))
        .execute(db.pool())
        .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    Ok(Some(PendingOidc {
        nonce: row.try_get("nonce")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        next: row.try_get("next")?,
    }))
}

/// Keeps the id token of an OIDC login of `user_id` until `expires_at`; returns the handle
/// the cookie carries.
pub async fn insert_oidc_session(
    db: &Db,
    user_id: &str,
    id_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let handle = hex::encode(bytes);
    let mut tx = db.pool().begin().await?;
    sqlx::query("delete from oidc_sessions where expires_at <= $1")
        .bind(to_db_time(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into oidc_sessions (handle_hash, user_id, id_token, expires_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(hash(&handle))
    .bind(user_id)
    .bind(id_token)
    .bind(to_db_time(expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(handle)
}

/// Takes out the id token kept under `handle` for `user_id` (logout).
pub async fn take_oidc_session(
    db: &Db,
    handle: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "select id_token from oidc_sessions where handle_hash = $1 and user_id = $2 \
         and expires_at > $3",
    )
    .bind(hash(handle))
    .bind(user_id)
    .bind(to_db_time(now))
    .fetch_optional(db.pool())
    .await?;
    sqlx::query("delete from oidc_sessions where handle_hash = $1")
        .bind(hash(handle))
        .execute(db.pool())
        .await?;
    row.map(|r| r.try_get("id_token")).transpose()
}
