//! The BigBlueButton API: value types, checksums, XML responses and the reqwest client.
//!
//! Hallway talks to one or more BBB servers (or a Scalelite in front of them) over the BBB
//! HTTP API. This crate holds everything needed for that and nothing else: checksums
//! ([`checksum`](mod@checksum)), value types ([`types`]), pure response parsing ([`xml`]),
//! error types ([`error`]) and the async HTTP client ([`client`]). No HTTP server framework
//! and no database: the portal, its simulator, the CLI and the fuzz targets all use it.
//!
//! Module imports run one way only: `checksum` and `error` import nothing of the crate,
//! `types` imports `checksum`, `xml` imports `types` and `error`, `client` imports `types`,
//! `xml` and `error`.

#![forbid(unsafe_code)]

pub mod checksum;
pub mod client;
pub mod error;
pub mod types;
pub mod xml;

pub use checksum::{build_query, checksum, signed_query, ChecksumAlgorithm, ParseAlgorithmError};
pub use client::BbbClient;
pub use error::{ApiErrorKey, BbbError};
pub use types::{
    ApiVersion, ChatMessage, CreateMeeting, CreatedMeeting, Endpoint, JoinRequest, JoinStyle,
    ParseRoleError, ParseVersionError, RecordingsQuery, Role, ServerVersion, Timeouts,
};
pub use xml::{
    parse_api_version, parse_create, parse_delete_recordings, parse_end, parse_get_meetings,
    parse_get_recordings, parse_is_meeting_running, parse_join, parse_join_errors,
    parse_meeting_info, parse_publish_recordings, parse_send_chat_message, Attendee, JoinResponse,
    Meeting, PlaybackFormat, PreviewImage, Recording, ResponseError,
};
