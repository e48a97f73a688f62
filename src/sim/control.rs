//! The simulated HTML5 client and the test control interface.
//!
//! On real BBB a user becomes an attendee only when the browser client
//! connects. Here, opening `/html5client/join?sessionToken=…` (where join
//! redirects) is that connection, and its "Leave" button disconnects.
//! `/sim/...` lets tests, benchmarks and the demo add and remove users
//! without a browser and inspect the whole state as JSON.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use quick_xml::escape::escape;
use serde::Deserialize;

use super::state::{random_lower, SimAttendee};
use super::{Faults, Shared};
use crate::bbb::Role;

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(rename = "sessionToken")]
    session_token: Option<String>,
}

fn html(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}\n</body></html>\n",
            escape(title)
        ))
}

fn not_found() -> HttpResponse {
    html(
        actix_web::http::StatusCode::NOT_FOUND,
        "Session not found",
        "<p>Unknown or expired session token.</p>",
    )
}

/// `GET /html5client/join?sessionToken=…`: the browser client connects.
pub(crate) async fn client_join(q: web::Query<TokenQuery>, sim: web::Data<Shared>) -> HttpResponse {
    let Some(token) = q.session_token.as_deref() else {
        return not_found();
    };
    let mut st = sim.lock();
    let Some(s) = st.sessions.get(token).cloned() else {
        return not_found();
    };
    let Some(m) = st.meetings.get(&s.meeting_id) else {
        return not_found();
    };
    if m.create_time != s.create_time {
        return not_found();
    }
    let meeting_name = m.name.clone();
    let already = m
        .attendees
        .iter()
        .any(|a| a.session_token.as_deref() == Some(token));
    if !already {
        let is_presenter = m.attendees.is_empty() && s.role == Role::Moderator;
        st.connect(
            &s.meeting_id,
            SimAttendee {
                user_id: s.user_id.clone(),
                full_name: s.full_name.clone(),
                role: s.role,
                is_presenter,
                listen_only: false,
                voice: false,
                video: false,
                client_type: "HTML5".to_owned(),
                custom: s.custom.clone(),
                session_token: Some(token.to_owned()),
            },
        );
        tracing::debug!(meeting = %s.meeting_id, user = %s.user_id, "bbb-sim: user connected");
    }
    drop(st);
    let text = format!(
        "You are in {} as {} ({})",
        escape(meeting_name.as_str()),
        escape(s.full_name.as_str()),
        s.role.as_str()
    );
    let token_enc: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    html(
        actix_web::http::StatusCode::OK,
        &meeting_name,
        &format!(
            "<p id=\"status\">{text}</p>\n<form method=\"post\" action=\"/html5client/leave?sessionToken={token_enc}\"><button type=\"submit\">Leave</button></form>"
        ),
    )
}

/// `POST /html5client/leave?sessionToken=…`: the user leaves.
pub(crate) async fn client_leave(
    q: web::Query<TokenQuery>,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let Some(token) = q.session_token.as_deref() else {
        return not_found();
    };
    let mut st = sim.lock();
    let Some(s) = st.sessions.remove(token) else {
        return not_found();
    };
    st.disconnect(&s.meeting_id, |a| a.session_token.as_deref() == Some(token));
    drop(st);
    html(
        actix_web::http::StatusCode::OK,
        "Left",
        "<p>You have left the meeting.</p>",
    )
}

/// Body of `POST /sim/meetings/{meetingID}/users` (form or JSON).
#[derive(Deserialize, Default)]
pub(crate) struct AddUser {
    #[serde(rename = "fullName")]
    full_name: Option<String>,
    role: Option<String>,
    #[serde(rename = "userID")]
    user_id: Option<String>,
    #[serde(rename = "listenOnly", default)]
    listen_only: Option<Flag>,
    #[serde(default)]
    voice: Option<Flag>,
    #[serde(default)]
    video: Option<Flag>,
}

/// A boolean given as JSON bool or as a form string.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Flag {
    Bool(bool),
    Text(String),
}

impl Flag {
    fn get(f: &Option<Flag>) -> bool {
        match f {
            Some(Flag::Bool(b)) => *b,
            Some(Flag::Text(t)) => matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "true" | "1" | "on" | "yes"
            ),
            None => false,
        }
    }
}

/// A user added through the control interface.
pub(crate) struct UserSpec {
    pub full_name: String,
    pub role: Role,
    pub user_id: Option<String>,
    pub listen_only: bool,
    pub voice: bool,
    pub video: bool,
}

/// Adds a connected user directly (shared by the HTTP control API and
/// [`super::SimServer::add_user`]). `None` if there is no such meeting.
pub(crate) fn add_user(sim: &Shared, meeting_id: &str, u: UserSpec) -> Option<String> {
    let mut st = sim.lock();
    let key = st.find_key(meeting_id)?;
    let user_id = u
        .user_id
        .unwrap_or_else(|| format!("w_{}", random_lower(12)));
    let attendee = SimAttendee {
        user_id: user_id.clone(),
        full_name: u.full_name,
        role: u.role,
        is_presenter: false,
        listen_only: u.listen_only,
        voice: u.voice && !u.listen_only,
        video: u.video,
        client_type: "HTML5".to_owned(),
        custom: Vec::new(),
        session_token: None,
    };
    st.connect(&key, attendee).then_some(user_id)
}

/// `POST /sim/meetings/{meetingID}/users`.
pub(crate) async fn post_user(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
    let parsed: Result<AddUser, String> = if body.is_empty() {
        Ok(AddUser::default())
    } else if is_json {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    } else {
        serde_urlencoded::from_bytes(&body).map_err(|e| e.to_string())
    };
    let u = match parsed {
        Ok(u) => u,
        Err(e) => return HttpResponse::BadRequest().json(serde_json::json!({ "error": e })),
    };
    let role = match u.role.as_deref().map(str::parse::<Role>) {
        None => Role::Viewer,
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            return HttpResponse::BadRequest().json(serde_json::json!({ "error": e.to_string() }))
        }
    };
    let full_name = u
        .full_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Simulated User");
    let spec = UserSpec {
        full_name: full_name.to_owned(),
        role,
        user_id: u.user_id.clone().filter(|s| !s.is_empty()),
        listen_only: Flag::get(&u.listen_only),
        voice: Flag::get(&u.voice),
        video: Flag::get(&u.video),
    };
    match add_user(&sim, &path, spec) {
        Some(id) => HttpResponse::Ok().json(serde_json::json!({ "userID": id })),
        None => HttpResponse::NotFound().json(serde_json::json!({ "error": "no such meeting" })),
    }
}

/// `DELETE /sim/meetings/{meetingID}/users/{userID}`.
pub(crate) async fn delete_user(
    path: web::Path<(String, String)>,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let (meeting_id, user_id) = path.into_inner();
    let mut st = sim.lock();
    let Some(key) = st.find_key(&meeting_id) else {
        return HttpResponse::NotFound().json(serde_json::json!({ "error": "no such meeting" }));
    };
    let tokens: Vec<String> = st
        .meetings
        .get(&key)
        .map(|m| {
            m.attendees
                .iter()
                .filter(|a| a.user_id == user_id)
                .filter_map(|a| a.session_token.clone())
                .collect()
        })
        .unwrap_or_default();
    if st.disconnect(&key, |a| a.user_id == user_id) {
        for t in tokens {
            st.sessions.remove(&t);
        }
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::NotFound().json(serde_json::json!({ "error": "no such user" }))
    }
}

/// `GET /sim/state`.
pub(crate) async fn get_state(sim: web::Data<Shared>) -> HttpResponse {
    let st = sim.lock();
    let meetings: Vec<serde_json::Value> = st
        .meetings
        .values()
        .map(|m| {
            serde_json::json!({
                "meetingID": m.meeting_id,
                "name": m.name,
                "internalMeetingID": m.internal_id,
                "createTime": m.create_time,
                "running": m.running(),
                "hasUserJoined": m.has_user_joined,
                "hasBeenForciblyEnded": m.forcibly_ended(),
                "logoutURL": m.logout_url,
                "maxUsers": m.max_users,
                "metadata": m.metadata,
                "attendees": m.attendees.iter().map(|a| serde_json::json!({
                    "userID": a.user_id,
                    "fullName": a.full_name,
                    "role": a.role.as_str(),
                    "listenOnly": a.listen_only,
                    "voice": a.voice,
                    "video": a.video,
                    "clientType": a.client_type,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({
        "server": sim.config.name,
        "meetings": meetings,
        "pendingSessions": st.sessions.len(),
        "version": sim.config.version.to_string(),
        "faults": sim.faults(),
    }))
}

/// `GET /sim/faults`.
pub(crate) async fn get_faults(sim: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(sim.faults())
}

/// `PUT|POST /sim/faults` with a JSON [`Faults`] body.
pub(crate) async fn put_faults(body: web::Bytes, sim: web::Data<Shared>) -> HttpResponse {
    let parsed: Result<Faults, _> = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Faults::none())
    } else {
        serde_json::from_slice(&body)
    };
    match parsed {
        Ok(f) => {
            sim.set_faults(f.clone());
            HttpResponse::Ok().json(f)
        }
        Err(e) => HttpResponse::BadRequest().json(serde_json::json!({ "error": e.to_string() })),
    }
}

/// `DELETE /sim/faults`.
pub(crate) async fn delete_faults(sim: web::Data<Shared>) -> HttpResponse {
    sim.set_faults(Faults::none());
    HttpResponse::NoContent().finish()
}

/// `GET /sim/stats` → `{"calls": {"create": 1, …}, "total": N}`: the BBB API
/// requests counted since the start or the last reset (see
/// [`super::SimServer::calls`]).
pub(crate) async fn get_stats(sim: web::Data<Shared>) -> HttpResponse {
    let calls = sim.call_counts();
    let total: u64 = calls.values().sum();
    HttpResponse::Ok().json(serde_json::json!({ "calls": calls, "total": total }))
}

/// `POST /sim/stats/reset` → 204: every counter back to zero.
pub(crate) async fn reset_stats(sim: web::Data<Shared>) -> HttpResponse {
    sim.reset_calls();
    HttpResponse::NoContent().finish()
}
