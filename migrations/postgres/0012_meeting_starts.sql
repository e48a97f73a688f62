-- The lobby: meetings a moderator has started (hallway sent a moderator join). One row per
-- meeting, holding the createTime of the meeting the moderator joined: a meeting created again
-- (new createTime) is not started until a moderator joins it again. Instants are UTC Unix
-- seconds. Writers bump the meeting_starts topic, so every instance's waiting pages hear it.
create table meeting_starts (
    meeting_id text primary key,
    room text not null,
    create_time bigint not null,
    started_at bigint not null
);
