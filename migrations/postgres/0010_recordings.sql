-- The recordings cache: what each BBB server's getRecordings listed at the last successful
-- fetch (only meetings tagged by hallway), shared by every instance so that one instance
-- fetches and pages never call BBB. One row per (server, recordID); a server's rows are
-- replaced as a whole when its fetch succeeds and kept while it fails. room, session_key and
-- session_guid come from the meta_hallway-* tags hallway puts on every create (room also from
-- hallway's meetingID); formats is a JSON array of {"type", "url", "length"} (length in
-- minutes, as BBB reports it). published is 0 or 1; start_ms and end_ms are BBB's epoch
-- milliseconds; updated_at is UTC Unix seconds.
create table recordings (
    server text not null,
    record_id text not null,
    meeting_id text not null,
    name text not null,
    published bigint not null,
    state text not null,
    start_ms bigint not null,
    end_ms bigint not null,
    room text,
    session_key text,
    session_guid text,
    formats text not null,
    updated_at bigint not null,
    primary key (server, record_id)
);
create index recordings_by_meeting on recordings (meeting_id);
