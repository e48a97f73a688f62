//! XML rendering for the simulator, following bbb-web's FreeMarker templates.
//!
//! Element names and order match the 2.4+/3.0 templates (and thus the
//! fixtures); output is one element per line without indentation, like
//! FreeMarker's `<#compress>`. All text goes through quick-xml's `escape`.

use quick_xml::escape::escape;

use super::state::{SimAttendee, SimMeeting};
use crate::bbb::ServerVersion;

/// Builds a `<response>` document.
pub(crate) struct Xml {
    out: String,
}

impl Xml {
    /// Starts `<response><returncode>…</returncode>`.
    pub fn response(returncode: &str) -> Self {
        let mut x = Self {
            out: String::from("<response>\n"),
        };
        x.elem("returncode", returncode);
        x
    }

    /// `<name>text</name>`.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name a="v" …>text</name>`, attribute values escaped.
    pub fn elem_with_attrs(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(*v));
            self.out.push('"');
        }
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name>` opening tag.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `</name>` closing tag.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name/>`.
    pub fn empty(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>\n");
        self
    }

    /// Closes `</response>` and returns the document.
    pub fn finish(mut self) -> String {
        self.out.push_str("</response>\n");
        self.out
    }
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

/// A FAILED response.
pub(crate) fn failed(key: &str, message: &str) -> String {
    let mut x = Xml::response("FAILED");
    x.elem("messageKey", key).elem("message", message);
    x.finish()
}

/// The create response (create-meeting.ftlx).
pub(crate) fn created(m: &SimMeeting, message_key: &str, message: &str) -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("meetingID", &m.meeting_id)
        .elem("internalMeetingID", &m.internal_id)
        .elem("parentMeetingID", "bbb-none")
        .elem("attendeePW", &m.attendee_pw)
        .elem("moderatorPW", &m.moderator_pw)
        .elem("createTime", &m.create_time.to_string())
        .elem("voiceBridge", &m.voice_bridge.to_string())
        .elem("dialNumber", &m.dial_number)
        .elem("createDate", &m.create_date)
        .elem("hasUserJoined", b(m.has_user_joined))
        .elem("duration", &m.duration.to_string())
        .elem("hasBeenForciblyEnded", "false")
        .elem("messageKey", message_key)
        .elem("message", message);
    x.finish()
}

fn attendee(x: &mut Xml, a: &SimAttendee) {
    x.open("attendee")
        .elem("userID", &a.user_id)
        .elem("fullName", &a.full_name)
        .elem("role", a.role.as_str())
        .elem("isPresenter", b(a.is_presenter))
        .elem("isListeningOnly", b(a.listen_only))
        .elem("hasJoinedVoice", b(a.voice))
        .elem("hasVideo", b(a.video))
        .elem("clientType", &a.client_type);
    // customdata only for users with userdata-* (as in the 2.x templates).
    if !a.custom.is_empty() {
        x.open("customdata");
        for (k, v) in &a.custom {
            x.elem(k, v);
        }
        x.close("customdata");
    }
    x.close("attendee");
}

/// The `<meeting>` children of getMeetings / the body of getMeetingInfo.
pub(crate) fn meeting_fields(x: &mut Xml, m: &SimMeeting) {
    x.elem("meetingName", &m.name)
        .elem("meetingID", &m.meeting_id)
        .elem("internalMeetingID", &m.internal_id)
        .elem("createTime", &m.create_time.to_string())
        .elem("createDate", &m.create_date)
        .elem("voiceBridge", &m.voice_bridge.to_string())
        .elem("dialNumber", &m.dial_number)
        .elem("attendeePW", &m.attendee_pw)
        .elem("moderatorPW", &m.moderator_pw)
        .elem("running", b(m.running()))
        .elem("duration", &m.duration.to_string())
        .elem("hasUserJoined", b(m.has_user_joined))
        .elem("recording", b(m.record))
        .elem("hasBeenForciblyEnded", b(m.forcibly_ended()))
        .elem("startTime", &m.start_time.to_string())
        .elem("endTime", &m.end_time.to_string())
        .elem("participantCount", &m.attendees.len().to_string())
        .elem("listenerCount", &m.count(|a| a.listen_only).to_string())
        .elem("voiceParticipantCount", &m.count(|a| a.voice).to_string())
        .elem("videoCount", &m.count(|a| a.video).to_string())
        .elem("maxUsers", &m.max_users.to_string())
        .elem(
            "moderatorCount",
            &m.count(|a| a.role == crate::bbb::Role::Moderator)
                .to_string(),
        );
    if m.attendees.is_empty() {
        x.empty("attendees");
    } else {
        x.open("attendees");
        for a in &m.attendees {
            attendee(x, a);
        }
        x.close("attendees");
    }
    if m.metadata.is_empty() {
        x.empty("metadata");
    } else {
        x.open("metadata");
        for (k, v) in &m.metadata {
            x.elem(k, v);
        }
        x.close("metadata");
    }
    x.elem("isBreakout", "false");
}

/// getMeetings.
pub(crate) fn meetings<'a>(ms: impl Iterator<Item = &'a SimMeeting>) -> String {
    let mut x = Xml::response("SUCCESS");
    let mut any = false;
    for m in ms {
        if !any {
            x.open("meetings");
            any = true;
        }
        x.open("meeting");
        meeting_fields(&mut x, m);
        x.close("meeting");
    }
    if any {
        x.close("meetings");
    } else {
        x.empty("meetings")
            .elem("messageKey", "noMeetings")
            .elem("message", "no meetings were found on this server");
    }
    x.finish()
}

/// getMeetingInfo.
pub(crate) fn meeting_info(m: &SimMeeting) -> String {
    let mut x = Xml::response("SUCCESS");
    meeting_fields(&mut x, m);
    x.finish()
}

/// isMeetingRunning.
pub(crate) fn running(r: bool) -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("running", b(r));
    x.finish()
}

/// end.
pub(crate) fn ended() -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("messageKey", "sentEndMeetingRequest").elem(
        "message",
        "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.",
    );
    x.finish()
}

/// sendChatMessage (3.0): SUCCESS with empty messageKey and message, as in
/// bigbluebutton-api-php's fixture `send_chat_message.xml`.
pub(crate) fn chat_sent() -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("messageKey", "").elem("message", "");
    x.finish()
}

/// join with redirect=false.
pub(crate) fn joined(
    internal_id: &str,
    user_id: &str,
    auth: &str,
    session: &str,
    url: &str,
) -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("messageKey", "successfullyJoined")
        .elem("message", "You have joined successfully.")
        .elem("meeting_id", internal_id)
        .elem("user_id", user_id)
        .elem("auth_token", auth)
        .elem("session_token", session)
        .elem("guestStatus", "ALLOW")
        .elem("url", url);
    x.finish()
}

/// The API root in the shape of `version`: ≤ 2.3 only `version`, 2.4+
/// also `apiVersion` and `bbbVersion`, 3.0 also the plugin SDK and graphql
/// fields (api-version-bbb-*.xml).
pub(crate) fn api_version(origin: &str, version: ServerVersion) -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("version", "2.0");
    if version >= ServerVersion::V2_4 {
        x.elem("apiVersion", "2.0")
            .elem("bbbVersion", &format!("{version}-hallway-sim"));
    }
    if version >= ServerVersion::V3_0 {
        let ws = origin.replacen("http", "ws", 1);
        x.elem("html5PluginSdkVersion", "0.0.0")
            .elem("graphqlWebsocketUrl", &format!("{ws}/graphql"))
            .elem("graphqlApiUrl", &format!("{origin}/api/rest"));
    }
    x.finish()
}

/// getRecordings with nothing to list (RecMetaXmlHelper's empty answer).
pub(crate) fn no_recordings() -> String {
    let mut x = Xml::response("SUCCESS");
    x.elem("recordings", "")
        .elem("messageKey", "noRecordings")
        .elem("message", "There are no recordings for the meeting(s).");
    x.finish()
}
