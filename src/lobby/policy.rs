//! Who may start a room's meeting, per room kind: `anyone` (the first attendee's join creates
//! it, hallway's behaviour without a lobby) or `moderator` (attendees wait in the lobby until
//! a moderator is inside). Read from `[lobby.start]`; serde refuses any other value when the
//! configuration loads.

use serde::{Deserialize, Serialize};

use crate::rooms::model::RoomKind;

/// A room kind's start policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StartPolicy {
    /// Any attendee's join creates the meeting.
    #[default]
    Anyone,
    /// Attendees wait until a moderator has started it.
    Moderator,
}

/// `[lobby.start]`: the policy of each room kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StartPolicies {
    /// Scheduled-session rooms.
    pub session: StartPolicy,
    /// Hackrooms.
    pub hack: StartPolicy,
    /// Private rooms.
    pub private: StartPolicy,
}

impl StartPolicies {
    /// The policy of rooms of `kind`.
    pub fn of(&self, kind: RoomKind) -> StartPolicy {
        match kind {
            RoomKind::Session => self.session,
            RoomKind::Hack => self.hack,
            RoomKind::Private => self.private,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Wrap {
        start: StartPolicies,
    }

    #[test]
    fn every_kind_defaults_to_anyone_and_unknown_values_are_refused() {
        let w: Wrap = toml::from_str("[start]\nsession = \"moderator\"").unwrap();
        assert_eq!(w.start.of(RoomKind::Session), StartPolicy::Moderator);
        assert_eq!(w.start.of(RoomKind::Hack), StartPolicy::Anyone);
        let bad = toml::from_str::<Wrap>("[start]\nsession = \"chair\"");
        assert!(bad.unwrap_err().to_string().contains("moderator"));
        assert!(toml::from_str::<Wrap>("[start]\nlecture = \"anyone\"").is_err());
    }

    #[test]
    fn the_configuration_file_is_refused_at_load_with_a_wrong_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hallway.toml");
        let example = include_str!("../../hallway.example.toml");
        assert!(example.contains("session = \"anyone\""));
        std::fs::write(
            &path,
            example.replace("session = \"anyone\"", "session = \"moderator\""),
        )
        .unwrap();
        let s = crate::config::Settings::load(&path, true).unwrap();
        assert_eq!(
            s.start_policies.of(RoomKind::Session),
            StartPolicy::Moderator
        );
        assert_eq!(s.start_policies.of(RoomKind::Hack), StartPolicy::Anyone);
        std::fs::write(
            &path,
            example.replace("session = \"anyone\"", "session = \"chair\""),
        )
        .unwrap();
        let err = format!(
            "{:#}",
            crate::config::Settings::load(&path, true).unwrap_err()
        );
        assert!(
            err.contains("chair") || err.contains("unknown variant"),
            "{err}"
        );
    }
}
