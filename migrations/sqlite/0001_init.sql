-- hallway schema, SQLite flavour. Append-only: never edit a migration once merged; add a new
-- file with the same number and name in migrations/postgres. Instants are UTC Unix seconds.

create table sessions (
    id integer primary key autoincrement,
    key text not null unique,
    guid text,
    title text not null,
    subtitle text,
    starts_at integer not null,
    ends_at integer not null,
    room text not null,
    track text,
    kind text,
    language text,
    abstract text,
    description text,
    url text
);
create index sessions_by_time on sessions (starts_at, ends_at);

create table session_persons (
    session_id integer not null references sessions (id) on delete cascade,
    position integer not null,
    name text not null,
    primary key (session_id, position)
);

create table schedule_imports (
    id integer primary key autoincrement,
    imported_at integer not null,
    source text not null,
    conference_title text not null,
    time_zone text,
    session_count integer not null,
    added integer not null,
    removed integer not null,
    updated integer not null
);

create table rooms (
    slug text primary key,
    name text not null,
    kind text not null,
    server text not null,
    config_server text not null,
    updated_at integer not null
);

create table admin_tokens (
    token_hash text primary key,
    name text not null,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);
