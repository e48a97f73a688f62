//! The meeting model: which BBB meeting a join goes to, and how that meeting is created.
//!
//! - A session room gets **one meeting per session**: its meetingID is derived from the room
//!   and the session's stable key, it is created with that session's recording policy
//!   (`do_not_record` → `record=false`), and it is ended a grace period after the session ends.
//!   Recordings and policies are per session, as conference recordings are.
//! - Hackrooms and private rooms (staff room) get **one long-lived meeting per room**.
//! - A session room with no session near (only staff may open it then) uses the room's own
//!   meeting, like a hackroom.
//!
//! Passwords are derived from the server secret, so every instance sends the same ones and no
//! password has to be stored for hallway's own meetings. Pure: no HTTP, no database.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::bbb::{CreateMeeting, Role};
use crate::rooms::model::{JoinWindow, Room, RoomKind};
use crate::schedule::stored::StoredSession;

/// The session a session-room meeting belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRef {
    /// The session's stable key (survives re-imports).
    pub key: String,
    /// Its guid, if the schedule had one (tagged on the meeting for recordings).
    pub guid: Option<String>,
    /// Title.
    pub title: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// The speakers opted out of recording.
    pub do_not_record: bool,
}

impl SessionRef {
    /// The parts of a stored session a meeting needs.
    pub fn of(s: &StoredSession) -> Self {
        Self {
            key: s.key.clone(),
            guid: s.guid.clone(),
            title: s.title.clone(),
            start: s.start,
            end: s.end,
            do_not_record: s.do_not_record,
        }
    }
}

/// Which meeting a join to a room goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingTarget {
    /// The BBB meetingID.
    pub meeting_id: String,
    /// The session, for per-session meetings.
    pub session: Option<SessionRef>,
}

/// The meetingID of `room`'s own meeting (`{prefix}-{slug}`).
pub fn room_meeting_id(prefix: &str, room: &Room) -> String {
    [prefix, "-", room.slug.as_str()].concat()
}

/// The meetingID of the meeting for session `key` in `room`: `{prefix}-{slug}-{hash}`, the
/// hash being the first 12 hex digits of SHA-256 over the key (keys can be long or contain
/// characters BBB does not like in IDs).
pub fn session_meeting_id(prefix: &str, room: &Room, key: &str) -> String {
    let h = Sha256::digest(key.as_bytes());
    format!("{prefix}-{}-{}", room.slug, &hex::encode(h)[..12])
}

/// Picks the meeting of a join to `room` at `now`, given the room's sessions around now (by
/// start): in a session room, the running session's meeting, else the one of the next session
/// whose window is open, else (for staff, who may open the room early) the next session's;
/// with no session at all, the room's own meeting.
pub fn target_for(
    prefix: &str,
    room: &Room,
    sessions: &[&StoredSession],
    window: JoinWindow,
    now: DateTime<Utc>,
) -> MeetingTarget {
    let own = || MeetingTarget {
        meeting_id: room_meeting_id(prefix, room),
        session: None,
    };
    if room.kind != RoomKind::Session {
        return own();
    }
    let running = sessions.iter().find(|s| s.start <= now && now < s.end);
    let open = sessions
        .iter()
        .find(|s| window.is_open(s.start, s.end, now));
    let upcoming = sessions.iter().find(|s| s.end > now);
    match running.or(open).or(upcoming) {
        Some(s) => MeetingTarget {
            meeting_id: session_meeting_id(prefix, room, &s.key),
            session: Some(SessionRef::of(s)),
        },
        None => own(),
    }
}

/// A password for `role` in `meeting_id`, derived from the server's secret: every instance
/// derives the same one, so a repeated create never disagrees (BBB before 2.4 refuses a
/// repeated create with other passwords), and no password has to be stored.
pub fn derived_password(secret: &SecretString, meeting_id: &str, role: Role) -> String {
    let mut h = Sha256::new();
    h.update(b"hallway-meeting-password\0");
    h.update(secret.expose_secret().as_bytes());
    h.update(b"\0");
    h.update(meeting_id.as_bytes());
    h.update(b"\0");
    h.update(match role {
        Role::Moderator => b"moderator".as_slice(),
        Role::Viewer => b"attendee".as_slice(),
    });
    hex::encode(h.finalize())[..16].to_owned()
}

/// The `meta_` name (without the prefix) that tags a room's meetings with the room's slug.
pub const ROOM_META: &str = "hallway-room";
/// The `meta_` name that tags a session's meeting with the session's stable key.
pub const SESSION_KEY_META: &str = "hallway-session-key";
/// The `meta_` name that tags a session's meeting with the schedule's guid of the session.
pub const SESSION_GUID_META: &str = "hallway-session-guid";

/// Where the portal is, and the create settings that are not the room's own.
pub struct Site<'a> {
    /// The conference's display name.
    pub name: &'a str,
    /// The public URL of the portal's front page.
    pub home: &'a str,
    /// Where BBB's logout button sends people (the room's page: what comes next there).
    pub logout_url: &'a str,
    /// The host name BBB's `bbb-origin-server-name` metadata reports.
    pub host: &'a str,
    /// BBB's `maxParticipants`: the room's cap plus headroom, `None` when uncapped.
    pub max_participants: Option<u32>,
    /// `meetingExpireIfNoUserJoinedInMinutes`: long enough that a meeting created for a join
    /// storm, or pre-warmed, survives until people arrive.
    pub expire_if_no_user_joined_minutes: u32,
}

/// The create request for `target` in `room` on a server with this `secret`.
pub fn create_request(
    room: &Room,
    target: &MeetingTarget,
    secret: &SecretString,
    site: &Site<'_>,
) -> CreateMeeting {
    let policy = room.kind.meeting_policy();
    let record = policy.record && !target.session.as_ref().is_some_and(|s| s.do_not_record);
    let meeting_id = target.meeting_id.as_str();
    let name = match &target.session {
        Some(s) => format!("{}: {}", room.name, s.title),
        None => room.name.clone(),
    };
    let mut meta = vec![
        ("bbb-origin".into(), "hallway".into()),
        (ROOM_META.into(), room.slug.to_string()),
        ("bbb-origin-server-name".into(), site.host.to_owned()),
    ];
    // Which session the meeting (and so its recordings) belongs to: BBB copies these into
    // every recording's metadata, lower-cased (`meta_[a-zA-Z][a-zA-Z0-9-]*`: ours already
    // are), and getRecordings filters on them.
    if let Some(s) = &target.session {
        meta.push((SESSION_KEY_META.into(), s.key.clone()));
        if let Some(guid) = &s.guid {
            meta.push((SESSION_GUID_META.into(), guid.clone()));
        }
    }
    CreateMeeting {
        meeting_id: meeting_id.to_owned(),
        // BBB limits names to 256 characters.
        name: name.chars().take(250).collect(),
        attendee_pw: Some(derived_password(secret, meeting_id, Role::Viewer)),
        moderator_pw: Some(derived_password(secret, meeting_id, Role::Moderator)),
        welcome: Some(format!(
            "Welcome to <b>{}</b> at {}. Chat and schedule: {}",
            quick_xml::escape::escape(name.as_str()),
            quick_xml::escape::escape(site.name),
            site.home
        )),
        logout_url: Some(site.logout_url.to_owned()),
        record,
        auto_start_recording: record && policy.auto_start_recording,
        allow_start_stop_recording: record && policy.allow_start_stop_recording,
        mute_on_start: policy.mute_on_start,
        meta,
        max_participants: site.max_participants,
        expire_if_no_user_joined_minutes: Some(site.expire_if_no_user_joined_minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rooms::model::{RoomSlug, ServerName};
    use chrono::{Duration, TimeZone};

    fn room(kind: RoomKind) -> Room {
        Room {
            slug: RoomSlug::parse("mc1").unwrap(),
            name: "MC 1".into(),
            kind,
            server: ServerName::parse("bbb1").unwrap(),
            schedule_rooms: vec![],
            chat_url: None,
            stream_url: None,
            max_participants: None,
        }
    }

    fn session(key: &str, start: DateTime<Utc>, minutes: i64, no_rec: bool) -> StoredSession {
        StoredSession {
            id: 1,
            key: key.into(),
            guid: None,
            title: format!("Talk {key}"),
            subtitle: None,
            start,
            end: start + Duration::minutes(minutes),
            room: "MC 1".into(),
            track: None,
            kind: None,
            language: None,
            abstract_text: None,
            description: None,
            url: None,
            persons: vec![],
            day: None,
            do_not_record: no_rec,
        }
    }

    #[test]
    fn derived_passwords_are_stable_and_differ_by_role_meeting_and_secret() {
        let s = SecretString::from("s");
        let a = derived_password(&s, "hallway-mc1", Role::Viewer);
        assert_ne!(a, derived_password(&s, "hallway-mc1", Role::Moderator));
        assert_ne!(a, derived_password(&s, "hallway-mc2", Role::Viewer));
        assert_ne!(
            a,
            derived_password(&SecretString::from("t"), "hallway-mc1", Role::Viewer)
        );
        // Literals, computed once with
        // printf 'hallway-meeting-password\0s\0hallway-mc1\0attendee' | sha256sum
        // (and `\0moderator`): a changed derivation would lock out running meetings whose
        // passwords BBB already holds.
        assert_eq!(a, "b63711ac284d687e");
        assert_eq!(
            derived_password(&s, "hallway-mc1", Role::Moderator),
            "6602b4fcaa14cc51"
        );
    }

    #[test]
    fn each_session_gets_its_own_meeting_and_other_rooms_one_each() {
        let t = |h, m| Utc.with_ymd_and_hms(2026, 9, 15, h, m, 0).unwrap();
        let a = session("a", t(9, 0), 60, false);
        let b = session("b", t(10, 0), 60, true);
        let list = [&a, &b];
        let w = JoinWindow::default();
        let r = room(RoomKind::Session);
        let at = |now| target_for("hw", &r, &list, w, now);
        // While A runs, A's meeting, even when B's window has opened (09:55).
        assert_eq!(at(t(9, 55)).session.unwrap().key, "a");
        assert_eq!(at(t(10, 0)).session.unwrap().key, "b");
        assert_ne!(at(t(9, 55)).meeting_id, at(t(10, 0)).meeting_id);
        assert!(at(t(10, 0)).meeting_id.starts_with("hw-mc1-"));
        // Before any window opens (staff opening early): the next session's meeting.
        assert_eq!(at(t(7, 0)).session.unwrap().key, "a");
        // After the last session: the room's own meeting.
        assert_eq!(at(t(12, 0)).meeting_id, "hw-mc1");
        // Hackrooms always use their own.
        let h = room(RoomKind::Hack);
        assert_eq!(
            target_for("hw", &h, &list, w, t(9, 30)).meeting_id,
            "hw-mc1"
        );
    }

    #[test]
    fn a_session_that_opted_out_is_created_unrecorded_and_names_itself() {
        let t = Utc.with_ymd_and_hms(2026, 9, 15, 9, 0, 0).unwrap();
        let r = room(RoomKind::Session);
        let site = Site {
            name: "Conf",
            home: "http://h/",
            logout_url: "http://h/rooms/mc1",
            host: "h",
            max_participants: Some(110),
            expire_if_no_user_joined_minutes: 30,
        };
        let secret = SecretString::from("s");
        let opted_out = session("b", t, 60, true);
        let target = target_for("hw", &r, &[&opted_out], JoinWindow::default(), t);
        let c = create_request(&r, &target, &secret, &site);
        assert!(!c.record && !c.auto_start_recording);
        assert_eq!(c.name, "MC 1: Talk b");
        assert_eq!(c.max_participants, Some(110));
        assert!(c.meta.contains(&("hallway-session-key".into(), "b".into())));
        assert!(
            !c.meta.iter().any(|(k, _)| k == SESSION_GUID_META),
            "no guid, no guid tag"
        );
        let mut recorded = session("a", t, 60, false);
        recorded.guid = Some("e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6".into());
        let target = target_for("hw", &r, &[&recorded], JoinWindow::default(), t);
        let c = create_request(&r, &target, &secret, &site);
        assert!(c.record);
        assert!(c.meta.contains(&(
            "hallway-session-guid".into(),
            "e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6".into()
        )));
        assert!(c.meta.contains(&("hallway-room".into(), "mc1".into())));
        // BBB's rule for meta_ names, which it lower-cases.
        for (k, _) in &c.meta {
            assert!(
                k.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && k.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{k}"
            );
        }
    }
}
