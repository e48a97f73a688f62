//! Making meetings exist, and keeping the registry true: the cold half of the join path and
//! the jobs around it.
//!
//! - [`ensure_live`]: a join whose meeting is not known live comes here. Concurrent joins to
//!   the same meeting share **one** create per instance (single flight); across instances the
//!   meeting's row carries a short create lease, so a database shared by several instances
//!   sees one create too. A meeting that already exists (created by another client, or with
//!   other passwords: `idNotUnique`) is joined, not refused: its createTime, and before BBB 2.4
//!   its passwords, come from getMeetingInfo.
//! - [`reconcile`]: after each status poll, meetings BBB lists become live (with BBB's
//!   createTime) and live meetings a healthy server no longer lists become ended.
//! - [`end_finished_once`]: session meetings are ended a grace period after their session; one
//!   instance does it (a job lease).
//! - [`leave_behind`] and [`retire_moved_once`]: a room moved on purpose while its meeting
//!   runs: the move is announced in the meeting (BBB 3.0 chat), joins go to the new server at
//!   once, and the old meeting is ended `status.move_end_delay` later (one instance, a lease).
//! - [`forget_stale`]: BBB refused a join signed with an old createTime (the meeting ended
//!   between two polls); the registry drops it so the next join creates again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::web;
use futures::future::FutureExt;

use crate::bbb::{ApiErrorKey, BbbError, Endpoint, Role};
use crate::db::to_db_time;
use crate::rooms::meeting::{create_request, derived_password, MeetingTarget, Site};
use crate::rooms::model::{Room, ServerName};
use crate::rooms::registry::{CreateFailure, Flight, MeetingRecord, MeetingState};
use crate::rooms::store;
use crate::state::AppState;
use crate::status::snapshot::Snapshot;

fn classify(e: BbbError) -> CreateFailure {
    match e {
        BbbError::Api { .. } => CreateFailure::Refused(crate::telemetry::error_chain(&e)),
        other => CreateFailure::ServerDown {
            server: other.server().to_owned(),
            detail: crate::telemetry::error_chain(&other),
        },
    }
}

/// How long a create lease lasts; a crashed creator's lease runs out after it.
const LEASE_SECS: i64 = 30;

/// The meeting of `target` in `room`, live on `server`: from the registry when it is known
/// live there (no BBB call), else created (once, however many joins ask at the same time).
pub async fn ensure_live(
    state: &web::Data<AppState>,
    room: &Room,
    target: &MeetingTarget,
    server: &ServerName,
) -> Result<Arc<MeetingRecord>, CreateFailure> {
    if let Some(r) = state.registry.live_on(&target.meeting_id, server.as_str()) {
        return Ok(r);
    }
    let flight = {
        let mut flights = state.flights.0.lock().unwrap_or_else(|e| e.into_inner());
        match flights.get(&target.meeting_id) {
            Some(f) => f.clone(),
            None => {
                let task = tokio::spawn(create_flight(
                    state.clone(),
                    room.clone(),
                    target.clone(),
                    server.clone(),
                ));
                let f: Flight = async move {
                    task.await.unwrap_or_else(|e| {
                        Err(CreateFailure::Internal(format!("create task: {e}")))
                    })
                }
                .boxed()
                .shared();
                flights.insert(target.meeting_id.clone(), f.clone());
                f
            }
        }
    };
    flight.await
}

/// One create, with the lease; removes itself from the flights when done.
async fn create_flight(
    state: web::Data<AppState>,
    room: Room,
    target: MeetingTarget,
    server: ServerName,
) -> Result<Arc<MeetingRecord>, CreateFailure> {
    // Server states and failover: a create goes only to a server that takes new meetings,
    // and a join that found its room's server unusable records the room's new place.
    let result = match crate::servers::failover::admit(&state, &room, server.as_str()).await {
        Ok(()) => lease_and_create(&state, &room, &target, &server)
            .await
            .map(Arc::new),
        Err(e) => Err(e),
    };
    state
        .flights
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&target.meeting_id);
    if let Ok(r) = &result {
        state.registry.put(r.clone());
    }
    result
}

async fn lease_and_create(
    state: &AppState,
    room: &Room,
    target: &MeetingTarget,
    server: &ServerName,
) -> Result<MeetingRecord, CreateFailure> {
    let deadline = tokio::time::Instant::now() + state.settings.bbb.create_wait;
    loop {
        let now = to_db_time(state.clock.now());
        let leased = store::try_lease_create(
            &state.db,
            &target.meeting_id,
            room.slug.as_str(),
            target.session.as_ref().map(|s| s.key.as_str()),
            server.as_str(),
            &state.instance_id,
            now,
            now + LEASE_SECS,
        )
        .await?;
        if leased {
            let created = create_on_bbb(state, room, target, server).await;
            if created.is_err() {
                store::release_create(&state.db, &target.meeting_id, &state.instance_id, now)
                    .await?;
            }
            return created;
        }
        // Someone else holds it: live already (another instance made it), or still creating.
        if let Some(row) = store::meeting(&state.db, &target.meeting_id).await? {
            if row.state == "live" && row.server == server.as_str() && row.create_time.is_some() {
                return Ok(MeetingRecord::from_row(row));
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CreateFailure::StillCreating);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Calls BBB create (or adopts the meeting that already exists) and stores it live.
async fn create_on_bbb(
    state: &AppState,
    room: &Room,
    target: &MeetingTarget,
    server: &ServerName,
) -> Result<MeetingRecord, CreateFailure> {
    let (settings, endpoint) = state
        .server(server)
        .zip(state.endpoint(server))
        .ok_or_else(|| CreateFailure::Internal(format!("server {server} is not configured")))?;
    let conference = state.conference();
    let home = state.settings.public_link("/");
    let logout = state.settings.public_link(&format!("/rooms/{}", room.slug));
    let site = Site {
        name: &conference.title,
        home: &home,
        logout_url: &logout,
        host: state.settings.public_url.host_str().unwrap_or("hallway"),
        max_participants: room
            .max_participants
            .map(|cap| cap + state.settings.bbb.capacity_headroom),
        expire_if_no_user_joined_minutes: state.settings.bbb.empty_meeting_expiry_minutes,
    };
    let request = create_request(room, target, &settings.secret, &site);
    let mut record = MeetingRecord {
        meeting_id: target.meeting_id.clone(),
        room: room.slug.to_string(),
        session_key: target.session.as_ref().map(|s| s.key.clone()),
        server: server.to_string(),
        state: MeetingState::Live,
        create_time: None,
        attendee_pw: request.attendee_pw.clone(),
        moderator_pw: request.moderator_pw.clone(),
    };
    match state.bbb.create(endpoint, &request).await {
        Ok(created) => {
            record.create_time = Some(created.create_time);
            tracing::info!(
                room = %room.slug,
                meeting = %target.meeting_id,
                server = %server,
                duplicate = created.duplicate_warning,
                "meeting created"
            );
        }
        Err(e) if e.api_key() == Some(&ApiErrorKey::IdNotUnique) => {
            // It exists with other passwords (another client, an older configuration): join
            // it as it is.
            let info = state
                .bbb
                .get_meeting_info(endpoint, &target.meeting_id)
                .await
                .map_err(classify)?;
            record.create_time = Some(info.create_time);
            record.attendee_pw = info.attendee_pw;
            record.moderator_pw = info.moderator_pw;
            tracing::info!(
                room = %room.slug,
                meeting = %target.meeting_id,
                server = %server,
                "joining a meeting that exists with other passwords"
            );
        }
        Err(e) => return Err(classify(e)),
    }
    store::mark_live(&state.db, &record.to_row(to_db_time(state.clock.now()))).await?;
    Ok(record)
}

/// The password `role` joins `record` with on servers before 2.4: the one BBB reported, else
/// the derived one.
pub fn password_for(
    record: &MeetingRecord,
    endpoint_secret: &secrecy::SecretString,
    role: Role,
) -> String {
    let reported = match role {
        Role::Moderator => record.moderator_pw.clone(),
        Role::Viewer => record.attendee_pw.clone(),
    };
    reported.unwrap_or_else(|| derived_password(endpoint_secret, &record.meeting_id, role))
}

/// Drops a meeting BBB refused a join for (it ended behind hallway's back), if it still has
/// `create_time`, so the next join creates it again.
pub async fn forget_stale(
    state: &AppState,
    meeting_id: &str,
    create_time: Option<i64>,
) -> Result<(), sqlx::Error> {
    store::mark_ended(
        &state.db,
        meeting_id,
        create_time,
        to_db_time(state.clock.now()),
    )
    .await?;
    if state
        .registry
        .get(meeting_id)
        .is_some_and(|r| create_time.is_none() || r.create_time == create_time)
    {
        state.registry.forget(meeting_id);
    }
    Ok(())
}

/// Brings the registry in line with a poll: meetings of hallway's rooms that BBB lists are
/// live with BBB's createTime; live meetings that a server which answered no longer lists
/// are ended. Writes only what changed.
pub async fn reconcile(state: &AppState, snapshot: &Snapshot) -> Result<usize, sqlx::Error> {
    let now = to_db_time(state.clock.now());
    let mut changes = 0;
    let mut listed: HashSet<(String, String)> = HashSet::new();
    let retired = left_behind(state).await?;
    for server in snapshot.servers.iter().filter(|s| s.is_up()) {
        for m in &server.meetings {
            let Some(room) = state.rooms.room_of_meeting(&m.meeting_id) else {
                continue;
            };
            if !retired.is_empty()
                && retired.contains(&(server.name.clone(), m.meeting_id.clone(), m.create_time))
            {
                // Left behind by a move, ending: not the room's meeting any more.
                continue;
            }
            listed.insert((server.name.clone(), m.meeting_id.clone()));
            let known = state.registry.get(&m.meeting_id);
            let up_to_date = known.as_ref().is_some_and(|r| {
                r.state == MeetingState::Live
                    && r.server == server.name
                    && r.create_time == Some(m.create_time)
            });
            if up_to_date {
                continue;
            }
            let same_meeting = known
                .as_ref()
                .filter(|r| r.create_time == Some(m.create_time));
            let record = MeetingRecord {
                meeting_id: m.meeting_id.clone(),
                room: room.slug.to_string(),
                session_key: known.as_ref().and_then(|r| r.session_key.clone()),
                server: server.name.clone(),
                state: MeetingState::Live,
                create_time: Some(m.create_time),
                attendee_pw: m
                    .attendee_pw
                    .clone()
                    .or_else(|| same_meeting.and_then(|r| r.attendee_pw.clone())),
                moderator_pw: m
                    .moderator_pw
                    .clone()
                    .or_else(|| same_meeting.and_then(|r| r.moderator_pw.clone())),
            };
            store::mark_live(&state.db, &record.to_row(now)).await?;
            state.registry.put(Arc::new(record));
            changes += 1;
        }
    }
    let answered: HashSet<&str> = snapshot
        .servers
        .iter()
        .filter(|s| s.is_up())
        .map(|s| s.name.as_str())
        .collect();
    let poll_started = to_db_time(snapshot.started_at);
    for r in state.registry.live() {
        if !answered.contains(r.server.as_str())
            || listed.contains(&(r.server.clone(), r.meeting_id.clone()))
        {
            continue;
        }
        // Created after the poll asked: not listed yet, not gone.
        let row = store::meeting(&state.db, &r.meeting_id).await?;
        if row
            .as_ref()
            .is_some_and(|row| row.updated_at >= poll_started)
        {
            continue;
        }
        if store::mark_ended(&state.db, &r.meeting_id, r.create_time, now).await? {
            changes += 1;
        }
        state.registry.forget(&r.meeting_id);
    }
    Ok(changes)
}

/// Ends the meetings of sessions that ended more than the grace period ago. One instance does
/// it (the `end-finished` job lease). Returns how many meetings it ended.
pub async fn end_finished_once(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let t = to_db_time(now);
    if !store::try_job_lease(&state.db, "end-finished", &state.instance_id, t, t + 120).await? {
        return Ok(0);
    }
    let index = state.schedule.get();
    let ends: HashMap<&str, chrono::DateTime<chrono::Utc>> = index
        .all()
        .iter()
        .map(|s| (s.key.as_str(), s.end))
        .collect();
    let mut ended = 0;
    for r in state.registry.live() {
        let Some(key) = r.session_key.as_deref() else {
            continue;
        };
        // A session removed from the schedule counts as over.
        let over = ends
            .get(key)
            .is_none_or(|end| *end + state.settings.bbb.meeting_end_grace <= now);
        if !over {
            continue;
        }
        let Some(endpoint) = ServerName::parse(&r.server)
            .ok()
            .and_then(|s| state.endpoint(&s).cloned())
        else {
            continue;
        };
        match end_on(state, &endpoint, &r).await {
            Ok(()) => ended += 1,
            Err(e) => {
                tracing::warn!(meeting = %r.meeting_id, error = %crate::telemetry::error_chain(&e), "ending a finished session's meeting failed; will retry")
            }
        }
    }
    Ok(ended)
}

/// Ends `meeting_id` on `endpoint`; a meeting BBB no longer knows counts as ended.
async fn end_unless_gone(
    state: &AppState,
    endpoint: &Endpoint,
    meeting_id: &str,
) -> Result<(), BbbError> {
    match state.bbb.end(endpoint, meeting_id).await {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

async fn end_on(state: &AppState, endpoint: &Endpoint, r: &MeetingRecord) -> Result<(), BbbError> {
    end_unless_gone(state, endpoint, &r.meeting_id).await?;
    if let Err(e) = forget_stale(state, &r.meeting_id, r.create_time).await {
        tracing::warn!(error = %e, "recording an ended meeting failed");
    }
    tracing::info!(meeting = %r.meeting_id, "ended a finished session's meeting");
    Ok(())
}

/// One status round: poll every server, then bring the registry in line with what they list.
/// The job loop runs it every `bbb.poll_interval_secs`; tests call it directly.
pub async fn status_round(state: &AppState) -> crate::status::poller::PollReport {
    let report = state.poller.poll_once().await;
    if let Some(snap) = state.status.latest() {
        state.lobby.after_poll(&snap, &state.rooms);
        if let Err(e) = reconcile(state, &snap).await {
            tracing::warn!(error = %e, "updating the meeting registry from the poll failed");
        }
        if let Err(e) = crate::servers::failover::after_poll(state, &snap).await {
            tracing::warn!(error = %e, "health decisions or failover after the poll failed");
        }
    }
    report
}

/// Creates ahead of time the meetings of sessions starting within `status.prewarm_lead`, on
/// their room's server, so the first joins find them live. One instance does it (the
/// `prewarm` job lease). BBB keeps them `bbb.empty_meeting_expiry_minutes` (the configuration
/// insists that is longer than the lead); if it expires one anyway, the next join creates it
/// again (the registry forgets it at the next poll, or the return from BBB recovers it).
/// Returns how many meetings it created.
pub async fn prewarm_once(state: &web::Data<AppState>) -> Result<usize, sqlx::Error> {
    let lead = state.settings.status.prewarm_lead;
    if lead <= chrono::Duration::zero() {
        return Ok(0);
    }
    let now = state.clock.now();
    let t = to_db_time(now);
    if !store::try_job_lease(&state.db, "prewarm", &state.instance_id, t, t + 120).await? {
        return Ok(0);
    }
    let index = state.schedule.get();
    let mut created = 0;
    for s in index.between(now, now + lead) {
        if s.start <= now || s.start > now + lead {
            continue;
        }
        let Some(room) = state.rooms.for_schedule_room(&s.room) else {
            continue;
        };
        let target = MeetingTarget {
            meeting_id: crate::rooms::meeting::session_meeting_id(
                state.rooms.meeting_prefix(),
                room,
                &s.key,
            ),
            session: Some(crate::rooms::meeting::SessionRef::of(s)),
        };
        let server = state.placements.server_of(room);
        if state
            .registry
            .live_on(&target.meeting_id, server.as_str())
            .is_some()
        {
            continue;
        }
        match ensure_live(state, room, &target, &server).await {
            Ok(_) => {
                created += 1;
                tracing::info!(room = %room.slug, meeting = %target.meeting_id, server = %server, "pre-warmed a session's meeting");
            }
            Err(e) => {
                tracing::warn!(room = %room.slug, meeting = %target.meeting_id, error = %e, "pre-warming failed; the first join will create it")
            }
        }
    }
    Ok(created)
}

// --- Moving a running room on purpose ---------------------------------------------------------

/// The lease of the instance that ends meetings left behind by a move.
pub const RETIRE_LEASE: &str = "retire-moved";
/// How long ended retirements are remembered (the poll must not adopt those meetings again).
const RETIRED_MEMORY_SECS: i64 = 3600;

/// After `room` was moved on purpose to `to`: every meeting of the room that hallway knows
/// live on another server is announced in its chat (BBB 3.0+: `sendChatMessage`; older
/// servers cannot, which the audit entry says), forgotten so the next join creates the meeting
/// on `to`, and scheduled to end `status.move_end_delay` later by [`retire_moved_once`].
/// Returns one line per meeting for the confirmation ("… on bbb1: announced, ends in 60 s").
pub async fn leave_behind(
    state: &AppState,
    room: &Room,
    to: &ServerName,
    actor: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let delay = state.settings.status.move_end_delay;
    let now = state.clock.now();
    let mut lines = Vec::new();
    for r in state
        .registry
        .live()
        .into_iter()
        .filter(|r| r.room == room.slug.as_str() && r.server != to.as_str())
    {
        let Some(endpoint) = ServerName::parse(&r.server)
            .ok()
            .and_then(|s| state.endpoint(&s).cloned())
        else {
            continue;
        };
        let announcement = announce_move(state, &endpoint, room, &r, delay).await;
        let retirement = crate::servers::store::Retirement {
            meeting_id: r.meeting_id.clone(),
            server: r.server.clone(),
            create_time: r.create_time.unwrap_or(0),
            room: room.slug.to_string(),
            end_at: to_db_time(now + delay),
            announcement: announcement.clone(),
            ended_at: None,
        };
        crate::servers::store::schedule_retirement(&state.db, &retirement, actor, to_db_time(now))
            .await?;
        // Joins from now on create the meeting on the new server.
        forget_stale(state, &r.meeting_id, r.create_time).await?;
        lines.push(format!(
            "{} on {}: {announcement}, ends in {} s",
            r.meeting_id,
            r.server,
            delay.num_seconds()
        ));
    }
    Ok(lines)
}

/// Says in the meeting that it moves, if its server can (BBB 3.0+). Returns what happened, in
/// words, for the audit log.
async fn announce_move(
    state: &AppState,
    endpoint: &Endpoint,
    room: &Room,
    r: &MeetingRecord,
    delay: chrono::Duration,
) -> String {
    let version = match state.bbb.server_version(endpoint).await {
        Ok(v) => v,
        Err(e) => {
            return format!(
                "not announced ({}'s BBB version is unknown: {})",
                r.server,
                crate::status::explain::human(&e)
            )
        }
    };
    if version < crate::bbb::ServerVersion::V3_0 {
        return format!(
            "not announced ({} runs BBB {version}; chat messages need BBB 3.0)",
            r.server
        );
    }
    let link = state.settings.public_link(&format!("/rooms/{}", room.slug));
    let message = crate::bbb::ChatMessage {
        meeting_id: r.meeting_id.clone(),
        message: format!(
            "{} moves to another server. This meeting ends in {} seconds; press Join on {link} \
             to continue in the new one.",
            room.name,
            delay.num_seconds()
        ),
        user_name: Some(state.conference().title.clone()),
    };
    match state.bbb.send_chat_message(endpoint, &message).await {
        Ok(()) => "announced in the meeting's chat".to_owned(),
        Err(e) => format!(
            "not announced (sendChatMessage failed: {})",
            crate::status::explain::human(&e)
        ),
    }
}

/// Ends the meetings left behind by moves whose delay is over. One instance does it (the
/// `retire-moved` lease); a named loop runs it every 5 seconds, tests call it after moving the
/// clock. Returns how many meetings it ended.
pub async fn retire_moved_once(state: &AppState) -> Result<usize, sqlx::Error> {
    let t = to_db_time(state.clock.now());
    if !store::try_job_lease(&state.db, RETIRE_LEASE, &state.instance_id, t, t + 30).await? {
        return Ok(0);
    }
    let mut ended = 0;
    for r in crate::servers::store::due_retirements(&state.db, t).await? {
        let Some(endpoint) = ServerName::parse(&r.server)
            .ok()
            .and_then(|s| state.endpoint(&s).cloned())
        else {
            continue;
        };
        if let Err(e) = end_unless_gone(state, &endpoint, &r.meeting_id).await {
            tracing::warn!(meeting = %r.meeting_id, server = %r.server, error = %crate::telemetry::error_chain(&e), "ending a moved room's old meeting failed; will retry");
            continue;
        }
        let now_on = state
            .rooms
            .get(&r.room)
            .map(|room| state.placements.stored(room).to_string())
            .unwrap_or_default();
        let detail = format!(
            "{}: ended {} on {} after the move; people continue on {now_on}",
            r.room, r.meeting_id, r.server
        );
        if crate::servers::store::finish_retirement(&state.db, &r, &detail, t).await? {
            tracing::info!(room = %r.room, meeting = %r.meeting_id, server = %r.server, "ended a moved room's old meeting");
            ended += 1;
        }
    }
    Ok(ended)
}

/// `(server, meeting, createTime)` of meetings left behind by moves (pending or ended within
/// the last hour): [`reconcile`] must not take them for the room's current meeting.
async fn left_behind(state: &AppState) -> Result<HashSet<(String, String, i64)>, sqlx::Error> {
    let since = to_db_time(state.clock.now()) - RETIRED_MEMORY_SECS;
    Ok(crate::servers::store::recent_retirements(&state.db, since)
        .await?
        .into_iter()
        .map(|r| (r.server, r.meeting_id, r.create_time))
        .collect())
}
