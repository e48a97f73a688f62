//! The join path: `POST /rooms/{slug}/join` sends the browser into the room's BBB meeting, and
//! `GET /rooms/{slug}/return` is where BBB sends it back when a join was refused.
//!
//! A join to a meeting the registry knows live is signed locally with its createTime: no BBB
//! call, no database round trip (access, the schedule, the placement and the registry are all
//! in memory). Only a meeting that is not live costs a create, shared by every concurrent join
//! (`lifecycle::ensure_live`). The join URL carries `errorRedirectUrl` (BBB 2.7+) and
//! `logoutURL` (older bbb-web sends join errors there with `?errors=`), both pointing at the
//! return endpoint with a signed ticket; when BBB refused the join because the meeting ended
//! behind hallway's back, the return forgets the stale meeting, creates it again and sends
//! the user in: one extra redirect, no error page. The shared secret never leaves the server.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::guard::{join_decision, JoinAs};
use crate::auth::user::SessionUser;
use crate::bbb::{JoinRequest, JoinStyle, Role};
use crate::error::{AppError, AppResult};
use crate::rooms::lifecycle::{self, password_for};
use crate::rooms::meeting::MeetingTarget;
use crate::rooms::model::{Room, ServerName};
use crate::rooms::registry::CreateFailure;
use crate::rooms::token::{ReturnTicket, RETURN_LINK_LIFETIME};
use crate::state::AppState;
use crate::web::page::{PageCtx, Visitor};
use crate::web::render::see_other;
use crate::web::routes::Routes;

/// Registers the rooms feature's routes.
pub fn configure(r: &mut Routes<'_>) {
    r.post("/rooms/{slug}/join", "into the room's BBB meeting", join)
        .get(
            "/rooms/{slug}/return",
            "where BBB sends people back (left, or refused)",
            back_from_bbb,
        );
}

/// Sends the browser into the room's meeting (creating it first if it is not live).
pub async fn join(join: JoinAs) -> AppResult<HttpResponse> {
    if let Some(lobby) =
        crate::lobby::handlers::hold(&join.ctx, &join.room, &join.target, join.role)
    {
        return Ok(lobby);
    }
    let url = enter(
        &join.ctx,
        &join.room,
        &join.target,
        join.user(),
        join.role,
        false,
        &join.next,
    )
    .await?;
    Ok(see_other(&url))
}

/// What a visitor is let in with: makes the meeting live, checks the room's cap for viewers,
/// and signs the join URL. `user` is who BBB sees (the logged-in visitor, or the owner of an
/// agenda join link); `role` is what `auth::access` granted.
pub async fn enter(
    ctx: &Visitor,
    room: &Room,
    target: &MeetingTarget,
    user: &SessionUser,
    role: Role,
    retried: bool,
    next: &str,
) -> AppResult<String> {
    let state = &ctx.state;
    let server = state.placements.server_of(room);
    // Only a capped room counts who is in it: the last poll's people plus the joins sent
    // since that poll started. Other rooms' joins read no snapshot and count nothing.
    let counted = room.max_participants.is_some();
    let snapshot_at = if counted {
        state.status.latest().map(|s| s.started_at)
    } else {
        None
    };
    if role == Role::Viewer {
        if let Some(cap) = room.max_participants {
            let in_room = participants(state, &target.meeting_id)
                + state.registry.joins_since(&target.meeting_id, snapshot_at);
            if in_room >= cap {
                return Err(AppError::RoomFull {
                    room: room.name.clone(),
                    stream_url: room.stream_url.as_ref().map(|u| u.to_string()),
                });
            }
        }
    }
    let record = match lifecycle::ensure_live(state, room, target, &server).await {
        Ok(r) => r,
        Err(CreateFailure::StillCreating) => {
            return Err(AppError::MeetingStarting {
                room: room.name.clone(),
                slug: room.slug.to_string(),
                csrf: ctx.csrf(),
                next: next.to_owned(),
            })
        }
        Err(CreateFailure::Internal(m)) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "making the meeting of {} live: {m}",
                room.slug
            )))
        }
        Err(e) => {
            tracing::error!(room = %room.slug, server = %server, error = %e, "join: no meeting");
            return Err(AppError::RoomUnavailable {
                room: room.name.clone(),
            });
        }
    };
    // The server the meeting is live on (another instance may have placed it elsewhere).
    let server = if record.server == server.as_str() {
        server
    } else {
        ServerName::parse(&record.server)
            .ok()
            .filter(|s| state.server(s).is_some())
            .unwrap_or(server)
    };
    let (settings, endpoint) = state
        .server(&server)
        .zip(state.endpoint(&server))
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("server {server} not configured")))?;
    let ticket = ReturnTicket::sign_fields(
        &state.link_key,
        &user.id,
        room.slug.as_str(),
        &record.meeting_id,
        record.create_time,
        retried,
        ctx.real_now + RETURN_LINK_LIFETIME,
    );
    // The ticket is base64url and '.', which a query carries as it is.
    let back =
        state
            .settings
            .public_link_of(&["/rooms/", room.slug.as_str(), "/return?t=", &ticket]);
    // Only a password-style join (before 2.4, or a version still to detect) needs a
    // password; a role join does not carry one.
    let password = (settings.version.map(|v| v.join_style()) != Some(JoinStyle::Role))
        .then(|| password_for(&record, &settings.secret, role));
    let url = state
        .bbb
        .join_url(
            endpoint,
            &JoinRequest {
                password: password.as_deref(),
                meeting_id: &record.meeting_id,
                full_name: &user.name,
                role,
                user_id: Some(&user.id),
                create_time: record.create_time,
                redirect: true,
                extra: &[("errorRedirectUrl", &back), ("logoutURL", &back)],
            },
        )
        .await
        .map_err(|e| {
            tracing::error!(room = %room.slug, error = %crate::telemetry::error_chain(&e), "join: version unknown");
            AppError::RoomUnavailable {
                room: room.name.clone(),
            }
        })?;
    if counted {
        state.registry.note_join(&record.meeting_id, snapshot_at);
    }
    if role == Role::Moderator {
        crate::lobby::handlers::moderator_joined(state, &record).await;
    }
    tracing::debug!(room = %room.slug, meeting = %record.meeting_id, server = %server, "join");
    Ok(url)
}

/// People in `meeting_id` on any server, as the last poll saw them.
fn participants(state: &AppState, meeting_id: &str) -> u32 {
    state.status.latest().map_or(0, |snap| {
        snap.servers
            .iter()
            .flat_map(|s| s.meetings.iter())
            .filter(|m| m.meeting_id == meeting_id)
            .map(|m| m.participant_count)
            .max()
            .unwrap_or(0)
    })
}

/// The query BBB sends the browser back with.
#[derive(Deserialize)]
pub struct ReturnQuery {
    /// The signed ticket hallway put on the join URL.
    t: Option<String>,
    /// BBB's join errors, a JSON list of `{key, message}`.
    errors: Option<String>,
}

#[derive(Deserialize)]
struct JoinErrorItem {
    key: String,
}

/// Where BBB sends the browser after a refused join (`?errors=`) or when people leave.
pub async fn back_from_bbb(
    ctx: PageCtx,
    slug: web::Path<String>,
    q: web::Query<ReturnQuery>,
) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let room = state.rooms.get(&slug).cloned().ok_or(AppError::NotFound)?;
    let room_page = format!("/rooms/{}", room.slug);
    let Some(errors) = q.errors.as_deref() else {
        // They left the meeting: show what comes next in this room.
        return Ok(see_other(&room_page));
    };
    let keys: Vec<String> = serde_json::from_str::<Vec<JoinErrorItem>>(errors)
        .map(|v| v.into_iter().map(|e| e.key).collect())
        .unwrap_or_default();
    let ticket =
        q.t.as_deref()
            .and_then(|t| ReturnTicket::verify(t, &state.link_key, state.clock.now()))
            .filter(|t| t.room == room.slug.as_str())
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "The video server could not let you into {} and this return link is no longer \
                 valid. Please press Join again.",
                    room.name
                ))
            })?;
    let user = ctx
        .layout
        .user
        .clone()
        .filter(|u| u.id == ticket.user_id)
        .ok_or_else(|| AppError::LoginRequired {
            next: room_page.clone(),
        })?;
    tracing::info!(room = %room.slug, meeting = %ticket.meeting_id, errors = ?keys, "BBB refused a join");
    if keys.iter().any(|k| k == "maxParticipantsReached") {
        return Err(AppError::RoomFull {
            room: room.name.clone(),
            stream_url: room.stream_url.as_ref().map(|u| u.to_string()),
        });
    }
    if ticket.retried {
        // Refused twice in a row: do not loop.
        return Err(AppError::RoomUnavailable {
            room: room.name.clone(),
        });
    }
    // Back into the same session's meeting (not the room's next one).
    let session = state
        .registry
        .get(&ticket.meeting_id)
        .and_then(|r| r.session_key.clone())
        .and_then(|key| {
            state
                .schedule
                .get()
                .all()
                .iter()
                .find(|s| s.key == key)
                .map(|s| s.id)
        });
    lifecycle::forget_stale(state, &ticket.meeting_id, ticket.create_time).await?;
    let (role, target) = join_decision(&ctx, &room, session)?;
    let url = enter(&ctx, &room, &target, &user, role, true, &room_page).await?;
    Ok(see_other(&url))
}
