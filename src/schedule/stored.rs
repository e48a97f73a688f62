//! A session as the database keeps it: what pages, exports and the importer's diff read back.
//! Plain data, so the diff and the store can both use it without using each other.

use chrono::{DateTime, Utc};

/// A session as stored.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredSession {
    /// Row id, stable across re-imports of the same session.
    pub id: i64,
    /// Stable identity key from the importer.
    pub key: String,
    /// The schedule's guid, if it had one.
    pub guid: Option<String>,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Schedule room name, as written in the schedule.
    pub room: String,
    /// Track.
    pub track: Option<String>,
    /// Event type.
    pub kind: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Abstract as given (may contain HTML; sanitise before rendering).
    pub abstract_text: Option<String>,
    /// Description as given.
    pub description: Option<String>,
    /// Link to the session's page in the source system.
    pub url: Option<String>,
    /// Speaker names, in schedule order.
    pub persons: Vec<String>,
    /// The conference day (YYYY-MM-DD) the schedule lists it under.
    pub day: Option<String>,
    /// The speakers opted out of recording.
    pub do_not_record: bool,
}
