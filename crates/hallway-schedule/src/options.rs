//! The knobs every schedule parser takes, in a module of their own so that the parsers and
//! their shared helpers (`common`) can all use them without importing one another.

use chrono_tz::Tz;

/// Default for [`ParseOptions::max_bytes`]: 20 MB.
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;
/// Default for [`ParseOptions::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Knobs for every schedule parser ([`crate::parse_frab_xml`],
/// [`crate::parse_schedule`], ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Zone for local wall-clock times when the file has no
    /// `<time_zone_name>` (the `--timezone ZONE` option).
    pub fallback_time_zone: Option<Tz>,
    /// Inputs longer than this are rejected before parsing.
    pub max_bytes: usize,
    /// Elements nested deeper than this (root = 1) are rejected.
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            fallback_time_zone: None,
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}
