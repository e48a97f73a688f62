//! Who a logged-in visitor is: plain data kept in the session and shown in the layout, apart
//! from the cookie plumbing so pages and the error layout can name it without depending on it.

use serde::{Deserialize, Serialize};

/// What a logged-in visitor is, from least to most rights. Track moderation and speaking are
/// not roles but facts about the person ([`SessionUser::tracks`], [`SessionUser::speaker_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// Logged in with just a name while guest mode is on: joins rooms as a viewer.
    Guest,
    /// Registered (registration list or identity provider): a guest with a real name.
    Attendee,
    /// Opens and ends hackrooms, moderator in hackrooms.
    Moderator,
    /// Conference staff: the staff room, the status dashboard, moderator everywhere.
    Staff,
    /// Organizer: everything.
    Admin,
}

impl UserRole {
    /// Every role.
    pub const ALL: [UserRole; 5] = [
        UserRole::Guest,
        UserRole::Attendee,
        UserRole::Moderator,
        UserRole::Staff,
        UserRole::Admin,
    ];

    /// The name used in configuration, CSV files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Guest => "guest",
            UserRole::Attendee => "attendee",
            UserRole::Moderator => "moderator",
            UserRole::Staff => "staff",
            UserRole::Admin => "admin",
        }
    }

    /// Parses a role name (case-insensitive); guests are not a role one can be given.
    pub fn parse_grantable(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .filter(|r| *r != UserRole::Guest)
            .find(|r| r.as_str() == s)
    }

    /// Staff and admins get the shorter session limits.
    pub fn is_privileged(self) -> bool {
        self >= UserRole::Staff
    }
}

/// The logged-in user, as stored in the session (empty fields are left out of the cookie:
/// every request decrypts and parses it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionUser {
    /// Stable for a registered person (`p-…`, `oidc-…`), random for a guest; passed to BBB as
    /// `userID`, and the key under which an admin ends someone's sessions.
    pub id: String,
    /// Display name, passed to BBB as `fullName`.
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// The (normalised) e-mail address of a registered person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Tracks this person moderates (schedule track names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<String>,
    /// Session guids or person names as the schedule writes them: this person speaks there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speaker_of: Vec<String>,
}

impl SessionUser {
    /// A user with just a role (no tracks, not a speaker).
    pub fn new(id: impl Into<String>, name: impl Into<String>, role: UserRole) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            role,
            email: None,
            tracks: Vec::new(),
            speaker_of: Vec::new(),
        }
    }

    /// How the role is shown next to the name ("" for guests and attendees).
    pub fn role_label(&self) -> &'static str {
        match self.role {
            UserRole::Guest | UserRole::Attendee => "",
            UserRole::Moderator => " · moderator",
            UserRole::Staff => " · staff",
            UserRole::Admin => " · admin",
        }
    }
}

/// Characters no display name may carry, whoever chose it (a guest, an identity provider):
/// control characters, zero-width ones and text-direction overrides, which make a name look
/// like another or reorder the text around it.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}
