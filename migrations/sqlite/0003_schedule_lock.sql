-- One row that every schedule import updates first, so concurrent imports (an upload racing a
-- URL pull, or several instances pulling) run one after the other and each compares against
-- what the previous one stored.
create table schedule_lock (
    id integer primary key,
    generation integer not null
);
insert into schedule_lock (id, generation) values (1, 0);
