//! Who a logged-in visitor is: plain data kept in the session and shown in the layout, apart
//! from the cookie plumbing so pages and the error layout can name it without depending on it.

use serde::{Deserialize, Serialize};

/// What a logged-in visitor may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// Logged in with just a name: joins rooms as a viewer.
    Guest,
    /// Organizer: moderator everywhere, sees the status page.
    Admin,
}

/// The logged-in user, as stored in the session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionUser {
    /// Random, stable for the session; passed to BBB as `userID`.
    pub id: String,
    /// Display name, passed to BBB as `fullName`.
    pub name: String,
    /// Role.
    pub role: UserRole,
}

impl SessionUser {
    /// How the role is shown next to the name ("" for guests).
    pub fn role_label(&self) -> &'static str {
        match self.role {
            UserRole::Guest => "",
            UserRole::Admin => " · admin",
        }
    }
}
