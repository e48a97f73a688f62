-- Operations: server states, health decisions, room moves and the audit log.
-- Instants are UTC Unix seconds.

-- One row per BBB server that was ever given a state or a health decision. state: enabled
-- (default), draining (no new meetings; joins to running ones go in), disabled (no new
-- meetings, no joins). health: up, down or unknown, written by the leader only (the instance
-- holding the 'operations' lease), with the poll error that made it down.
create table server_states (
    name text primary key,
    state text not null default 'enabled',
    changed_by text,
    changed_at bigint,
    health text not null default 'unknown',
    health_since bigint,
    health_error text
);

-- The last move of each room: where from, where to, when and why ("bbb2 DOWN").
create table room_moves (
    room text primary key,
    from_server text not null,
    to_server text not null,
    moved_at bigint not null,
    reason text not null
);

-- The audit log (0005) also records server state changes, health decisions, room moves and
-- staff actions; `target` names what they were about (a server, a room).
alter table audit_log add column target text not null default '';
create index audit_log_by_at on audit_log (at);
