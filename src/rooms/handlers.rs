//! `POST /rooms/{slug}/join`: create the room's meeting on its server if needed, then send the
//! browser to BBB with a signed join URL.
//!
//! BBB's create is idempotent (a repeat answers `duplicateWarning` with the existing meeting),
//! so every join calls create and takes `createTime` from its answer: one BBB call, no race
//! between instances, and a join URL that cannot be replayed into a later meeting. Passwords
//! are derived from the server secret (`rooms::meeting`) so every instance sends the same
//! ones. The shared secret never leaves the server: the browser only sees the signed URL.
//! Who may join, and as what, was decided by the `JoinAs` extractor (`auth::access`).

use actix_web::{post, web, HttpResponse};

use crate::auth::guard::JoinAs;
use crate::bbb::JoinRequest;
use crate::error::{AppError, AppResult};
use crate::rooms::meeting::{create_request, derived_password, Site};
use crate::web::render::see_other;

/// Registers the rooms feature's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(join);
}

/// Creates (or finds) the room's meeting and redirects to BBB.
#[post("/rooms/{slug}/join")]
pub async fn join(join: JoinAs) -> AppResult<HttpResponse> {
    let JoinAs {
        ctx,
        room,
        user,
        role,
        ..
    } = join;
    let state = &ctx.state;
    let server_name = state.placements.server_of(&room);
    let (server, endpoint) = state
        .server(&server_name)
        .zip(state.endpoint(&server_name))
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "room {} is placed on {server_name}, which is not configured",
                room.slug
            ))
        })?;
    let meeting_id = state.rooms.meeting_id(room.slug.as_str());
    let home = state.settings.public_link("/");
    let site = Site {
        name: &ctx.layout.site_name,
        home: &home,
        host: state.settings.public_url.host_str().unwrap_or("hallway"),
    };
    let create = create_request(&room, &meeting_id, &server.secret, &site);
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
    let url = state
        .bbb
        .join_url(
            endpoint,
            &JoinRequest {
                password: Some(derived_password(&server.secret, &meeting_id, role)),
                meeting_id,
                full_name: user.name.clone(),
                role,
                user_id: Some(user.id.clone()),
                create_time: Some(created.create_time),
                redirect: true,
                extra: Vec::new(),
            },
        )
        .await?;
    Ok(see_other(&url))
}
