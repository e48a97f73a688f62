//! `GET /admin/status` (staff dashboard), `GET /admin/status/events` (server-sent events: a
//! new snapshot is there), `GET /api/v1/status` (the same data as JSON, for staff or the
//! configured token) and `GET /metrics` (Prometheus).
//!
//! Everything renders from memory: the latest poll snapshot, the server view, placements and
//! the schedule, plus two small database reads (last moves, audit log). No page ever calls
//! BBB, so a dead or slow server cannot slow the dashboard. With JavaScript the page swaps in
//! a fresh copy of itself on every snapshot event; without it, a reload shows the same.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::auth::access::{self, Action};
use crate::auth::guard::StaffPage;
use crate::bbb::{Meeting, Role};
use crate::db::from_db_time;
use crate::error::AppResult;
use crate::servers::store::{self as servers_store, AuditRow};
use crate::servers::view::ServerState;
use crate::state::AppState;
use crate::status::health::Health;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::{render, time};

/// Registers the dashboard, its live feed, the JSON status, metrics and the staff actions.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/admin/status", "the status dashboard", status_page)
        .get(
            "/admin/status/events",
            "the dashboard's server-sent events",
            status_events,
        )
        .get("/admin/status/live.js", "the dashboard's script", live_js)
        .get(
            "/api/v1/status",
            "the dashboard's data as JSON",
            status_json,
        )
        .get("/metrics", "Prometheus metrics", metrics);
    crate::servers::handlers::configure(r);
}

/// More servers than this and the healthy ones fold away.
const COLLAPSE_OVER: usize = 20;

/// One row of the server table.
#[derive(Clone, Debug, Serialize)]
pub struct ServerRow {
    /// Name.
    pub name: String,
    /// enabled, draining, disabled.
    pub state: ServerState,
    /// The leader's decision.
    pub health: Health,
    /// Did it answer the last poll?
    pub answered: bool,
    /// The last poll's error, in words.
    pub error: String,
    /// The error that made it DOWN.
    pub down_because: String,
    /// Who set the state, and when ("" if never).
    pub state_changed: String,
    /// getMeetings latency of the last poll.
    pub latency_ms: u64,
    /// BBB version.
    pub version: String,
    /// Rooms placed on it.
    pub rooms: usize,
    /// Meetings on it.
    pub meetings: usize,
    /// People.
    pub people: u32,
    /// Listen-only.
    pub listen_only: u32,
    /// With voice.
    pub voice: u32,
    /// Webcams.
    pub video: u32,
    /// An upstream load balancer (Scalelite, BBBLB): no placement or failover by hallway.
    pub balancer: bool,
    /// Why the meetings shown are not the balancer's own list ("" when they are).
    pub list_note: String,
}

impl ServerRow {
    /// The leader decided DOWN.
    pub fn is_down(&self) -> bool {
        self.health == Health::Down
    }

    /// Up, enabled, answering with its own meeting list: nothing to look at.
    pub fn healthy(&self) -> bool {
        self.health != Health::Down
            && self.state == ServerState::Enabled
            && self.answered
            && self.list_note.is_empty()
    }
}

/// One row of the room table.
#[derive(Clone, Debug, Serialize)]
pub struct RoomRow {
    /// Room name.
    pub name: String,
    /// Slug (or meetingID, for meetings of no room).
    pub slug: String,
    /// Kind.
    pub kind: &'static str,
    /// The configured pin.
    pub pinned: String,
    /// Where it is placed now.
    pub placed: String,
    /// Where its meeting actually runs ("" when closed).
    pub actual: String,
    /// Meeting exists and someone is in it.
    pub running: bool,
    /// Participants.
    pub people: u32,
    /// Listen-only participants.
    pub listen_only: u32,
    /// Webcams.
    pub video: u32,
    /// Moderators.
    pub moderators: u32,
    /// Participant names, moderators marked.
    pub names: Vec<String>,
    /// The session scheduled now.
    pub session_now: String,
    /// Things staff should look at.
    pub warnings: Vec<String>,
    /// "moved from bbb2 at 14:02: bbb2 DOWN".
    pub moved: String,
    /// Behind a load balancer: the BBB server it chose, as far as the balancer tells
    /// (BBBLB's `bbblb-server` metadata), else "".
    pub backend: String,
    /// True when this is a configured room (actions apply).
    pub is_room: bool,
    /// Lobby pages open on this instance waiting for the room's moderator.
    pub waiting: usize,
}

/// Totals.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Servers not DOWN.
    pub servers_up: usize,
    /// Servers.
    pub servers: usize,
    /// Running meetings.
    pub running: usize,
    /// People.
    pub people: u32,
    /// Listen-only.
    pub listen_only: u32,
    /// Voice.
    pub voice: u32,
    /// Video.
    pub video: u32,
    /// Moderators.
    pub moderators: u32,
}

/// What the dashboard and the JSON status show.
#[derive(Clone, Debug, Serialize)]
pub struct StatusData {
    /// Has a poll finished?
    pub polled: bool,
    /// When it finished, ISO 8601.
    pub polled_at: Option<String>,
    /// The last round's wall time.
    pub round_ms: u64,
    /// The last round took longer than the interval.
    pub overran: bool,
    /// Servers, in configuration order.
    pub servers: Vec<ServerRow>,
    /// Rooms, then meetings of no room (or second copies).
    pub rooms: Vec<RoomRow>,
    /// Totals.
    pub totals: Totals,
    /// Newest audit entries.
    pub audit: Vec<AuditRow>,
}

fn names(m: &Meeting) -> Vec<String> {
    m.attendees
        .iter()
        .map(|a| match a.role {
            Role::Moderator => format!("{} (moderator)", a.full_name),
            Role::Viewer => a.full_name.clone(),
        })
        .collect()
}

fn hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M UTC").to_string()
}

/// Builds everything the dashboard shows, from memory (and two small reads).
pub async fn build(state: &AppState) -> AppResult<StatusData> {
    let now = state.clock.now();
    let snap = state.status.latest();
    let moves: HashMap<String, servers_store::MoveRow> = servers_store::moves(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.room.clone(), m))
        .collect();
    let audit = servers_store::recent_audit(&state.db, 20).await?;
    // Old meetings of rooms moved on purpose that still run until their announced end.
    let retiring: Vec<servers_store::Retirement> =
        servers_store::recent_retirements(&state.db, crate::db::to_db_time(now))
            .await?
            .into_iter()
            .filter(|r| r.ended_at.is_none())
            .collect();
    let mut meetings: HashMap<&str, Vec<(&str, &Meeting)>> = HashMap::new();
    if let Some(s) = &snap {
        for server in &s.servers {
            for m in &server.meetings {
                if let Some(room) = state.rooms.room_of_meeting(&m.meeting_id) {
                    meetings
                        .entry(room.slug.as_str())
                        .or_default()
                        .push((server.name.as_str(), m));
                }
            }
        }
    }
    let index = state.schedule.get();
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut rooms = Vec::new();
    for r in state.rooms.all() {
        let placed = state.placements.stored(r).to_string();
        let copies = meetings
            .get(r.slug.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let busiest = |on_placed: bool| {
            copies
                .iter()
                .filter(|(server, _)| (*server == placed) == on_placed)
                .max_by_key(|(_, m)| (m.running, m.participant_count))
        };
        let chosen = busiest(true).or_else(|| busiest(false));
        if let Some((server, m)) = chosen {
            shown.push((server.to_string(), m.meeting_id.clone()));
        }
        let around = index.in_room_between(
            r.slug.as_str(),
            now - chrono::Duration::hours(12),
            now + chrono::Duration::hours(12),
        );
        let running_session = around.iter().find(|s| s.start <= now && now < s.end);
        let due = around
            .iter()
            .find(|s| s.start > now && s.start <= now + chrono::Duration::minutes(5));
        let mut warnings = Vec::new();
        let backend = chosen
            .and_then(|(_, m)| m.metadata.get("bbblb-server").cloned())
            .unwrap_or_default();
        let (running, people, listen_only, video, moderators, actual, who) = match chosen {
            Some((server, m)) => (
                m.running,
                m.participant_count,
                m.listener_count,
                m.video_count,
                m.moderator_count,
                server.to_string(),
                names(m),
            ),
            None => (false, 0, 0, 0, 0, String::new(), Vec::new()),
        };
        if let Some(s) = running_session {
            if now - s.start >= chrono::Duration::minutes(2) && moderators == 0 {
                warnings.push(format!(
                    "no moderator {} min after \"{}\" started",
                    (now - s.start).num_minutes(),
                    s.title
                ));
            }
        }
        if !actual.is_empty() && actual != placed && running {
            warnings.push(format!("running on {actual}, placed on {placed}"));
        }
        if let Some(cap) = r.max_participants {
            if people > cap {
                warnings.push(format!("over its cap: {people} of {cap}"));
            }
        }
        if let Some(s) = due {
            if state.servers.health(&placed) == Health::Down {
                warnings.push(format!(
                    "\"{}\" starts at {} and {placed} is DOWN",
                    s.title,
                    hm(s.start)
                ));
            }
        }
        let moved = moves
            .get(r.slug.as_str())
            .filter(|m| m.to_server == placed)
            .map(|m| {
                format!(
                    "moved from {} at {}: {}",
                    m.from_server,
                    hm(from_db_time(m.moved_at)),
                    m.reason
                )
            })
            .unwrap_or_default();
        let moved = retiring
            .iter()
            .filter(|x| x.room == r.slug.as_str())
            .fold(moved, |acc, x| {
                let line = format!(
                    "old meeting on {} ends at {}: {}",
                    x.server,
                    hm(from_db_time(x.end_at)),
                    x.announcement
                );
                if acc.is_empty() {
                    line
                } else {
                    format!("{acc}; {line}")
                }
            });
        rooms.push(RoomRow {
            name: r.name.clone(),
            slug: r.slug.to_string(),
            kind: r.kind.as_str(),
            pinned: r.server.to_string(),
            placed,
            actual,
            running,
            people,
            listen_only,
            video,
            moderators,
            names: who,
            session_now: running_session.map(|s| s.title.clone()).unwrap_or_default(),
            warnings,
            moved,
            backend,
            is_room: true,
            waiting: state.lobby.waiting(r.slug.as_str()),
        });
    }
    let mut servers = Vec::new();
    if let Some(s) = &snap {
        for server in &s.servers {
            for m in &server.meetings {
                if shown.contains(&(server.name.clone(), m.meeting_id.clone())) {
                    continue;
                }
                rooms.push(RoomRow {
                    name: m.meeting_name.clone(),
                    slug: m.meeting_id.clone(),
                    kind: if m.is_breakout {
                        "breakout"
                    } else if retiring
                        .iter()
                        .any(|x| x.server == server.name && x.meeting_id == m.meeting_id)
                    {
                        "ending after a move"
                    } else if state.rooms.room_of_meeting(&m.meeting_id).is_some() {
                        "second copy"
                    } else {
                        "other"
                    },
                    pinned: String::new(),
                    placed: String::new(),
                    actual: server.name.clone(),
                    running: m.running,
                    people: m.participant_count,
                    listen_only: m.listener_count,
                    video: m.video_count,
                    moderators: m.moderator_count,
                    names: names(m),
                    session_now: String::new(),
                    warnings: Vec::new(),
                    moved: String::new(),
                    backend: String::new(),
                    is_room: false,
                    waiting: 0,
                });
            }
        }
    }
    for name in state.servers.names() {
        let info = state.servers.info(name);
        let polled = snap
            .as_ref()
            .and_then(|s| s.servers.iter().find(|x| &x.name == name));
        let sum = |f: fn(&Meeting) -> u32| -> u32 {
            polled.map_or(0, |p| p.meetings.iter().map(f).sum())
        };
        // The leader's decision; before it made one, this instance's own poll.
        let health = match (info.health, polled) {
            (Health::Unknown, Some(p)) => p.health,
            (h, _) => h,
        };
        servers.push(ServerRow {
            name: name.clone(),
            state: info.state,
            health,
            answered: polled.is_some_and(|p| p.is_up()),
            error: polled.and_then(|p| p.error.clone()).unwrap_or_default(),
            down_because: if info.health == Health::Down {
                info.health_error.clone().unwrap_or_default()
            } else if health == Health::Down {
                polled.and_then(|p| p.error.clone()).unwrap_or_default()
            } else {
                String::new()
            },
            state_changed: match (&info.changed_by, info.changed_at) {
                (Some(by), Some(at)) => format!("by {by} at {}", hm(from_db_time(at))),
                _ => String::new(),
            },
            latency_ms: polled.map_or(0, |p| p.took_ms),
            version: polled.and_then(|p| p.version.clone()).unwrap_or_default(),
            rooms: rooms
                .iter()
                .filter(|r| r.is_room && &r.placed == name)
                .count(),
            meetings: polled.map_or(0, |p| p.meetings.len()),
            people: sum(|m| m.participant_count),
            listen_only: sum(|m| m.listener_count),
            voice: sum(|m| m.voice_participant_count),
            video: sum(|m| m.video_count),
            balancer: state.servers.is_balancer(name),
            list_note: polled.and_then(|p| p.list_note.clone()).unwrap_or_default(),
        });
    }
    let mut totals = Totals {
        servers_up: servers.iter().filter(|s| s.health != Health::Down).count(),
        servers: servers.len(),
        ..Totals::default()
    };
    for s in &servers {
        totals.people += s.people;
        totals.listen_only += s.listen_only;
        totals.voice += s.voice;
        totals.video += s.video;
    }
    for r in &rooms {
        totals.running += usize::from(r.running);
        totals.moderators += r.moderators;
    }
    Ok(StatusData {
        polled: snap.is_some(),
        polled_at: snap.as_ref().map(|s| time::iso(s.finished_at)),
        round_ms: snap.as_ref().map_or(0, |s| s.round_ms),
        overran: snap.as_ref().is_some_and(|s| s.overran),
        servers,
        rooms,
        totals,
        audit,
    })
}

/// The status page.
#[derive(Template)]
#[template(path = "status/index.html")]
pub struct StatusPage {
    /// Header.
    pub layout: Layout,
    /// The data.
    pub data: StatusData,
    /// "12:00:03 UTC (4 s ago)".
    pub polled_at: String,
    /// The poll interval, seconds.
    pub interval_s: u64,
    /// Servers needing a look (or all, when few).
    pub attention: Vec<ServerRow>,
    /// Healthy servers, folded away when there are many.
    pub healthy: Vec<ServerRow>,
    /// Every server name (for the move menu).
    pub server_names: Vec<String>,
    /// The confirmation of the action just done.
    pub done: String,
    /// Audit entries with readable times.
    pub audit: Vec<(String, AuditRow)>,
}

/// `?done=ID`: the audit entry of the action just done.
#[derive(serde::Deserialize)]
pub struct StatusQuery {
    done: Option<i64>,
}

/// Renders the dashboard.
pub async fn status_page(
    StaffPage(ctx): StaffPage,
    q: web::Query<StatusQuery>,
) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let data = build(state).await?;
    let snap = state.status.latest();
    let polled_at = snap
        .as_ref()
        .map(|s| {
            format!(
                "{} ({} s ago)",
                time::utc_full(s.finished_at),
                (state.clock.now() - s.finished_at).num_seconds().max(0)
            )
        })
        .unwrap_or_default();
    let (healthy, attention): (Vec<ServerRow>, Vec<ServerRow>) =
        if data.servers.len() > COLLAPSE_OVER {
            data.servers.iter().cloned().partition(ServerRow::healthy)
        } else {
            (Vec::new(), data.servers.clone())
        };
    let done = q
        .done
        .and_then(|id| data.audit.iter().find(|a| a.id == id))
        .map(|a| a.detail.clone())
        .unwrap_or_default();
    let audit = data
        .audit
        .iter()
        .map(|a| (time::utc_full(from_db_time(a.at)), a.clone()))
        .collect();
    let page = StatusPage {
        layout: ctx.layout.clone(),
        polled_at,
        interval_s: state.settings.bbb.poll_interval.as_secs(),
        attention,
        healthy,
        server_names: state.servers.names().to_vec(),
        done,
        audit,
        data,
    };
    render::page(&ctx, &page)
}

/// The dashboard's script: on every snapshot event, fetch the page again and swap it in.
pub async fn live_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("../../templates/status/live.js"))
}

/// Server-sent events: `event: snapshot` whenever a newer poll snapshot is published.
pub async fn status_events(StaffPage(ctx): StaffPage) -> HttpResponse {
    let rx = ctx.state.status.subscribe();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let at = rx
            .borrow_and_update()
            .as_ref()
            .map(|s| time::iso(s.finished_at))
            .unwrap_or_default();
        let event = format!("event: snapshot\ndata: {at}\n\n");
        Some((Ok::<_, actix_web::Error>(web::Bytes::from(event)), rx))
    });
    let hello = futures::stream::once(async {
        Ok::<_, actix_web::Error>(web::Bytes::from_static(b": connected\nretry: 5000\n\n"))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(futures::StreamExt::chain(hello, stream))
}

/// True when the request carries the configured bearer token (compared in constant time).
fn has_token(state: &AppState, req: &HttpRequest) -> bool {
    let Some(token) = &state.settings.status.api_token else {
        return false;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())))
}

fn is_staff(ctx: &PageCtx) -> bool {
    access::decide(
        ctx.layout.user.as_ref(),
        Action::SeeStaffPages,
        ctx.state.join_window,
        ctx.state.clock.now(),
    )
    .is_ok()
}

fn unauthorized(what: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .json(serde_json::json!({
            "error": format!("{what} is for staff: log in as staff, or send \
                              Authorization: Bearer <status.api_token>")
        }))
}

/// The dashboard's data as JSON.
pub async fn status_json(ctx: PageCtx, req: HttpRequest) -> AppResult<HttpResponse> {
    if !(has_token(&ctx.state, &req) || is_staff(&ctx)) {
        return Ok(unauthorized("The status"));
    }
    Ok(HttpResponse::Ok().json(build(&ctx.state).await?))
}

/// Prometheus text. On the main port only for staff or the token, unless `metrics.public`.
pub async fn metrics(ctx: PageCtx, req: HttpRequest) -> HttpResponse {
    if !(ctx.state.settings.metrics.public || has_token(&ctx.state, &req) || is_staff(&ctx)) {
        return unauthorized("/metrics");
    }
    metrics_text(&ctx.state.metrics, &req)
}

/// The exposition as a response (also what the separate metrics listener serves): OpenMetrics
/// to a scraper that asks for it (Prometheus does), the classic text format otherwise.
pub fn metrics_text(m: &crate::status::metrics::Metrics, req: &HttpRequest) -> HttpResponse {
    let open = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/openmetrics-text"));
    if open {
        HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(m.encode())
    } else {
        HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(m.encode_classic())
    }
}
