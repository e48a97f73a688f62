//! Organizer pages for the schedule: `/admin/schedule` shows where the schedule came from, the
//! state of URL pulls and unmapped rooms, and takes an upload (preview or import). The public
//! exports are in `feeds`.

use actix_web::HttpResponse;
use askama::Template;
use futures::StreamExt;

use crate::auth::access::Action;
use crate::auth::guard::{check, PostedMultipart, ScheduleAdmin};
use crate::config;
use crate::error::{AppError, AppResult};
use crate::schedule::diff::change_lines;
use crate::schedule::import::{self, ImportError, ImportOptions};
use crate::schedule::store::{self, ConferenceInfo, PullState};
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::{render, time};

/// A change line on the result page.
pub struct ChangeLine {
    /// added / removed / moved in time / moved room / retitled.
    pub kind: &'static str,
    /// Human text.
    pub text: String,
}

/// The schedule admin page (GET) and the result of an upload (POST).
#[derive(Template)]
#[template(path = "schedule/admin.html")]
pub struct AdminSchedulePage {
    /// Header.
    pub layout: Layout,
    /// The live schedule.
    pub current: Option<ConferenceInfo>,
    /// When it was imported, written out.
    pub current_when: String,
    /// Configured pull URL.
    pub pull_url: String,
    /// The last pull.
    pub pull: Option<PullState>,
    /// When it was checked, written out.
    pub pull_when: String,
    /// Schedule rooms without a hallway room.
    pub unmapped: Vec<(String, i64)>,
    /// Upload limit in MB.
    pub max_mb: String,
    /// The result of an upload, if this is one.
    pub result: Option<UploadResult>,
}

/// What an upload did.
pub struct UploadResult {
    /// True when the upload was refused.
    pub failed: bool,
    /// Headline.
    pub headline: String,
    /// Changes, capped.
    pub changes: Vec<ChangeLine>,
    /// Changes not listed.
    pub more: usize,
    /// Warnings.
    pub warnings: Vec<String>,
}

async fn page(ctx: &PageCtx, result: Option<UploadResult>) -> AppResult<AdminSchedulePage> {
    let state = &ctx.state;
    let current = store::conference_info(&state.db).await?;
    let pull_url = state
        .settings
        .schedule
        .url
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let pull = if pull_url.is_empty() {
        None
    } else {
        store::pull_state(&state.db, &pull_url).await?
    };
    let pull_url = config::redact_url(&pull_url);
    let unmapped = store::schedule_rooms(&state.db)
        .await?
        .into_iter()
        .filter(|(room, _)| state.rooms.for_schedule_room(room).is_none())
        .collect();
    Ok(AdminSchedulePage {
        layout: ctx.layout.clone(),
        current_when: current
            .as_ref()
            .map(|c| time::utc_full(c.imported_at))
            .unwrap_or_default(),
        current,
        pull_when: pull
            .as_ref()
            .map(|p| time::utc_full(p.checked_at))
            .unwrap_or_default(),
        pull_url,
        pull,
        unmapped,
        max_mb: format!(
            "{:.1}",
            state.settings.schedule.max_bytes as f64 / 1_048_576.0
        ),
        result,
    })
}

/// Registers the schedule administration routes.
pub fn configure(r: &mut Routes<'_>) {
    r.get(
        "/admin/schedule",
        "where the schedule came from, the upload form",
        admin_schedule,
    )
    .post(
        "/admin/schedule",
        "upload a schedule (preview or import)",
        upload_schedule,
    );
}

/// `GET /admin/schedule`.
pub async fn admin_schedule(ScheduleAdmin(ctx): ScheduleAdmin) -> AppResult<HttpResponse> {
    let p = page(&ctx, None).await?;
    render::page(&ctx, &p)
}

fn result_of(report: &import::ImportReport) -> UploadResult {
    const MAX: usize = 100;
    let d = &report.diff;
    let mut changes: Vec<ChangeLine> = change_lines(d, time::utc_full)
        .into_iter()
        .map(|(kind, text)| ChangeLine { kind, text })
        .collect();
    let more = changes.len().saturating_sub(MAX);
    changes.truncate(MAX);
    UploadResult {
        failed: false,
        headline: format!(
            "{} {} sessions of “{}” ({}, {}): {}",
            if report.dry_run {
                "Preview: would import"
            } else {
                "Imported"
            },
            report.total,
            report.title,
            report.format,
            report
                .time_zone
                .map(|z| z.name())
                .unwrap_or("zone not named"),
            d.summary()
        ),
        changes,
        more,
        warnings: report
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.position, w.message))
            .collect(),
    }
}

async fn read_field(
    field: &mut actix_multipart::Field,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, AppError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("The upload broke off: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(AppError::BadRequest(format!(
                "The {what} is more than the limit of {limit} bytes (schedule.max_bytes)."
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// `POST /admin/schedule` (multipart: csrf first, then file, timezone, action=preview|import).
pub async fn upload_schedule(post: PostedMultipart) -> AppResult<HttpResponse> {
    let PostedMultipart {
        ctx,
        rest: mut form,
    } = post;
    check(&ctx, Action::ManageSchedule)?;
    let state = &ctx.state;
    let max = state.settings.schedule.max_bytes;
    let (mut file, mut file_name, mut tz, mut action) =
        (None, String::from("upload"), String::new(), String::new());
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if let Some(f) = field.content_disposition().and_then(|cd| cd.get_filename()) {
                    file_name = f.to_owned();
                }
                file = Some(read_field(&mut field, max, "schedule file").await?);
            }
            other => {
                let v = read_field(&mut field, 4096, "form field").await?;
                let v = String::from_utf8_lossy(&v).trim().to_owned();
                match other {
                    "timezone" => tz = v,
                    "action" => action = v,
                    _ => {}
                }
            }
        }
    }
    let file = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::BadRequest("Choose a schedule file to upload.".into()))?;
    let fallback = if tz.is_empty() {
        state.settings.time_zone
    } else {
        Some(config::parse_zone(&tz).map_err(|e| AppError::BadRequest(e.to_string()))?)
    };
    let opts = ImportOptions {
        fallback_time_zone: fallback,
        max_bytes: max,
        dry_run: action != "import",
    };
    let source = format!("upload: {file_name}");
    let result =
        match import::import_bytes(&state.db, &file, &source, &opts, Some(&state.rooms)).await {
            Ok(report) => result_of(&report),
            Err(ImportError::Store(e)) => return Err(AppError::Internal(e)),
            Err(e) => UploadResult {
                failed: true,
                headline: format!(
                    "Refused: {e}. Nothing was changed; the previous schedule is still live."
                ),
                changes: Vec::new(),
                more: 0,
                warnings: Vec::new(),
            },
        };
    let status = if result.failed {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        // This instance shows the new schedule at once; the others within a second.
        state.refresh_once().await?;
        actix_web::http::StatusCode::OK
    };
    let p = page(&ctx, Some(result)).await?;
    render::page_with_status(&ctx, &p, status)
}
