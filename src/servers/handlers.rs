//! Staff actions from the dashboard: server states, and start, end or move a room. Each
//! takes its form through `Posted` (the CSRF token) and asks `Action::ManageServers`, writes
//! an audit entry, and returns to `/admin/status?done=ID`, which shows that entry as the
//! confirmation.
//!
//! BBB cannot migrate a live meeting. Moving a room whose meeting runs announces the move in
//! that meeting's chat (BBB 3.0's `sendChatMessage`; on older servers the audit entry says it
//! could not), sends the next joins to the new server at once, and leaves the old meeting to
//! `rooms::lifecycle::retire_moved_once`, which ends it `status.move_end_delay` later.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::access::Action;
use crate::auth::guard::{check, join_decision, Posted};
use crate::db::to_db_time;
use crate::error::{AppError, AppResult};
use crate::rooms::lifecycle;
use crate::rooms::model::{Room, ServerName};
use crate::servers::store::{self, RoomMove};
use crate::servers::view::ServerState;
use crate::web::page::PageCtx;
use crate::web::render::see_other;
use crate::web::routes::Routes;

/// Registers the actions.
pub fn configure(r: &mut Routes<'_>) {
    r.post(
        "/admin/servers/{name}/state",
        "enable, drain or disable a server",
        set_state,
    )
    .post(
        "/admin/rooms/{slug}/move",
        "move a room to another server",
        move_room,
    )
    .post(
        "/admin/rooms/{slug}/start",
        "start a room's meeting",
        start_room,
    )
    .post("/admin/rooms/{slug}/end", "end a room's meeting", end_room);
}

/// A form with nothing but the CSRF token (which [`Posted`] checks).
#[derive(Deserialize)]
pub struct CsrfForm {}

/// The state form.
#[derive(Deserialize)]
pub struct StateForm {
    state: String,
}

/// The move form.
#[derive(Deserialize)]
pub struct MoveForm {
    server: String,
}

fn actor(ctx: &PageCtx) -> String {
    ctx.layout
        .user
        .as_ref()
        .map_or_else(|| "staff".to_owned(), |u| u.name.clone())
}

async fn confirmed(ctx: &PageCtx) -> AppResult<HttpResponse> {
    let last = store::recent_audit(&ctx.state.db, 1).await?;
    Ok(see_other(&match last.first() {
        Some(a) => format!("/admin/status?done={}", a.id),
        None => "/admin/status".to_owned(),
    }))
}

fn room_of(ctx: &PageCtx, slug: &str) -> AppResult<Room> {
    ctx.state.rooms.get(slug).cloned().ok_or(AppError::NotFound)
}

fn server_named(ctx: &PageCtx, name: &str) -> AppResult<ServerName> {
    ctx.state
        .rooms
        .server_named(name)
        .cloned()
        .ok_or_else(|| AppError::BadRequest(format!("There is no server called {name}.")))
}

/// Enables, drains or disables a server.
pub async fn set_state(
    name: web::Path<String>,
    Posted { ctx, form }: Posted<StateForm>,
) -> AppResult<HttpResponse> {
    check(&ctx, Action::ManageServers)?;
    let server = server_named(&ctx, &name)?;
    let state = ServerState::parse(&form.state).ok_or_else(|| {
        AppError::BadRequest(format!(
            "'{}' is not a server state: use enabled, draining or disabled.",
            form.state
        ))
    })?;
    let now = to_db_time(ctx.state.clock.now());
    store::set_state(&ctx.state.db, server.as_str(), state, &actor(&ctx), now).await?;
    ctx.state.servers.replace(store::load(&ctx.state.db).await?);
    // Rooms with running or imminent sessions leave a disabled server at once.
    crate::servers::failover::failover_once(&ctx.state).await?;
    confirmed(&ctx).await
}

/// Ends the room's meetings that hallway knows live, on whatever server.
async fn end_meetings(ctx: &PageCtx, room: &Room) -> AppResult<Vec<String>> {
    let state = &ctx.state;
    let mut ended = Vec::new();
    for r in state
        .registry
        .live()
        .into_iter()
        .filter(|r| r.room == room.slug.as_str())
    {
        let Some(ep) = ServerName::parse(&r.server)
            .ok()
            .and_then(|s| state.endpoint(&s).cloned())
        else {
            continue;
        };
        match state.bbb.end(&ep, &r.meeting_id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(AppError::Upstream(e)),
        }
        lifecycle::forget_stale(state, &r.meeting_id, r.create_time).await?;
        ended.push(format!("{} on {}", r.meeting_id, r.server));
    }
    Ok(ended)
}

/// Ends the room's meeting.
pub async fn end_room(
    slug: web::Path<String>,
    Posted { ctx, .. }: Posted<CsrfForm>,
) -> AppResult<HttpResponse> {
    check(&ctx, Action::ManageServers)?;
    let room = room_of(&ctx, &slug)?;
    let ended = end_meetings(&ctx, &room).await?;
    let detail = if ended.is_empty() {
        format!("{}: no meeting was running", room.slug)
    } else {
        format!("{}: ended {}", room.slug, ended.join(", "))
    };
    let now = to_db_time(ctx.state.clock.now());
    store::record_action(
        &ctx.state.db,
        now,
        &actor(&ctx),
        "room-end",
        room.slug.as_str(),
        &detail,
    )
    .await?;
    confirmed(&ctx).await
}

/// Creates the room's meeting now (the one a join would enter), without joining.
pub async fn start_room(
    slug: web::Path<String>,
    Posted { ctx, .. }: Posted<CsrfForm>,
) -> AppResult<HttpResponse> {
    check(&ctx, Action::ManageServers)?;
    let room = room_of(&ctx, &slug)?;
    let (_, target) = join_decision(&ctx, &room, None)?;
    let server = ctx.state.placements.server_of(&room);
    let record = lifecycle::ensure_live(&ctx.state, &room, &target, &server)
        .await
        .map_err(|e| AppError::BadRequest(format!("{} could not be started: {e}", room.name)))?;
    let now = to_db_time(ctx.state.clock.now());
    store::record_action(
        &ctx.state.db,
        now,
        &actor(&ctx),
        "room-start",
        room.slug.as_str(),
        &format!(
            "{}: meeting {} live on {}",
            room.slug, record.meeting_id, record.server
        ),
    )
    .await?;
    confirmed(&ctx).await
}

/// Moves the room to another server (also "move back" to its configured pin).
pub async fn move_room(
    slug: web::Path<String>,
    Posted { ctx, form }: Posted<MoveForm>,
) -> AppResult<HttpResponse> {
    check(&ctx, Action::ManageServers)?;
    let room = room_of(&ctx, &slug)?;
    let to = server_named(&ctx, &form.server)?;
    let from = ctx.state.placements.stored(&room);
    if from == to {
        return Err(AppError::BadRequest(format!(
            "{} is already on {to}.",
            room.name
        )));
    }
    let who = actor(&ctx);
    let reason = format!("moved by {who}");
    let now = to_db_time(ctx.state.clock.now());
    let moved = store::move_room(
        &ctx.state.db,
        &RoomMove {
            room: room.slug.as_str(),
            from: from.as_str(),
            to: to.as_str(),
            reason: &reason,
            actor: &who,
            now,
        },
    )
    .await?;
    if !moved {
        return Err(AppError::BadRequest(format!(
            "{} was moved by someone else meanwhile; look at the dashboard again.",
            room.name
        )));
    }
    ctx.state.placements.replace(
        &ctx.state.rooms,
        crate::rooms::store::all_pins(&ctx.state.db).await?,
    );
    ctx.state
        .lobby
        .check_moves(&ctx.state.rooms, &ctx.state.placements);
    // The old meeting is announced, then ended after the delay; joins go to `to` now.
    lifecycle::leave_behind(&ctx.state, &room, &to, &who).await?;
    confirmed(&ctx).await
}
