//! `sendChatMessage` in the simulator (BBB 3.0+), and what tests read of it.
//!
//! hallway announces a deliberate move of a running room in the meeting's public chat before
//! it ends the meeting. Tests must see that announcement, so the simulator keeps every chat
//! message it accepted, per meeting (and per session of it: the meeting's createTime), and
//! shows them through the control interface. Validation follows bbb-web 3.0's
//! `SendChatMessage` request class (`message` 1–500 characters, `userName` at most 255,
//! default sender "System"); an unknown or ended meeting answers `meetingNotFound` (the text
//! of bigbluebutton-api-php's fixture `send_chat_message_failed.xml`). Servers simulated
//! before 3.0 do not know the call at all (`unsupportedRequest`, checked in `api`).
//!
//! Kept apart from the meeting state (`state`): messages outlive the meeting they were sent
//! to, so a test can still read what a meeting heard after hallway ended it.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::render;
use super::Shared;

/// One accepted chat message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SimChatMessage {
    /// The meeting's external ID.
    #[serde(rename = "meetingID")]
    pub meeting_id: String,
    /// createTime of the meeting session that received it.
    #[serde(rename = "createTime")]
    pub create_time: i64,
    /// The sender shown in the chat.
    #[serde(rename = "userName")]
    pub user_name: String,
    /// The text as received.
    pub message: String,
}

/// Looks up a parameter (first occurrence wins, as in `api`).
fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The checked call (checksum already verified): the XML answer.
pub(crate) fn send(sim: &Shared, p: &[(String, String)]) -> String {
    let failed = |key: &str, msg: &str| render::failed(key, msg);
    let Some(id) = param(p, "meetingID").filter(|s| !s.is_empty()) else {
        return failed("missingParamMeetingID", "You must provide a meeting ID");
    };
    let Some(message) = param(p, "message") else {
        return failed("validationError", "You must provide the param message");
    };
    if !(1..=500).contains(&message.chars().count()) {
        return failed(
            "validationError",
            "Param message must be between 1 and 500 characters",
        );
    }
    let user_name = param(p, "userName").filter(|s| !s.is_empty());
    if user_name.is_some_and(|n| n.chars().count() > 255) {
        return failed(
            "validationError",
            "Param userName must not exceed 255 characters",
        );
    }
    let st = sim.lock();
    let Some(m) = st
        .find_key(id)
        .and_then(|k| st.meetings.get(&k))
        .filter(|m| !m.forcibly_ended())
    else {
        return failed("meetingNotFound", "Meeting not found or not active");
    };
    let record = SimChatMessage {
        meeting_id: m.meeting_id.clone(),
        create_time: m.create_time,
        user_name: user_name.unwrap_or("System").to_owned(),
        message: message.to_owned(),
    };
    drop(st);
    tracing::debug!(meeting = %record.meeting_id, "bbb-sim: chat message sent");
    sim.chats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
    render::chat_sent()
}

/// Every message sent to `meeting_id`, oldest first.
pub(crate) fn messages_of(sim: &Shared, meeting_id: &str) -> Vec<SimChatMessage> {
    sim.chats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|c| c.meeting_id == meeting_id)
        .cloned()
        .collect()
}

/// `GET /sim/meetings/{meetingID}/chat` → `{"messages": [{meetingID, createTime, userName,
/// message}]}`, also after the meeting ended.
pub(crate) async fn get_chat(path: web::Path<String>, sim: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "messages": messages_of(&sim, &path) }))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::time::Duration;

    use secrecy::SecretString;

    use super::super::{Failure, Faults, SimConfig, SimServer};
    use crate::bbb::{
        ApiErrorKey, BbbClient, BbbError, ChatMessage, ChecksumAlgorithm, CreateMeeting, Endpoint,
        ServerVersion, Timeouts,
    };

    const SECRET: &str = "330a8b08c3b4c61533e1d0c5ce1ac88f";

    async fn start(version: ServerVersion) -> (SimServer, Endpoint, BbbClient) {
        let mut cfg = SimConfig::new("sim1", SECRET);
        cfg.version = version;
        let sim = SimServer::start(TcpListener::bind("127.0.0.1:0").expect("bind"), cfg)
            .await
            .expect("start");
        let ep = Endpoint::new(
            "sim1",
            &sim.base_url(),
            SecretString::from(SECRET),
            ChecksumAlgorithm::Sha256,
        );
        let client = BbbClient::new(Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(10),
        })
        .expect("client");
        (sim, ep, client)
    }

    fn chat(meeting: &str, text: &str) -> ChatMessage {
        ChatMessage {
            meeting_id: meeting.into(),
            message: text.into(),
            user_name: Some("hallway".into()),
        }
    }

    fn api_key(e: &BbbError) -> String {
        e.api_key()
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_30_server_records_chat_messages_per_meeting_and_refuses_unknown_ones() {
        let (sim, ep, client) = start(ServerVersion::V3_0).await;
        let created = client
            .create(
                &ep,
                &CreateMeeting {
                    meeting_id: "room-a".into(),
                    name: "Room A".into(),
                    ..CreateMeeting::default()
                },
            )
            .await
            .expect("create");

        client
            .send_chat_message(&ep, &chat("room-a", "This room moves to bbb2 <now> & then"))
            .await
            .expect("sent");
        let anonymous = ChatMessage {
            user_name: None,
            ..chat("room-a", "second")
        };
        client
            .send_chat_message(&ep, &anonymous)
            .await
            .expect("sent");
        let unknown = client
            .send_chat_message(&ep, &chat("nope", "hello"))
            .await
            .expect_err("unknown meeting");

        let got = sim.chat_messages("room-a");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].message, "This room moves to bbb2 <now> & then");
        assert_eq!(got[0].user_name, "hallway");
        assert_eq!(got[0].create_time, created.create_time);
        assert_eq!(got[1].user_name, "System", "BBB's default sender");
        assert_eq!(api_key(&unknown), "meetingNotFound");
        assert!(unknown.is_not_found());
        // The control API shows the same, also after the meeting ended.
        client.end(&ep, "room-a").await.expect("end");
        let after_end = client
            .send_chat_message(&ep, &chat("room-a", "too late"))
            .await
            .expect_err("ended meeting");
        assert_eq!(api_key(&after_end), "meetingNotFound");
        let json: serde_json::Value = reqwest::get(format!(
            "http://127.0.0.1:{}/sim/meetings/room-a/chat",
            sim.port()
        ))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
        assert_eq!(json["messages"].as_array().map(Vec::len), Some(2));
        assert_eq!(json["messages"][0]["userName"], "hallway");
        assert_eq!(sim.calls("sendChatMessage"), 4);
    }

    #[tokio::test]
    async fn chat_messages_need_a_checksum_a_valid_length_and_bbb_30() {
        let (sim, ep, client) = start(ServerVersion::V3_0).await;
        client
            .create(
                &ep,
                &CreateMeeting {
                    meeting_id: "room-b".into(),
                    name: "Room B".into(),
                    ..CreateMeeting::default()
                },
            )
            .await
            .expect("create");
        let wrong = Endpoint::new(
            "sim1",
            &sim.base_url(),
            SecretString::from("not-the-secret"),
            ChecksumAlgorithm::Sha256,
        );
        let e = client
            .send_chat_message(&wrong, &chat("room-b", "hi"))
            .await
            .expect_err("wrong secret");
        assert_eq!(e.api_key(), Some(&ApiErrorKey::ChecksumError));
        let url = ep.signed_url(
            "sendChatMessage",
            &[("meetingID", "room-b"), ("message", "")],
        );
        let body = reqwest::get(url)
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        assert!(
            body.contains("<messageKey>validationError</messageKey>")
                && body.contains("Param message must be between 1 and 500 characters"),
            "{body}"
        );
        sim.set_faults(Faults::failure(Failure::Http500).for_calls(["sendChatMessage"]));
        let e = client
            .send_chat_message(&ep, &chat("room-b", "hi"))
            .await
            .expect_err("fault");
        assert!(matches!(e, BbbError::HttpStatus { status: 500, .. }), "{e}");
        assert!(sim.chat_messages("room-b").is_empty());

        let (old, old_ep, old_client) = start(ServerVersion::V2_7).await;
        old_client
            .create(
                &old_ep,
                &CreateMeeting {
                    meeting_id: "room-c".into(),
                    name: "Room C".into(),
                    ..CreateMeeting::default()
                },
            )
            .await
            .expect("create");
        let e = old_client
            .send_chat_message(&old_ep, &chat("room-c", "hi"))
            .await
            .expect_err("2.7 has no sendChatMessage");
        assert_eq!(api_key(&e), "unsupportedRequest");
        assert!(old.chat_messages("room-c").is_empty());
    }
}
