-- OpenID Connect logins. Instants are UTC Unix seconds.

-- Logins under way: one row per authorization request, keyed by the SHA-256 of its state,
-- holding the nonce and PKCE verifier the callback needs. Deleted by the callback that uses it
-- (single use, on whichever instance the provider sends the browser back to); a few minutes long.
create table oidc_pending (
    state_hash text primary key,
    nonce text not null,
    pkce_verifier text not null,
    next text not null,
    expires_at bigint not null
);
create index oidc_pending_expiry on oidc_pending (expires_at);

-- The id token of each OIDC login, for logging out at the provider (id_token_hint). The cookie
-- carries a random handle; only its SHA-256 is stored.
create table oidc_sessions (
    handle_hash text primary key,
    user_id text not null,
    id_token text not null,
    expires_at bigint not null
);
create index oidc_sessions_expiry on oidc_sessions (expires_at);
