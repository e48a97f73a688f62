-- Logins live on the server: the login cookie carries only the session id, and an instance
-- that has not seen the session yet reads who it is (user_json, the user as the session
-- keeps it) and when it was last used (last_seen, refreshed at most once a minute) from here.
-- Rows written before this migration have neither: their browsers still carry the user in the
-- encrypted session cookie, and the first request of such a browser fills both in.
alter table auth_sessions add column user_json text;
alter table auth_sessions add column last_seen bigint;
