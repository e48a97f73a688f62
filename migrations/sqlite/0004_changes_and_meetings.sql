-- One change mechanism for every instance: each shared kind of state has a version row that
-- writers bump in the same transaction as their change; instances compare versions (at most
-- once a second) and reload what changed.
create table changes (
    topic text primary key,
    version bigint not null
);

-- The meeting registry: every BBB meeting hallway made or found, shared by all instances.
-- state: creating (an instance holds the lease and is calling create), live (BBB has it),
-- ended. create_time is BBB's createTime in milliseconds; passwords are kept for servers
-- before BBB 2.4, which join by password. Instants are UTC Unix seconds.
create table meetings (
    meeting_id text primary key,
    room text not null,
    session_key text,
    server text not null,
    state text not null,
    create_time bigint,
    attendee_pw text,
    moderator_pw text,
    lease_owner text,
    lease_until bigint,
    updated_at bigint not null
);
create index meetings_by_room on meetings (room);
