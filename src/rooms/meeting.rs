//! How hallway's BBB meetings are made: the meeting ID of a room, the passwords every instance
//! derives alike, and the create request that follows from the room's kind. The join path and
//! the demo both use these, so a meeting the demo starts is one hallway can join.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::bbb::{CreateMeeting, Role};
use crate::rooms::model::Room;

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

/// Where the portal is, for texts and links inside the meeting.
pub struct Site<'a> {
    /// The conference's display name.
    pub name: &'a str,
    /// The public URL of the portal's front page.
    pub home: &'a str,
    /// The host name BBB's `bbb-origin-server-name` metadata reports.
    pub host: &'a str,
}

/// The create request for `room`'s meeting `meeting_id` on a server with this `secret`.
pub fn create_request(
    room: &Room,
    meeting_id: &str,
    secret: &SecretString,
    site: &Site<'_>,
) -> CreateMeeting {
    let policy = room.kind.meeting_policy();
    CreateMeeting {
        meeting_id: meeting_id.to_owned(),
        name: room.name.clone(),
        attendee_pw: Some(derived_password(secret, meeting_id, Role::Viewer)),
        moderator_pw: Some(derived_password(secret, meeting_id, Role::Moderator)),
        welcome: Some(format!(
            "Welcome to <b>{}</b> at {}. Chat and schedule: {}",
            quick_xml::escape::escape(room.name.as_str()),
            quick_xml::escape::escape(site.name),
            site.home
        )),
        logout_url: Some(site.home.to_owned()),
        record: policy.record,
        auto_start_recording: policy.auto_start_recording,
        allow_start_stop_recording: policy.allow_start_stop_recording,
        mute_on_start: policy.mute_on_start,
        meta: vec![
            ("bbb-origin".into(), "hallway".into()),
            ("hallway-room".into(), room.slug.to_string()),
            ("bbb-origin-server-name".into(), site.host.to_owned()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_passwords_are_stable_and_differ_by_role_meeting_and_secret() {
        let s = SecretString::from("s");
        let a = derived_password(&s, "hallway-mc1", Role::Viewer);
        assert_eq!(a, derived_password(&s, "hallway-mc1", Role::Viewer));
        assert_ne!(a, derived_password(&s, "hallway-mc1", Role::Moderator));
        assert_ne!(a, derived_password(&s, "hallway-mc2", Role::Viewer));
        assert_ne!(
            a,
            derived_password(&SecretString::from("t"), "hallway-mc1", Role::Viewer)
        );
        assert_eq!(a.len(), 16);
        // A literal, computed once with: printf 'hallway-meeting-password\0s\0hallway-mc1\0attendee' | sha256sum
        assert_eq!(a, "b63711ac284d687e");
        // ... and with `\0moderator` at the end: a changed derivation would lock out running
        // meetings whose passwords BBB already holds.
        assert_eq!(
            derived_password(&s, "hallway-mc1", Role::Moderator),
            "6602b4fcaa14cc51"
        );
    }
}
