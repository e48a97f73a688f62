//! Room identities and policies: what a hallway room is, independent of storage and HTTP.
//!
//! A room is a persistent BBB meeting (one per room, `{prefix}-{slug}`) that hallway creates on
//! demand on the server the room is pinned to. Its kind decides who may enter and how the BBB
//! meeting is created.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// A room's URL name: 1–48 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RoomSlug(String);

impl RoomSlug {
    /// Parses a slug, saying what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if s.is_empty() || s.len() > 48 {
            return Err(format!("room slug '{s}' must be 1 to 48 characters long"));
        }
        if !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(format!(
                "room slug '{s}' may only contain a-z, 0-9 and '-' (not at either end)"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RoomSlug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RoomSlug::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The configured name of a BBB server (`bbb1`): non-empty, no white space. Every name a room
/// is pinned to is checked against `bbb.servers` when the configuration loads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ServerName(String);

impl ServerName {
    /// Parses a server name, saying what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return Err("a server name must be 1 to 64 characters long".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("server name '{s}' must not contain white space"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for ServerName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A video room: what the configuration says about it, checked.
#[derive(Debug, Clone)]
pub struct Room {
    /// URL name.
    pub slug: RoomSlug,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub kind: RoomKind,
    /// The server the configuration pins it to (a name in `bbb.servers`).
    pub server: ServerName,
    /// Schedule room names whose sessions take place here.
    pub schedule_rooms: Vec<String>,
    /// Link to the room's text chat.
    pub chat_url: Option<Url>,
    /// Link to the room's public live stream.
    pub stream_url: Option<Url>,
    /// At most this many viewers are sent in (moderators always get in); `None`: no cap.
    pub max_participants: Option<u32>,
}

/// What a room is for; decides access and the BBB create policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// A scheduled-session room: recorded, muted on start; open to attendees around its sessions.
    Session,
    /// A hackroom: always open to logged-in attendees, not recorded.
    Hack,
    /// A private room (staff, speakers' green room): admins only, never recorded.
    Private,
}

impl RoomKind {
    /// The kind as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Session => "session",
            RoomKind::Hack => "hack",
            RoomKind::Private => "private",
        }
    }

    /// How BBB should create a meeting for a room of this kind.
    pub fn meeting_policy(self) -> MeetingPolicy {
        match self {
            RoomKind::Session => MeetingPolicy {
                record: true,
                auto_start_recording: true,
                allow_start_stop_recording: true,
                mute_on_start: true,
            },
            RoomKind::Hack => MeetingPolicy {
                record: false,
                auto_start_recording: false,
                allow_start_stop_recording: false,
                mute_on_start: false,
            },
            RoomKind::Private => MeetingPolicy {
                record: false,
                auto_start_recording: false,
                allow_start_stop_recording: false,
                mute_on_start: false,
            },
        }
    }
}

impl FromStr for RoomKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "session" => Ok(RoomKind::Session),
            "hack" => Ok(RoomKind::Hack),
            "private" => Ok(RoomKind::Private),
            other => Err(format!(
                "room kind '{other}' is not one of session, hack, private"
            )),
        }
    }
}

/// The create parameters that follow from a room's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeetingPolicy {
    /// The meeting may be recorded at all.
    pub record: bool,
    /// Recording starts without a moderator pressing the button.
    pub auto_start_recording: bool,
    /// Moderators may start and stop the recording.
    pub allow_start_stop_recording: bool,
    /// Everybody's microphone is muted on entry.
    pub mute_on_start: bool,
}

/// When a session room is open to attendees: from `lead` before a session starts until
/// `grace` after it ends. The pages and the join check both use it, through `auth::access`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinWindow {
    /// How long before the start the room opens.
    pub lead: Duration,
    /// How long after the end it stays open.
    pub grace: Duration,
}

impl Default for JoinWindow {
    fn default() -> Self {
        Self {
            lead: Duration::minutes(10),
            grace: Duration::zero(),
        }
    }
}

impl JoinWindow {
    /// Whether a session from `start` to `end` is joinable at `now`.
    pub fn is_open(&self, start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        start - self.lead <= now && now < end + self.grace
    }

    /// When the room opens for a session starting at `start`.
    pub fn opens_at(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start - self.lead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lowercase_words_and_reject_everything_else() {
        assert!(RoomSlug::parse("mc-1").is_ok());
        for bad in ["", "-a", "a-", "A", "a b", "ä", &"x".repeat(49)] {
            assert!(RoomSlug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn the_join_window_opens_ten_minutes_early_and_closes_at_the_end() {
        use chrono::TimeZone;
        let start = Utc.with_ymd_and_hms(2026, 9, 14, 10, 0, 0).unwrap();
        let end = start + Duration::minutes(45);
        let w = JoinWindow::default();
        assert!(!w.is_open(start, end, start - Duration::minutes(11)));
        assert!(w.is_open(start, end, start - Duration::minutes(10)));
        assert!(w.is_open(start, end, end - Duration::seconds(1)));
        assert!(!w.is_open(start, end, end));
        assert_eq!(w.opens_at(start), start - Duration::minutes(10));
    }

    #[test]
    fn session_rooms_are_recorded_and_muted_private_rooms_are_not_recorded() {
        let s = RoomKind::Session.meeting_policy();
        assert!(s.record && s.mute_on_start);
        assert!(!RoomKind::Private.meeting_policy().record);
    }
}
