//! Login pages: guest login with a name, admin login through a one-time link, logout.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::session::new_user_id;
use crate::auth::store;
use crate::auth::user::{SessionUser, UserRole};
use crate::error::{AppError, AppResult};
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::redirect::safe_next;
use crate::web::render;

/// Registers the login routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login_guest)
        .service(admin_link)
        .service(admin_login)
        .service(logout);
}

/// A display name: trimmed, 1–64 characters, no control characters.
pub struct GuestName(String);

impl GuestName {
    /// Parses a submitted name, saying what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("Please enter the name other attendees will see.".into());
        }
        if name.chars().count() > 64 {
            return Err("Please use a name of at most 64 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("The name contains characters that cannot be shown.".into());
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
    /// The name typed so far.
    pub name: String,
    /// What was wrong with the last attempt.
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Shows the guest login form.
#[get("/login")]
pub async fn login_form(ctx: PageCtx, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    let page = LoginPage {
        layout: ctx.layout.clone(),
        next: safe_next(q.next.as_deref()),
        name: ctx
            .layout
            .user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        error: None,
    };
    render::page(&ctx, &page)
}

/// The guest login form.
#[derive(Deserialize)]
pub struct GuestForm {
    csrf: String,
    name: String,
    #[serde(default)]
    next: Option<String>,
}

/// Logs a guest in with the given name.
#[post("/login/guest")]
pub async fn login_guest(ctx: PageCtx, form: web::Form<GuestForm>) -> AppResult<HttpResponse> {
    ctx.session.verify_csrf(&form.csrf)?;
    let next = safe_next(form.next.as_deref());
    match GuestName::parse(&form.name) {
        Ok(name) => {
            ctx.session.log_in(&SessionUser {
                id: new_user_id(),
                name: name.0,
                role: UserRole::Guest,
            })?;
            Ok(render::see_other(&next))
        }
        Err(error) => {
            let page = LoginPage {
                layout: ctx.layout.clone(),
                next,
                name: form.name.clone(),
                error: Some(error),
            };
            render::page_with_status(&ctx, &page, actix_web::http::StatusCode::BAD_REQUEST)
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
#[get("/login/admin/{token}")]
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

/// A form that carries nothing but its CSRF token (admin confirmation, logout).
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Redeems an admin link.
#[post("/login/admin/{token}")]
pub async fn admin_login(
    ctx: PageCtx,
    token: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    ctx.session.verify_csrf(&form.csrf)?;
    let name = store::redeem_admin_token(&ctx.state.db, &token, ctx.state.clock.now())
        .await?
        .ok_or_else(link_unusable)?;
    ctx.session.log_in(&SessionUser {
        id: new_user_id(),
        name,
        role: UserRole::Admin,
    })?;
    Ok(render::see_other("/admin/status"))
}

/// Logs out.
#[post("/logout")]
pub async fn logout(ctx: PageCtx, form: web::Form<CsrfForm>) -> AppResult<HttpResponse> {
    ctx.session.verify_csrf(&form.csrf)?;
    ctx.session.log_out();
    Ok(render::see_other("/"))
}

#[cfg(test)]
mod tests {
    use super::GuestName;

    #[test]
    fn guest_names_are_trimmed_and_bounded() {
        assert_eq!(GuestName::parse("  Jörg   Rödel ").unwrap().0, "Jörg Rödel");
        assert!(GuestName::parse("   ").is_err());
        assert!(GuestName::parse(&"x".repeat(65)).is_err());
        assert!(GuestName::parse("a\u{7}b").is_err());
    }
}
