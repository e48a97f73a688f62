-- Schedule provenance: the conference day each session is listed under, what the last import
-- was, and the state of periodic pulls of a schedule URL (shared by every instance).

alter table sessions add column day text;
alter table schedule_imports add column acronym text;
alter table schedule_imports add column format text;

create table schedule_pulls (
    url text primary key,
    etag text,
    last_modified text,
    checked_at bigint not null,
    ok bigint not null,
    message text not null,
    changed_at bigint
);
