-- Operations: meetings left behind by a deliberate move of a running room. BBB cannot migrate
-- a live meeting, so the old one is announced in its chat (sendChatMessage, BBB 3.0+), then
-- ended at end_at by whichever instance holds the 'retire-moved' lease; joins meanwhile go to
-- the room's new server. The row stays after the end (ended_at set) so that a poll still
-- listing the old meeting does not adopt it again. Instants are UTC Unix seconds;
-- create_time is BBB's (epoch milliseconds) and names the meeting session that was left.
create table meeting_retirements (
    meeting_id text not null,
    server text not null,
    create_time bigint not null,
    room text not null,
    end_at bigint not null,
    announcement text not null,
    ended_at bigint,
    primary key (meeting_id, server, create_time)
);
create index meeting_retirements_due on meeting_retirements (ended_at, end_at);
