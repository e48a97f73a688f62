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

-- Speakers who opted out of recording: their session's meeting is created with record=false.
alter table sessions add column do_not_record integer not null default 0;

-- Short leases for work only one instance may do at a time (ending finished sessions'
-- meetings, later placements and pre-warming): the holder renews before `until`.
create table leases (
    name text primary key,
    owner text not null,
    until bigint not null
);
