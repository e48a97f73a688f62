//! `GET /admin/status`: servers and rooms at a glance, from the latest poll snapshot.

use std::collections::HashMap;

use actix_web::{get, HttpResponse};
use askama::Template;

use crate::auth::guard::StaffPage;
use crate::bbb::{Meeting, Role};
use crate::error::AppResult;
use crate::web::layout::Layout;
use crate::web::{render, time};

/// Registers the staff dashboard.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(status_page);
}

/// One row of the server table.
pub struct ServerRow {
    /// Name.
    pub name: String,
    /// UP or DOWN.
    pub up: bool,
    /// Why it is down.
    pub error: String,
    /// Rooms pinned to it.
    pub rooms: usize,
    /// Meetings on it.
    pub meetings: usize,
    /// People in its meetings.
    pub people: u32,
    /// Poll round trip.
    pub took_ms: u64,
}

/// One row of the room table.
pub struct RoomRow {
    /// Room name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Pinned server.
    pub server: String,
    /// Kind.
    pub kind: &'static str,
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
}

/// The status page.
#[derive(Template)]
#[template(path = "status/index.html")]
pub struct StatusPage {
    /// Header.
    pub layout: Layout,
    /// Has any poll finished yet?
    pub polled: bool,
    /// "12:00:03 UTC (4 s ago)".
    pub polled_at: String,
    /// Server table.
    pub servers: Vec<ServerRow>,
    /// Room table.
    pub rooms: Vec<RoomRow>,
    /// Meetings on our servers that belong to no configured room.
    pub other_meetings: Vec<RoomRow>,
    /// Totals: servers up, servers total, running rooms, people, listen-only, video, moderators.
    pub total_up: usize,
    /// Servers in total.
    pub total_servers: usize,
    /// Running rooms.
    pub total_running: usize,
    /// People.
    pub total_people: u32,
    /// Listen-only.
    pub total_listen_only: u32,
    /// Video.
    pub total_video: u32,
    /// Moderators.
    pub total_moderators: u32,
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

/// Renders the dashboard.
#[get("/admin/status")]
pub async fn status_page(StaffPage(ctx): StaffPage) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let snap = state.status.latest();
    // A room's meetings (its own, or one per session), on whichever server: the room's row
    // shows the one on its current server with the most people; every other one is listed
    // below (a meeting alive on two servers after a move, an earlier session's meeting).
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
    let mut shown: Vec<(&str, &str)> = Vec::new();
    let mut rooms = Vec::new();
    for r in state.rooms.all() {
        let pinned = state.placements.server_of(r).to_string();
        let copies = meetings
            .get(r.slug.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let busiest = |on_pinned: bool| {
            copies
                .iter()
                .filter(|(server, _)| (*server == pinned) == on_pinned)
                .max_by_key(|(_, m)| (m.running, m.participant_count))
        };
        let chosen = busiest(true).or_else(|| busiest(false));
        if let Some((server, m)) = chosen {
            shown.push((server, m.meeting_id.as_str()));
        }
        let row = match chosen {
            Some((server, m)) => RoomRow {
                name: r.name.clone(),
                slug: r.slug.to_string(),
                server: if *server == pinned {
                    pinned.clone()
                } else {
                    format!("{server} (pinned: {pinned})")
                },
                kind: r.kind.as_str(),
                running: m.running,
                people: m.participant_count,
                listen_only: m.listener_count,
                video: m.video_count,
                moderators: m.moderator_count,
                names: names(m),
            },
            None => RoomRow {
                name: r.name.clone(),
                slug: r.slug.to_string(),
                server: pinned,
                kind: r.kind.as_str(),
                running: false,
                people: 0,
                listen_only: 0,
                video: 0,
                moderators: 0,
                names: Vec::new(),
            },
        };
        rooms.push(row);
    }
    let mut other_meetings = Vec::new();
    let mut servers = Vec::new();
    if let Some(s) = &snap {
        for server in &s.servers {
            for m in &server.meetings {
                if !shown.contains(&(server.name.as_str(), m.meeting_id.as_str())) {
                    other_meetings.push(RoomRow {
                        name: m.meeting_name.clone(),
                        slug: m.meeting_id.clone(),
                        server: server.name.clone(),
                        kind: if m.is_breakout {
                            "breakout"
                        } else if state.rooms.room_of_meeting(&m.meeting_id).is_some() {
                            "second copy"
                        } else {
                            "other"
                        },
                        running: m.running,
                        people: m.participant_count,
                        listen_only: m.listener_count,
                        video: m.video_count,
                        moderators: m.moderator_count,
                        names: names(m),
                    });
                }
            }
            servers.push(ServerRow {
                name: server.name.clone(),
                up: server.is_up(),
                error: server.error.clone().unwrap_or_default(),
                rooms: state
                    .rooms
                    .all()
                    .iter()
                    .filter(|r| state.placements.server_of(r).as_str() == server.name)
                    .count(),
                meetings: server.meetings.len(),
                people: server.meetings.iter().map(|m| m.participant_count).sum(),
                took_ms: server.took_ms,
            });
        }
    }
    let all = rooms.iter().chain(other_meetings.iter());
    let (mut people, mut listen, mut video, mut mods, mut running) = (0, 0, 0, 0, 0);
    for r in all {
        people += r.people;
        listen += r.listen_only;
        video += r.video;
        mods += r.moderators;
        running += usize::from(r.running);
    }
    let polled_at = snap
        .as_ref()
        .map(|s| {
            format!(
                "{} ({} s ago)",
                time::utc_full(s.finished_at),
                (ctx.state.clock.now() - s.finished_at).num_seconds().max(0)
            )
        })
        .unwrap_or_default();
    let page = StatusPage {
        layout: ctx.layout.clone(),
        polled: snap.is_some(),
        polled_at,
        total_up: servers.iter().filter(|s| s.up).count(),
        total_servers: servers.len(),
        servers,
        rooms,
        other_meetings,
        total_running: running,
        total_people: people,
        total_listen_only: listen,
        total_video: video,
        total_moderators: mods,
    };
    render::page(&ctx, &page)
}
