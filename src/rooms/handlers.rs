//! `POST /rooms/{slug}/join`: create the room's meeting on its pinned server if needed, then
//! send the browser to BBB with a signed join URL.
//!
//! BBB's create is idempotent (a repeat answers `duplicateWarning` with the existing meeting),
//! so every join calls create and takes `createTime` from its answer: one BBB call, no race
//! between instances, and a join URL that cannot be replayed into a later meeting. Passwords
//! are derived from the server secret so every instance sends the same ones (older BBB versions
//! refuse a repeated create with different passwords). The shared secret never leaves the
//! server: the browser only sees the signed URL.

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::bbb::{CreateMeeting, JoinRequest, Role};
use crate::config::RoomSettings;
use crate::error::{AppError, AppResult};
use crate::rooms::model::RoomKind;
use crate::rooms::store;
use crate::schedule::store as schedule_store;
use crate::web::layout::PageCtx;
use crate::web::render::see_other;

/// How long before a session its room opens to attendees.
pub const OPENS_BEFORE: Duration = Duration::minutes(10);

/// The join form: only the CSRF token and where to come back to.
#[derive(Deserialize)]
pub struct JoinForm {
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// A local path safe to redirect to: "/..." that stays on this host once a browser has parsed
/// it (no "//host", no backslashes, no whitespace or control characters, which browsers strip).
pub fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        let base = url::Url::parse("http://hallway.invalid/").ok();
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
            && base
                .and_then(|b| b.join(n).ok())
                .is_some_and(|u| u.host_str() == Some("hallway.invalid"))
    };
    match next {
        Some(n) if ok(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Whether a session's room is open to attendees at `now`: from [`OPENS_BEFORE`] the start
/// until the end. Admins may open it any time before the end. The now page, the session page
/// and the join check all use this one rule.
pub fn session_is_joinable(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    is_admin: bool,
) -> bool {
    now < end && (is_admin || start - OPENS_BEFORE <= now)
}

fn derived_password(secret: &str, meeting_id: &str, role: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hallway-meeting-password\0");
    h.update(secret.as_bytes());
    h.update(b"\0");
    h.update(meeting_id.as_bytes());
    h.update(b"\0");
    h.update(role.as_bytes());
    hex::encode(h.finalize())[..16].to_owned()
}

/// True when a session of this room is joinable for attendees now (see
/// [`session_is_joinable`]); rooms are matched as the pages match them.
pub async fn session_room_is_open(state: &AppState, room: &RoomSettings) -> AppResult<bool> {
    let now = state.clock.now();
    let near =
        schedule_store::sessions_between(&state.db, now, now + OPENS_BEFORE + Duration::seconds(1))
            .await?;
    Ok(near.iter().any(|s| {
        state
            .rooms
            .for_schedule_room(&s.room)
            .is_some_and(|r| r.slug == room.slug)
            && session_is_joinable(s.start, s.end, now, false)
    }))
}

/// Creates (or finds) the room's meeting and redirects to BBB.
#[post("/rooms/{slug}/join")]
pub async fn join(
    ctx: PageCtx,
    path: web::Path<String>,
    form: web::Form<JoinForm>,
) -> AppResult<HttpResponse> {
    let next = safe_next(form.next.as_deref());
    let user = ctx
        .layout
        .user
        .clone()
        .ok_or(AppError::LoginRequired { next: next.clone() })?;
    ctx.session.verify_csrf(&form.csrf)?;
    let state = &ctx.state;
    let room = state.rooms.get(&path).ok_or(AppError::NotFound)?;
    match room.kind {
        RoomKind::Private if !user.is_admin() => {
            return Err(AppError::Forbidden(format!(
                "{} is open to the conference staff only.",
                room.name
            )))
        }
        RoomKind::Session if !user.is_admin() && !session_room_is_open(state, room).await? => {
            return Err(AppError::BadRequest(format!(
                "No session is running in {} right now. The room opens {} minutes before each \
                 session.",
                room.name,
                OPENS_BEFORE.num_minutes()
            )))
        }
        _ => {}
    }
    let server_name = store::current_server(&state.db, room.slug.as_str())
        .await?
        .unwrap_or_else(|| room.server.clone());
    let server = state
        .settings
        .bbb
        .servers
        .iter()
        .find(|s| s.name == server_name)
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "room {} is pinned to unknown server {server_name}",
                room.slug
            ))
        })?;
    let endpoint = state.endpoint(&server_name).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("no endpoint for server {server_name}"))
    })?;
    let meeting_id = state.rooms.meeting_id(room.slug.as_str());
    let policy = room.kind.meeting_policy();
    let secret = server.secret.expose_secret();
    let create = CreateMeeting {
        meeting_id: meeting_id.clone(),
        name: room.name.clone(),
        attendee_pw: Some(derived_password(secret, &meeting_id, "attendee")),
        moderator_pw: Some(derived_password(secret, &meeting_id, "moderator")),
        welcome: Some(format!(
            "Welcome to <b>{}</b> at {}. Chat and schedule: {}",
            quick_xml::escape::escape(room.name.as_str()),
            quick_xml::escape::escape(ctx.layout.site_name.as_str()),
            state.settings.public_link("/")
        )),
        logout_url: Some(state.settings.public_link("/")),
        record: policy.record,
        auto_start_recording: policy.auto_start_recording,
        allow_start_stop_recording: policy.allow_start_stop_recording,
        mute_on_start: policy.mute_on_start,
        meta: vec![
            ("bbb-origin".into(), "hallway".into()),
            ("hallway-room".into(), room.slug.to_string()),
            (
                "bbb-origin-server-name".into(),
                state
                    .settings
                    .public_url
                    .host_str()
                    .unwrap_or("hallway")
                    .to_owned(),
            ),
        ],
    };
    let created = state.bbb.create(endpoint, &create).await?;
    tracing::info!(
        room = %room.slug,
        server = %server_name,
        duplicate = created.duplicate_warning,
        user = %user.id,
        "join"
    );
    // Servers before BBB 2.4 only know password joins; newer ones get `role` (the client
    // picks by the server's version, detected once from its API root or configured).
    let role = if user.is_admin() {
        Role::Moderator
    } else {
        Role::Viewer
    };
    let password = derived_password(
        secret,
        &meeting_id,
        if role == Role::Moderator {
            "moderator"
        } else {
            "attendee"
        },
    );
    let url = state
        .bbb
        .join_url(
            endpoint,
            &JoinRequest {
                meeting_id,
                full_name: user.name.clone(),
                role,
                user_id: Some(user.id.clone()),
                create_time: Some(created.create_time),
                password: Some(password),
                redirect: true,
                extra: Vec::new(),
            },
        )
        .await?;
    Ok(see_other(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/sessions/3")), "/sessions/3");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some("/?tz=Asia/Tokyo")), "/?tz=Asia/Tokyo");
    }

    #[test]
    fn derived_passwords_are_stable_and_differ_by_role() {
        // First 16 hex digits of SHA-256 over the NUL-separated parts, computed with
        // `printf 'hallway-meeting-password\0s\0hallway-mc1\0attendee' | sha256sum`
        // (and `...\0moderator`): a changed derivation would lock out running meetings.
        assert_eq!(
            derived_password("s", "hallway-mc1", "attendee"),
            "b63711ac284d687e"
        );
        assert_eq!(
            derived_password("s", "hallway-mc1", "moderator"),
            "6602b4fcaa14cc51"
        );
    }
}
