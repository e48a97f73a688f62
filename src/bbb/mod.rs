//! BigBlueButton API client.
//!
//! Hallway talks to one or more BBB servers (or a Scalelite in front of them)
//! over the BBB HTTP API. This module holds everything needed for that and
//! nothing else: checksums ([`checksum`]), pure response parsing ([`xml`]),
//! error types ([`error`]) and the async HTTP client ([`client`]). It knows
//! nothing about the web framework or the database, so the simulator, the
//! admin pages and the CLI can all use it.

pub mod checksum;
pub mod client;
pub mod error;
pub mod xml;

pub use checksum::{build_query, checksum, signed_query, ChecksumAlgorithm, ParseAlgorithmError};
pub use client::{
    ApiVersion, BbbClient, CreateMeeting, CreatedMeeting, Endpoint, JoinRequest, JoinStyle,
    ParseRoleError, ParseVersionError, RecordingsQuery, Role, ServerVersion, Timeouts,
};
pub use error::{ApiErrorKey, BbbError};
pub use xml::{
    parse_api_version, parse_create, parse_end, parse_get_meetings, parse_get_recordings,
    parse_is_meeting_running, parse_join, parse_join_errors, parse_meeting_info, Attendee,
    JoinResponse, Meeting, PlaybackFormat, PreviewImage, Recording, ResponseError,
};
