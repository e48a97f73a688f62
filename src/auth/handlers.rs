//! Login pages and account administration: guest login (while guest mode is on), e-mail +
//! registration code, the one-time admin link (break-glass), logout, and `/admin/users`
//! (guest mode switch, the registration list, live sessions, ending someone's sessions).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::access::Action;
use crate::auth::guard::{check, Posted, UsersAdmin};
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
        .post("/logout", "end the session on every instance", logout)
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
        if raw.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
        }) {
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
    reserved.extend(store::privileged_names(&state.db).await?);
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

/// Logs out: the session ends on the server, a copy of the cookie stops working.
pub async fn logout(post: Posted<Empty>) -> AppResult<HttpResponse> {
    post.ctx.session.log_out(&post.ctx.state).await?;
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
