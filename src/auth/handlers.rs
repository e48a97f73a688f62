//! Login pages and account administration: guest login (while guest mode is on), e-mail +
//! registration code, e-mailed login links, OpenID Connect (start, callback), the one-time
//! admin link (break-glass), logout (at the provider too), and `/admin/users` (guest mode
//! switch, the registration list, live sessions, ending someone's sessions).

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::auth::access::Action;
use crate::auth::email_link::{LinkRequest, LINK_TTL};
use crate::auth::guard::{check, Posted, UsersAdmin};
use crate::auth::oidc::{self, OidcError};
use crate::auth::people;
use crate::auth::session::new_user_id;
use crate::auth::store;
use crate::auth::user::{SessionUser, UserRole};
use crate::error::{AppError, AppResult};
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::redirect::safe_next;
use crate::web::render;
use crate::web::routes::Routes;
use crate::web::time;

/// Registers the login and account routes.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/login", "the login forms", login_form)
        .post(
            "/login/guest",
            "log in as a guest (while guest mode is on)",
            login_guest,
        )
        .post(
            "/login/code",
            "log in with e-mail and registration code",
            login_code,
        )
        .get(
            "/login/admin/{token}",
            "an admin link's confirmation button",
            admin_link,
        )
        .post("/login/admin/{token}", "redeem an admin link", admin_login)
        .post(
            "/logout",
            "end the session on every instance (and at the OpenID provider)",
            logout,
        )
        .post(
            "/auth/oidc/login",
            "start an OpenID Connect login at the provider",
            oidc_login,
        )
        .get(
            "/auth/oidc/callback",
            "the OpenID provider's redirect back: finish the login",
            oidc_callback,
        )
        .post(
            "/login/link",
            "e-mail a login link (the same answer for every address)",
            request_link,
        )
        .get(
            "/login/link/{token}",
            "an e-mailed login link's confirmation button",
            link_page,
        )
        .post(
            "/login/link/{token}",
            "redeem an e-mailed login link",
            link_login,
        )
        .get(
            "/admin/users",
            "guest mode, live sessions, the audit log",
            users_page,
        )
        .post(
            "/admin/guest-mode",
            "switch guest mode on or off",
            set_guest_mode,
        )
        .post(
            "/admin/users/{id}/end-sessions",
            "end every session of one user",
            end_sessions,
        );
}

/// Role markers a guest name may not end in.
const ROLE_MARKERS: [&str; 9] = [
    "moderator",
    "mod",
    "staff",
    "admin",
    "administrator",
    "organizer",
    "organiser",
    "speaker",
    "host",
];

/// A guest's display name: trimmed, 1–64 characters, nothing invisible or direction-changing,
/// and nothing that poses as the staff.
pub struct GuestName(String);

impl GuestName {
    /// Parses a submitted name against the `reserved` names (lower case), saying what is wrong.
    pub fn parse(raw: &str, reserved: &[String]) -> Result<Self, String> {
        if raw.chars().any(crate::auth::user::is_invisible) {
            return Err("The name contains invisible or text-direction characters.".into());
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Please enter the name other attendees will see.".into());
        }
        if name.chars().count() > 64 {
            return Err("Please use a name of at most 64 characters.".into());
        }
        let lower = name.to_lowercase();
        let bare: String = lower
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let last_word = bare.rsplit(' ').next().unwrap_or_default();
        let marked = bare != lower.split_whitespace().collect::<Vec<_>>().join(" ")
            && ROLE_MARKERS.contains(&last_word);
        if marked || reserved.iter().any(|r| *r == lower || *r == bare) {
            return Err(
                "Please choose another name: this one belongs to (or looks like) the \
                        conference staff."
                    .into(),
            );
        }
        Ok(Self(name))
    }
}

/// The login page.
#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    /// Header.
    pub layout: Layout,
    /// Where to go afterwards.
    pub next: String,
    /// The guest name typed so far.
    pub name: String,
    /// The e-mail address typed so far.
    pub email: String,
    /// Whether guests may log in now.
    pub guests: bool,
    /// What was wrong with the last attempt.
    pub error: Option<String>,
    /// The OpenID provider's name, when one is configured.
    pub provider: Option<String>,
    /// Whether "Email me a login link" is offered (SMTP configured).
    pub email_links: bool,
}

impl LoginPage {
    fn new(ctx: &PageCtx, next: String) -> Self {
        Self {
            layout: ctx.layout.clone(),
            next,
            name: String::new(),
            email: String::new(),
            guests: ctx.state.sessions.guests_allowed(),
            error: None,
            provider: ctx.state.oidc.as_ref().map(|o| o.display_name().to_owned()),
            email_links: ctx.state.mailer.is_some(),
        }
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Shows the login forms.
async fn login_form(ctx: PageCtx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    let page = LoginPage::new(&ctx, safe_next(q.next.as_deref()));
    render::page(&ctx, &page)
}

/// The guest login form.
#[derive(Deserialize)]
pub struct GuestForm {
    name: String,
    #[serde(default)]
    next: Option<String>,
}

/// Logs a guest in with the given name, while guest mode is on.
///
/// Not rate-limited per address: a guest login guesses no secret, and a class or an office
/// behind one NAT address logs in at the same minute.
pub async fn login_guest(post: Posted<GuestForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    let state = &ctx.state;
    if !state.sessions.guests_allowed() {
        return Err(AppError::Forbidden(
            "Guest access is closed right now. Please log in with your registration.".into(),
        ));
    }
    let next = safe_next(form.next.as_deref());
    let mut reserved = state.settings.auth.reserved_names.clone();
    reserved.extend(store::privileged_names(&state.db, state.clock.now()).await?);
    match GuestName::parse(&form.name, &reserved) {
        Ok(name) => {
            let user = SessionUser::new(new_user_id(), name.0, UserRole::Guest);
            ctx.session.log_in(state, &user).await?;
            Ok(render::see_other(&next))
        }
        Err(error) => {
            let mut page = LoginPage::new(&ctx, next);
            page.name = form.name.clone();
            page.error = Some(error);
            render::page_with_status(&ctx, &page, actix_web::http::StatusCode::BAD_REQUEST)
        }
    }
}

/// The registration login form.
#[derive(Deserialize)]
pub struct CodeForm {
    email: String,
    code: String,
    #[serde(default)]
    next: Option<String>,
}

/// Logs a registered person in with e-mail address and registration code.
pub async fn login_code(req: HttpRequest, post: Posted<CodeForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    let state = &ctx.state;
    let now = state.clock.now();
    state.login_limits.attempt(&req)?;
    let next = safe_next(form.next.as_deref());
    let email = people::normalise_email(&form.email);
    if let Some(email) = &email {
        state
            .login_limits
            .email_allowed(&state.db, email, now)
            .await?;
    }
    let person = match &email {
        Some(e) => store::person_by_email(&state.db, e).await?,
        None => None,
    };
    let code = form.code.clone();
    let stored = person.as_ref().and_then(|p| p.code_hash.clone());
    // argon2 is slow on purpose: keep it off the async workers.
    let ok = web::block(move || people::verify_code(&code, stored.as_deref()))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("checking a code: {e}")))?;
    match (ok, person) {
        (true, Some(p)) => {
            store::clear_failures(&state.db, &p.email).await?;
            ctx.session.log_in(state, &people::session_user(&p)).await?;
            Ok(render::see_other(&next))
        }
        _ => {
            if let Some(e) = &email {
                state.login_limits.failed(&state.db, e, now).await?;
            }
            let mut page = LoginPage::new(&ctx, next);
            page.email = form.email.clone();
            page.error = Some(
                "This e-mail address and registration code do not match. Please check both \
                 (the code is in your registration confirmation)."
                    .into(),
            );
            render::page_with_status(&ctx, &page, actix_web::http::StatusCode::UNAUTHORIZED)
        }
    }
}

/// The page behind an admin link: one button, so link previewers cannot burn the token.
#[derive(Template)]
#[template(path = "auth/admin_link.html")]
pub struct AdminLinkPage {
    /// Header.
    pub layout: Layout,
    /// The token, posted back.
    pub token: String,
    /// The admin's name.
    pub name: String,
}

fn link_unusable() -> AppError {
    AppError::Forbidden(
        "This admin link has already been used or has expired. Run `hallway admin-link` for a \
         new one."
            .into(),
    )
}

/// Shows the admin login confirmation.
pub async fn admin_link(ctx: PageCtx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let name = store::peek_admin_token(&ctx.state.db, &token, ctx.state.clock.now())
        .await?
        .ok_or_else(link_unusable)?;
    let page = AdminLinkPage {
        layout: ctx.layout.clone(),
        token: token.into_inner(),
        name,
    };
    render::page(&ctx, &page)
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Redeems an admin link.
pub async fn admin_login(token: web::Path<String>, post: Posted<Empty>) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    let name = store::redeem_admin_token(&ctx.state.db, &token, ctx.state.clock.now())
        .await?
        .ok_or_else(link_unusable)?;
    // One id per admin name, so "end all sessions" reaches every link they redeemed.
    let id = format!("admin-{}", &store::hash(&name)[..16]);
    ctx.session
        .log_in(&ctx.state, &SessionUser::new(id, name, UserRole::Admin))
        .await?;
    Ok(render::see_other("/admin/status"))
}

/// Logs out: the session ends on the server, a copy of the cookie stops working. After an
/// OpenID Connect login the browser goes on to the provider's end-session endpoint (when it
/// advertises one), which sends it back to the front page.
pub async fn logout(cookie: Session, post: Posted<Empty>) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    let state = &ctx.state;
    let handle = cookie.get::<String>(OIDC_LOGOUT_KEY).ok().flatten();
    let user = ctx.layout.user.clone();
    ctx.session.log_out(state).await?;
    if let (Some(provider), Some(handle), Some(user)) = (&state.oidc, handle, user) {
        let id_token =
            store::take_oidc_session(&state.db, &handle, &user.id, state.clock.now()).await?;
        if let Some(id_token) = id_token {
            if let Some(url) = provider.logout_url(&id_token).await {
                return Ok(render::see_other(url.as_str()));
            }
        }
    }
    Ok(render::see_other("/"))
}

// --- OpenID Connect ------------------------------------------------------------------------

/// The cookie key of the states of OpenID logins started in this browser.
const OIDC_STATE_KEY: &str = "oidc_states";
/// How many started logins a browser keeps (tabs).
const OIDC_STATES_KEPT: usize = 3;
/// The cookie key of the handle under which an OIDC login's id token is kept (for logout).
const OIDC_LOGOUT_KEY: &str = "oidc_logout";

/// A form with where to go afterwards.
#[derive(Deserialize)]
pub struct NextForm {
    #[serde(default)]
    next: Option<String>,
}

fn provider_of(ctx: &PageCtx) -> AppResult<std::sync::Arc<oidc::Oidc>> {
    ctx.state.oidc.clone().ok_or(AppError::NotFound)
}

/// "Log in with …": sends the browser to the provider.
pub async fn oidc_login(
    req: HttpRequest,
    cookie: Session,
    post: Posted<NextForm>,
) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    let provider = provider_of(&ctx)?;
    let state = &ctx.state;
    state.login_limits.attempt(&req)?;
    let next = safe_next(form.next.as_deref());
    let started = provider
        .start(&state.db, &next, state.clock.now())
        .await
        .map_err(|e| oidc_failure(&provider, e))?;
    // The last few, so a login started in a second tab does not break the first one.
    let mut states = cookie
        .get::<Vec<String>>(OIDC_STATE_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    states.push(started.state);
    let keep = states.len().saturating_sub(OIDC_STATES_KEPT);
    states.drain(..keep);
    cookie
        .insert(OIDC_STATE_KEY, &states)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the login state: {e}")))?;
    Ok(render::see_other(started.url.as_str()))
}

/// What the provider sends back.
#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn login_expired() -> AppError {
    AppError::BadRequest(
        "This login did not start in this browser, was already used, or took too long. \
         Please go to the login page and try again."
            .into(),
    )
}

/// The page for a failed OpenID step; the cause goes to the log only.
fn oidc_failure(provider: &oidc::Oidc, e: OidcError) -> AppError {
    let name = provider.display_name().to_owned();
    match e {
        OidcError::Unavailable(why) => {
            tracing::warn!(error = %why, "the OpenID provider is unavailable");
            AppError::LoginUnavailable { service: name }
        }
        OidcError::UnknownState => login_expired(),
        OidcError::Refused(code) => {
            tracing::info!(error = %code, "the OpenID provider refused the login");
            AppError::Forbidden(if code == "access_denied" {
                format!(
                    "The login at {name} was cancelled or not allowed, so you are not logged \
                     in. You can try again, or use another way to log in."
                )
            } else {
                format!(
                    "{name} did not log you in. Please try again, or use another way to log in."
                )
            })
        }
        OidcError::Invalid(why) => {
            tracing::warn!(error = %why, "an OpenID login failed verification");
            AppError::Forbidden(format!(
                "The answer from {name} could not be verified, so you are not logged in. \
                 Please try again."
            ))
        }
    }
}

/// The provider's redirect back: checks the state against this browser's and the database's
/// (single use), finishes the code flow and logs the person in.
pub async fn oidc_callback(
    ctx: PageCtx,
    cookie: Session,
    q: web::Query<CallbackQuery>,
) -> AppResult<HttpResponse> {
    let provider = provider_of(&ctx)?;
    let state = &ctx.state;
    let now = state.clock.now();
    let mut states = cookie
        .get::<Vec<String>>(OIDC_STATE_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    let given = q.state.as_deref().unwrap_or_default();
    let ours = states
        .iter()
        .position(|s| !given.is_empty() && bool::from(s.as_bytes().ct_eq(given.as_bytes())));
    let Some(i) = ours else {
        return Err(oidc_failure(&provider, OidcError::UnknownState));
    };
    states.remove(i);
    if states.is_empty() {
        cookie.remove(OIDC_STATE_KEY);
    } else {
        let _ = cookie.insert(OIDC_STATE_KEY, &states);
    }
    let pending = provider
        .take_pending(&state.db, given, now)
        .await?
        .ok_or_else(|| oidc_failure(&provider, OidcError::UnknownState))?;
    if let Some(error) = &q.error {
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(oidc_failure(&provider, OidcError::Refused(code)));
    }
    let code = q.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| {
        oidc_failure(
            &provider,
            OidcError::Invalid("the callback has no code".into()),
        )
    })?;
    let identity = provider
        .finish(&pending, code, q.iss.as_deref())
        .await
        .map_err(|e| oidc_failure(&provider, e))?;
    let person = oidc::person_for(&state.db, &identity).await?;
    let user = oidc::user_for(provider.settings(), &identity, person.as_ref());
    // The logout handle first: a login whose handle could not be kept does not happen.
    let until = now + state.sessions.limits(user.role).absolute;
    let handle =
        store::insert_oidc_session(&state.db, &user.id, &identity.id_token, now, until).await?;
    ctx.session.log_in(state, &user).await?;
    cookie
        .insert(OIDC_LOGOUT_KEY, handle)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the logout handle: {e}")))?;
    tracing::info!(user = %user.id, role = user.role.as_str(), "OpenID login");
    Ok(render::see_other(&safe_next(Some(&pending.next))))
}

// --- e-mailed login links ------------------------------------------------------------------

/// The link request form.
#[derive(Deserialize)]
pub struct LinkForm {
    email: String,
    #[serde(default)]
    next: Option<String>,
}

/// The answer to a link request, the same for every address.
#[derive(Template)]
#[template(path = "auth/link_sent.html")]
pub struct LinkSentPage {
    /// Header.
    pub layout: Layout,
    /// The address as typed.
    pub email: String,
    /// Minutes the link works.
    pub minutes: i64,
}

/// "Email me a login link": answers at once, the same way for every address; the mail (only
/// to an address on the registration list) is sent in the background.
pub async fn request_link(req: HttpRequest, post: Posted<LinkForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    let state = &ctx.state;
    let (Some(mailer), Some(smtp)) = (state.mailer.clone(), state.settings.smtp.as_ref()) else {
        return Err(AppError::NotFound);
    };
    state.login_limits.attempt(&req)?;
    let now = state.clock.now();
    let Some(email) = people::normalise_email(&form.email) else {
        let mut page = LoginPage::new(&ctx, safe_next(form.next.as_deref()));
        page.email = form.email.clone();
        page.error = Some("Please enter the e-mail address you registered with.".into());
        return render::page_with_status(&ctx, &page, actix_web::http::StatusCode::BAD_REQUEST);
    };
    // Counted for every address alike, so a refusal tells nothing about registration.
    let key = format!("link:{email}");
    let window = chrono::Duration::from_std(state.settings.auth.failure_window)
        .unwrap_or(chrono::Duration::minutes(15));
    let (asked, start) = store::failures(&state.db, &key, window, now).await?;
    if asked >= i64::from(smtp.links_per_email) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: (start + window - now).num_seconds().max(1) as u64,
        });
    }
    store::record_failure(&state.db, &key, window, now).await?;
    mailer.request(
        state.db.clone(),
        LinkRequest {
            email,
            conference: state.conference().title,
            link_base: state.settings.public_link("/login/link/"),
            now,
        },
    );
    let page = LinkSentPage {
        layout: ctx.layout.clone(),
        email: form.email.trim().to_owned(),
        minutes: LINK_TTL.num_minutes(),
    };
    render::page(&ctx, &page)
}

/// The page behind a login link: one button, so link previewers cannot burn it.
#[derive(Template)]
#[template(path = "auth/link_confirm.html")]
pub struct LinkConfirmPage {
    /// Header.
    pub layout: Layout,
    /// The token, posted back.
    pub token: String,
    /// The person's name.
    pub name: String,
}

fn login_link_unusable() -> AppError {
    AppError::Forbidden(
        "This login link has already been used or has expired (links work once, for 15 \
         minutes). Ask for a new one on the login page."
            .into(),
    )
}

/// Shows the login link's confirmation.
pub async fn link_page(ctx: PageCtx, token: web::Path<String>) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let person_id = store::peek_login_link(&state.db, &token, state.clock.now())
        .await?
        .ok_or_else(login_link_unusable)?;
    let person = store::person_by_id(&state.db, &person_id)
        .await?
        .ok_or_else(login_link_unusable)?;
    let page = LinkConfirmPage {
        layout: ctx.layout.clone(),
        token: token.into_inner(),
        name: person.name,
    };
    render::page(&ctx, &page)
}

/// Redeems a login link (once).
pub async fn link_login(
    req: HttpRequest,
    token: web::Path<String>,
    post: Posted<Empty>,
) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    let state = &ctx.state;
    state.login_limits.attempt(&req)?;
    let person_id = store::redeem_login_link(&state.db, &token, state.clock.now())
        .await?
        .ok_or_else(login_link_unusable)?;
    let person = store::person_by_id(&state.db, &person_id)
        .await?
        .ok_or_else(login_link_unusable)?;
    store::clear_failures(&state.db, &person.email).await?;
    ctx.session
        .log_in(state, &people::session_user(&person))
        .await?;
    Ok(render::see_other("/"))
}

/// One live session on the users page.
pub struct SessionLine {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Login time.
    pub since: String,
}

/// One audit line.
pub struct AuditLine {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
}

/// `/admin/users`.
#[derive(Template)]
#[template(path = "auth/users.html")]
pub struct UsersPage {
    /// Header.
    pub layout: Layout,
    /// Guest mode now.
    pub guests: bool,
    /// People on the registration list.
    pub people: i64,
    /// Live sessions, newest first.
    pub sessions: Vec<SessionLine>,
    /// Latest audit entries.
    pub audit: Vec<AuditLine>,
    /// What the last action did.
    pub flash: Option<String>,
}

#[derive(Deserialize)]
struct FlashQuery {
    done: Option<String>,
}

/// Shows guest mode, sessions and the audit log.
async fn users_page(
    UsersAdmin(ctx): UsersAdmin,
    q: web::Query<FlashQuery>,
) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let now = state.clock.now();
    let page = UsersPage {
        layout: ctx.layout.clone(),
        guests: state.sessions.guests_allowed(),
        people: store::count_people(&state.db).await?,
        sessions: store::live_sessions(&state.db, now, 500)
            .await?
            .into_iter()
            .map(|s| SessionLine {
                since: time::utc_full(s.created_at),
                user_id: s.user_id,
                name: s.name,
                role: s.role,
            })
            .collect(),
        audit: store::audit_entries(&state.db, 50)
            .await?
            .into_iter()
            .map(|a| AuditLine {
                at: time::utc_full(a.at),
                actor: a.actor,
                action: a.action,
                detail: a.detail,
            })
            .collect(),
        flash: q.done.clone().filter(|d| d.len() < 200),
    };
    render::page(&ctx, &page)
}

fn actor(ctx: &PageCtx) -> String {
    ctx.layout
        .user
        .as_ref()
        .map_or_else(|| "?".into(), |u| format!("{} ({})", u.name, u.id))
}

/// The guest mode switch.
#[derive(Deserialize)]
pub struct GuestModeForm {
    mode: String,
}

/// Switches guest mode for every instance; logged-in guests lose access when it goes off.
pub async fn set_guest_mode(post: Posted<GuestModeForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    check(&ctx, Action::ManageGuests)?;
    let on = match form.mode.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Guest mode is either on or off.".into(),
            ))
        }
    };
    let state = &ctx.state;
    store::set_guest_mode(&state.db, on, &actor(&ctx), state.clock.now()).await?;
    state.sessions.set_guest_mode_locally(on);
    tracing::info!(on, "guest mode switched");
    Ok(render::see_other(if on {
        "/admin/users?done=Guest+mode+is+on"
    } else {
        "/admin/users?done=Guest+mode+is+off"
    }))
}

/// Ends every session of one user, on every instance.
pub async fn end_sessions(id: web::Path<String>, post: Posted<Empty>) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    check(&ctx, Action::ManageUsers)?;
    let state = &ctx.state;
    let n = store::revoke_user_sessions(&state.db, &id, &actor(&ctx), state.clock.now()).await?;
    // Their calendar feed and its personal join links end with their sessions.
    crate::agenda::store::delete_feed(&state.db, &id).await?;
    state
        .sessions
        .reload_revoked(&state.db, state.clock.now())
        .await?;
    let done = serde_urlencoded::to_string([("done", format!("Ended {n} session(s)"))])
        .unwrap_or_default();
    Ok(render::see_other(&format!("/admin/users?{done}")))
}

#[cfg(test)]
mod tests {
    use super::GuestName;

    #[test]
    fn guest_names_are_trimmed_bounded_and_cannot_pose_as_staff() {
        let reserved = vec!["program committee".to_string(), "ada park".to_string()];
        let ok = |n: &str| GuestName::parse(n, &reserved).map(|g| g.0);
        assert_eq!(ok("  Jörg   Rödel ").unwrap(), "Jörg Rödel");
        assert!(ok("   ").is_err());
        assert!(ok(&"x".repeat(65)).is_err());
        assert!(ok("a\u{7}b").is_err());
        for posing in [
            "Ada Park",
            "ADA  PARK",
            "Program Committee",
            "Eve (moderator)",
            "Eve [Staff]",
            "Eve - admin",
            "Eve | Organizer",
            "Eve\u{202e}rotaredom",
            "Eve\u{200b}",
            "Eve\u{2066}x",
        ] {
            assert!(ok(posing).is_err(), "{posing:?} was accepted");
        }
        // A plain word that happens to be a marker is a name, not a marker.
        assert_eq!(ok("Host").unwrap(), "Host");
        assert_eq!(ok("Moderator Smith").unwrap(), "Moderator Smith");
    }
}
