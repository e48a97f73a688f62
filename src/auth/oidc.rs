//! Logging in through an OpenID Connect provider (the `openidconnect` crate): discovery, the
//! authorization code flow with PKCE, state and nonce, and RP-initiated logout.
//!
//! Events that run their own identity provider (Keycloak, Authentik, an institute's SSO) send
//! people there instead of handing out registration codes. The flow:
//!
//! 1. [`Oidc::start`] discovers the provider (cached), makes a random state, nonce and PKCE
//!    verifier, keeps them in the database under the state's hash (`oidc_pending`, ten minutes,
//!    shared by every instance) and returns the provider's authorization URL. The handler puts
//!    the state into the visitor's encrypted cookie too, so a callback only counts in the
//!    browser that started it (no login CSRF).
//! 2. [`Oidc::finish`] takes the pending row out (single use: a replayed callback finds
//!    nothing), exchanges the code (with the PKCE verifier and the client secret), verifies the
//!    id token (signature, issuer, audience, expiry, nonce, `at_hash`), reads userinfo when the
//!    provider has it, and returns the [`Identity`].
//! 3. [`user_for`] turns it into a hallway user: name and e-mail from the claims, the role and
//!    moderated tracks from the configured claim (`groups`), and, when the verified e-mail is on
//!    the registration list, that person's id, tracks and `speaker_of`.
//!
//! Nothing here knows actix or the session cookie; `auth::handlers` does. Errors say what went
//! wrong for the log; the handlers show fixed texts.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreIdToken,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthType, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl,
    RequestTokenError, Scope as OAuthScope, TokenResponse, UserInfoClaims,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::people;
use crate::auth::store::{self, PendingOidc, Person};
use crate::auth::user::{SessionUser, UserRole};
use crate::config::OidcSettings;
use crate::db::Db;

/// How long a started login may take before its callback is refused.
pub const PENDING_TTL: chrono::Duration = chrono::Duration::minutes(10);

/// How long discovered metadata (endpoints and signing keys) is reused.
const METADATA_TTL: Duration = Duration::from_secs(15 * 60);

/// An id token that fails verification makes hallway discover again, at most this often.
const KEY_REFRESH_AFTER: Duration = Duration::from_secs(60);

/// What can go wrong; the handlers turn each into a page.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider did not answer (discovery, token or userinfo endpoint).
    #[error("the OpenID provider is unavailable: {0}")]
    Unavailable(String),
    /// The callback's state belongs to no login started here (tampered, replayed, expired).
    #[error("the callback's state matches no login under way")]
    UnknownState,
    /// The provider sent the visitor back with an error (`access_denied` and friends).
    #[error("the provider answered with error {0}")]
    Refused(String),
    /// The provider's answer failed verification (code, id token, userinfo).
    #[error("the provider's answer is not valid: {0}")]
    Invalid(String),
}

/// Every claim as the provider sent it (userinfo), to read the configured roles claim from.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RawClaims {
    #[serde(flatten)]
    all: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for RawClaims {}

/// Who the provider says logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `sub`.
    pub subject: String,
    /// `name`, else `preferred_username`.
    pub name: Option<String>,
    /// The e-mail address, normalised as the registration list is.
    pub email: Option<String>,
    /// False only when the provider says the address is not verified.
    pub email_verified: bool,
    /// The values of the configured roles claim.
    pub values: Vec<String>,
    /// The raw id token, for `id_token_hint` at logout.
    pub id_token: String,
}

/// A started login: where to send the browser, and the state to remember in its cookie.
pub struct Started {
    /// The provider's authorization URL.
    pub url: url::Url,
    /// The state parameter.
    pub state: String,
}

/// The configured provider, with its discovered metadata cached.
pub struct Oidc {
    settings: OidcSettings,
    redirect: RedirectUrl,
    post_logout: PostLogoutRedirectUrl,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, Arc<ProviderMetadataWithLogout>)>>,
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

impl Oidc {
    /// The provider of `settings`; callbacks come back to `redirect_url`
    /// (`{public_url}/auth/oidc/callback`), and the provider's logout sends people to
    /// `post_logout_url`. Nothing is fetched until the first login.
    pub fn new(
        settings: OidcSettings,
        redirect_url: &str,
        post_logout_url: &str,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The provider's endpoints answer directly; following redirects would let a
            // discovery document steer hallway at internal services.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self {
            redirect: RedirectUrl::new(redirect_url.to_owned())?,
            post_logout: PostLogoutRedirectUrl::new(post_logout_url.to_owned())?,
            settings,
            http,
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    /// The provider's name for the login page.
    pub fn display_name(&self) -> &str {
        &self.settings.display_name
    }

    /// The settings this provider runs with.
    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The discovered metadata: cached for a while; when rediscovery fails, the last good
    /// metadata keeps working.
    async fn metadata(&self) -> Result<Arc<ProviderMetadataWithLogout>, OidcError> {
        self.discover(METADATA_TTL).await
    }

    /// The metadata, discovered again unless the cached one is younger than `max_age`.
    async fn discover(
        &self,
        max_age: Duration,
    ) -> Result<Arc<ProviderMetadataWithLogout>, OidcError> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, m)) = cached.as_ref() {
            if at.elapsed() < max_age {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Unavailable(format!("issuer URL: {e}")))?;
        match ProviderMetadataWithLogout::discover_async(issuer, &self.http).await {
            Ok(m) => {
                let m = Arc::new(m);
                *cached = Some((Instant::now(), m.clone()));
                Ok(m)
            }
            Err(e) => {
                let why = crate::telemetry::error_chain(&e);
                match cached.as_ref() {
                    Some((_, m)) => {
                        tracing::warn!(error = %why, "OpenID rediscovery failed; keeping the last metadata");
                        Ok(m.clone())
                    }
                    None => Err(OidcError::Unavailable(format!("discovery: {why}"))),
                }
            }
        }
    }

    fn client(&self, meta: &ProviderMetadataWithLogout) -> Client {
        let secret = self
            .settings
            .client_secret
            .as_ref()
            .map(|s| ClientSecret::new(s.expose_secret().to_owned()));
        // HTTP Basic unless the provider only takes the secret in the body.
        let auth = match meta.token_endpoint_auth_methods_supported() {
            Some(methods)
                if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                    && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
            {
                AuthType::RequestBody
            }
            _ => AuthType::BasicAuth,
        };
        CoreClient::from_provider_metadata(
            meta.clone(),
            ClientId::new(self.settings.client_id.clone()),
            secret,
        )
        .set_redirect_uri(self.redirect.clone())
        .set_auth_type(auth)
    }

    /// Starts a login that returns to `next`: the authorization URL and the state.
    pub async fn start(
        &self,
        db: &Db,
        next: &str,
        now: DateTime<Utc>,
    ) -> Result<Started, OidcError> {
        let meta = self.metadata().await?;
        let client = self.client(&meta);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.settings.scopes {
            request = request.add_scope(OAuthScope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let pending = PendingOidc {
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next: next.to_owned(),
        };
        store::insert_pending_oidc(db, state.secret(), &pending, now, now + PENDING_TTL)
            .await
            .map_err(|e| OidcError::Unavailable(format!("storing the login: {e}")))?;
        Ok(Started {
            url,
            state: state.secret().clone(),
        })
    }

    /// Takes the login of `state` out of the database (single use); `None` when there is
    /// none: tampered, replayed or expired.
    pub async fn take_pending(
        &self,
        db: &Db,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingOidc>, sqlx::Error> {
        store::take_pending_oidc(db, state, now).await
    }

    /// Finishes a login whose pending row was taken: checks the callback's `iss` (RFC 9207),
    /// exchanges the code, verifies the id token, reads userinfo.
    pub async fn finish(
        &self,
        pending: &PendingOidc,
        code: &str,
        iss: Option<&str>,
    ) -> Result<Identity, OidcError> {
        let meta = self.metadata().await?;
        if let Some(iss) = iss {
            if iss != meta.issuer().as_str() {
                return Err(OidcError::Invalid(format!(
                    "the callback names issuer {iss}, not {}",
                    meta.issuer().as_str()
                )));
            }
        }
        let mut client = self.client(&meta);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Invalid(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    OidcError::Invalid(format!("token endpoint refused: {}", r.error()))
                }
                RequestTokenError::Request(e) => OidcError::Unavailable(format!(
                    "token endpoint: {}",
                    crate::telemetry::error_chain(&e)
                )),
                other => OidcError::Invalid(format!("token endpoint: {other}")),
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Invalid("the token response has no id token".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        if id_token
            .claims(&client.id_token_verifier(), &nonce)
            .is_err()
        {
            // The provider may have rotated its signing keys since discovery: look again
            // (at most once a minute), then judge with what it publishes now.
            if let Ok(fresh) = self.discover(KEY_REFRESH_AFTER).await {
                client = self.client(&fresh);
            }
        }
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| OidcError::Invalid(format!("id token: {e}")))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| OidcError::Invalid(format!("id token algorithm: {e}")))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| OidcError::Invalid(format!("id token key: {e}")))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| OidcError::Invalid(format!("at_hash: {e}")))?;
            if actual != *expected {
                return Err(OidcError::Invalid(
                    "the access token does not match at_hash".into(),
                ));
            }
        }
        let raw_id_token = id_token.to_string();
        let mut name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()));
        let mut email = claims.email().map(|e| e.as_str().to_owned());
        let mut verified = claims.email_verified();
        let path = self.settings.roles_claim.as_deref().unwrap_or_default();
        let mut values = if path.is_empty() {
            None
        } else {
            jwt_payload(&raw_id_token).and_then(|p| claim_values(&p, path))
        };
        if let Ok(request) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
        {
            let info: UserInfoClaims<RawClaims, CoreGenderClaim> =
                request.request_async(&self.http).await.map_err(|e| {
                    OidcError::Invalid(format!("userinfo: {}", crate::telemetry::error_chain(&e)))
                })?;
            if let Some(n) = info.name().and_then(|n| n.get(None)) {
                name = Some(n.as_str().to_owned());
            } else if name.is_none() {
                name = info.preferred_username().map(|u| u.as_str().to_owned());
            }
            if let Some(e) = info.email() {
                email = Some(e.as_str().to_owned());
                verified = info.email_verified();
            }
            if !path.is_empty() {
                let all = serde_json::Value::Object(info.additional_claims().all.clone());
                if let Some(v) = claim_values(&all, path) {
                    values = Some(v);
                }
            }
        }
        Ok(Identity {
            subject: claims.subject().as_str().to_owned(),
            name,
            email: email.as_deref().and_then(people::normalise_email),
            email_verified: verified != Some(false),
            values: values.unwrap_or_default(),
            id_token: raw_id_token,
        })
    }

    /// Where to send the browser to log out at the provider too, when it advertises an
    /// end-session endpoint (None: local logout only).
    pub async fn logout_url(&self, id_token: &str) -> Option<url::Url> {
        let meta = match self.metadata().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "no provider logout: discovery failed");
                return None;
            }
        };
        let end = meta.additional_metadata().end_session_endpoint.clone()?;
        let mut request = LogoutRequest::from(end)
            .set_client_id(ClientId::new(self.settings.client_id.clone()))
            .set_post_logout_redirect_uri(self.post_logout.clone());
        if let Ok(token) = CoreIdToken::from_str(id_token) {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url())
    }
}

/// The payload of a JWT whose signature was already checked.
fn jwt_payload(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The string values at `path` in `claims`: a list of strings, or one string. `None` when the
/// claim is absent.
fn claim_values(claims: &serde_json::Value, path: &[String]) -> Option<Vec<String>> {
    let mut at = claims;
    for key in path {
        at = at.get(key)?;
    }
    Some(match at {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    })
}

/// A display name from the provider: whitespace collapsed, no control characters, at most
/// 64 characters.
fn clean_name(raw: &str) -> Option<String> {
    let name: String = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|&c| !crate::auth::user::is_invisible(c))
        .take(64)
        .collect();
    let name = name.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// The hallway user for `who`, with `person` the registration-list entry of their verified
/// e-mail address (if any): the highest mapped role (at least attendee, and at least what the
/// registration list gives), the mapped tracks plus the person's, and the person's
/// `speaker_of`. The id is the person's, so ending "all sessions" of them covers both ways in;
/// otherwise it is derived from issuer and subject.
pub fn user_for(settings: &OidcSettings, who: &Identity, person: Option<&Person>) -> SessionUser {
    let mapped = settings
        .roles
        .iter()
        .filter(|(value, _)| who.values.iter().any(|v| v == value))
        .map(|(_, role)| *role);
    let listed = person.into_iter().flat_map(|p| p.roles.iter().copied());
    let role = mapped
        .chain(listed)
        .chain([UserRole::Attendee])
        .max()
        .unwrap_or(UserRole::Attendee);
    let mut tracks: Vec<String> = settings
        .tracks
        .iter()
        .filter(|(value, _)| who.values.iter().any(|v| v == value))
        .flat_map(|(_, t)| t.iter().cloned())
        .chain(person.into_iter().flat_map(|p| p.tracks.iter().cloned()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    tracks.retain(|t| seen.insert(t.clone()));
    let name = who
        .name
        .as_deref()
        .and_then(clean_name)
        .or_else(|| person.map(|p| p.name.clone()))
        .or_else(|| {
            who.email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .and_then(clean_name)
        })
        .unwrap_or_else(|| "Attendee".into());
    let id = match person {
        Some(p) => p.id.clone(),
        None => {
            let h = Sha256::digest(format!("{}\n{}", settings.issuer, who.subject).as_bytes());
            format!("oidc-{}", &hex::encode(h)[..20])
        }
    };
    SessionUser {
        id,
        name,
        role,
        email: who.email.clone().filter(|_| who.email_verified),
        tracks,
        speaker_of: person.map(|p| p.speaker_of.clone()).unwrap_or_default(),
    }
}

/// The registration-list entry to merge: only for an address the provider verified.
pub async fn person_for(db: &Db, who: &Identity) -> Result<Option<Person>, sqlx::Error> {
    match (&who.email, who.email_verified) {
        (Some(email), true) => store::person_by_email(db, email).await,
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OidcSettings {
        OidcSettings {
            display_name: "Conference SSO".into(),
            issuer: "https://id.example.org".into(),
            client_id: "hallway".into(),
            client_secret: None,
            scopes: vec!["email".into()],
            roles_claim: Some(vec!["groups".into()]),
            roles: vec![
                ("mods".into(), UserRole::Moderator),
                ("crew".into(), UserRole::Staff),
            ],
            tracks: vec![("kernel-mods".into(), vec!["Kernel".into()])],
        }
    }

    fn who(values: &[&str]) -> Identity {
        Identity {
            subject: "u1".into(),
            name: Some("  Jörg \t Rödel ".into()),
            email: Some("joerg@example.org".into()),
            email_verified: true,
            values: values.iter().map(|v| v.to_string()).collect(),
            id_token: String::new(),
        }
    }

    #[test]
    fn the_highest_mapped_role_counts_and_everyone_is_at_least_an_attendee() {
        let s = settings();
        assert_eq!(user_for(&s, &who(&[]), None).role, UserRole::Attendee);
        assert_eq!(
            user_for(&s, &who(&["unknown"]), None).role,
            UserRole::Attendee
        );
        let u = user_for(&s, &who(&["mods", "crew", "kernel-mods"]), None);
        assert_eq!(u.role, UserRole::Staff);
        assert_eq!(u.tracks, vec!["Kernel"]);
        assert_eq!(u.name, "Jörg Rödel");
        assert!(u.id.starts_with("oidc-"));
        assert_eq!(u.id, user_for(&s, &who(&[]), None).id, "stable per subject");
    }

    #[test]
    fn a_registered_address_brings_its_speaker_sessions_only_when_verified() {
        let s = settings();
        let p = Person {
            id: "p-1".into(),
            email: "joerg@example.org".into(),
            name: "Registered Name".into(),
            code_hash: None,
            roles: vec![UserRole::Attendee],
            tracks: vec!["Kernel".into(), "Rust".into()],
            speaker_of: vec!["guid-1".into()],
        };
        let u = user_for(&s, &who(&["kernel-mods"]), Some(&p));
        assert_eq!(u.id, "p-1");
        assert_eq!(u.tracks, vec!["Kernel", "Rust"]);
        assert_eq!(u.speaker_of, vec!["guid-1"]);
        let mut unverified = who(&[]);
        unverified.email_verified = false;
        let u = user_for(&s, &unverified, None);
        assert_eq!(u.email, None);
    }

    #[test]
    fn claims_are_read_as_lists_strings_or_nested_paths() {
        let v = serde_json::json!({"groups": ["a", "b", 3], "role": "x",
                                   "realm_access": {"roles": ["staff"]}});
        let path = |p: &str| p.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(claim_values(&v, &path("groups")).unwrap(), ["a", "b", "3"]);
        assert_eq!(claim_values(&v, &path("role")).unwrap(), ["x"]);
        assert_eq!(
            claim_values(&v, &path("realm_access.roles")).unwrap(),
            ["staff"]
        );
        assert_eq!(claim_values(&v, &path("missing")), None);
        assert_eq!(clean_name("a\u{202e}b\u{7}"), Some("ab".into()));
        assert_eq!(clean_name(" \t "), None);
    }
}
