-- Accounts: the registration list, server-side sessions, login rate counters, e-mailed login
-- links, run-time settings (guest mode) and their audit trail. Instants are UTC Unix seconds.

-- The registration list (`hallway users import`) and people who came through the identity
-- provider. email is normalised (lower case, +tag stripped); code_hash is an argon2 PHC string;
-- roles, tracks and speaker_of are JSON arrays of strings.
create table people (
    id text primary key,
    email text not null unique,
    name text not null,
    code_hash text,
    roles text not null,
    tracks text not null,
    speaker_of text not null,
    updated_at integer not null
);

-- One row per login. The cookie carries the session id; only its SHA-256 is stored. A session
-- ends at expires_at (absolute limit) or when revoked_at is set (logout, an admin ending all
-- sessions of a user, guest mode switched off); instances keep the revoked ids in memory.
create table auth_sessions (
    id_hash text primary key,
    user_id text not null,
    name text not null,
    role text not null,
    created_at integer not null,
    expires_at integer not null,
    revoked_at integer
);
create index auth_sessions_by_user on auth_sessions (user_id);
create index auth_sessions_revoked on auth_sessions (revoked_at, expires_at);

-- Failed code logins per (normalised) e-mail address in the current window, shared by every
-- instance.
create table login_failures (
    email text primary key,
    failures integer not null,
    window_start integer not null
);

-- Single-use login links sent by e-mail; only a SHA-256 of the token is stored.
create table login_links (
    token_hash text primary key,
    person_id text not null,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);

-- Settings an admin changes at run time (guest_mode: "on" / "off").
create table runtime_settings (
    name text primary key,
    value text not null,
    updated_at integer not null,
    updated_by text not null
);

-- Who changed what, when.
create table audit_log (
    id integer primary key autoincrement,
    at integer not null,
    actor text not null,
    action text not null,
    detail text not null
);
