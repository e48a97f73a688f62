-- The personal agenda: the sessions a registered person starred (guests keep theirs in the
-- session cookie), and each person's calendar feed. Instants are UTC Unix seconds.

-- One row per starred session; session_id is the schedule's row id (stable across re-imports).
create table agenda_stars (
    user_id text not null,
    session_id integer not null,
    created_at integer not null,
    primary key (user_id, session_id)
);

-- The calendar feed `/agenda/<token>.ics`: the token is feed_id (public, the lookup key, also
-- named in the feed's join links) followed by a secret; only the SHA-256 of the whole token is
-- stored. One feed per person: regenerating replaces the row, which revokes the old feed URL
-- and every join link it carried.
create table agenda_feeds (
    user_id text primary key,
    feed_id text not null unique,
    token_hash text not null,
    created_at integer not null
);
