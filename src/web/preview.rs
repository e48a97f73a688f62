//! "Preview as of…": an admin rehearses the conference by setting a fake time in their own
//! session. Every page then shows the schedule as at that instant (what runs, what is next);
//! what the server allows (joining, access) still follows the real clock, because access
//! decisions read `PageCtx::real_now`, never the preview.

use actix_session::SessionExt;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::auth::access::Action;
use crate::auth::guard::{check, Posted};
use crate::error::{AppError, AppResult};
use crate::web::page::PREVIEW_KEY;
use crate::web::redirect::safe_next;
use crate::web::render::see_other;
use crate::web::routes::Routes;

/// Registers the preview form's route.
pub fn configure(r: &mut Routes<'_>) {
    r.post(
        "/preview",
        "staff: show pages as of another instant",
        set_preview,
    );
}

/// The preview form.
#[derive(Deserialize)]
pub struct PreviewForm {
    /// `datetime-local` value in the admin's zone, or RFC 3339.
    #[serde(default)]
    at: String,
    /// "set" or "clear".
    #[serde(default)]
    action: String,
    #[serde(default)]
    next: Option<String>,
}

/// Parses the form's time: RFC 3339, or a `datetime-local` value read in `tz`.
pub fn parse_preview(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            format!(
                "'{raw}' is not a time like 2026-09-15T09:00 (your zone) or 2026-09-15T07:00:00Z"
            )
        })?;
    naive
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "{raw} does not exist in {} (a clock change skips it)",
                tz.name()
            )
        })
}

/// `POST /preview`: set or clear the admin's preview time.
pub async fn set_preview(req: HttpRequest, post: Posted<PreviewForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    check(&ctx, Action::SeeStaffPages)?;
    let session = req.get_session();
    if form.action == "clear" {
        session.remove(PREVIEW_KEY);
    } else {
        let t = parse_preview(&form.at, ctx.zone.tz).map_err(AppError::BadRequest)?;
        session
            .insert(PREVIEW_KEY, t.to_rfc3339())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the preview time: {e}")))?;
    }
    Ok(see_other(&safe_next(form.next.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_times_are_read_in_the_admins_zone_or_as_rfc3339() {
        let vienna: chrono_tz::Tz = "Europe/Vienna".parse().unwrap();
        assert_eq!(
            parse_preview("2026-09-15T09:00", vienna)
                .unwrap()
                .to_rfc3339(),
            "2026-09-15T07:00:00+00:00"
        );
        assert_eq!(
            parse_preview("2026-09-15T07:00:00Z", vienna)
                .unwrap()
                .to_rfc3339(),
            "2026-09-15T07:00:00+00:00"
        );
        assert!(parse_preview("tomorrow", vienna)
            .unwrap_err()
            .contains("not a time"));
        assert!(parse_preview("2026-03-29T02:30", vienna)
            .unwrap_err()
            .contains("does not exist"));
    }
}
