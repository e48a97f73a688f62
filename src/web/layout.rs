//! What every page shares: the header data (`Layout`), plain data with no request in it.
//!
//! Every page struct has a `layout: Layout` field; `base.html` reads only `layout.*`. The
//! `web::page::PageCtx` extractor fills it once per request; the error page builds a minimal
//! one without a request. Besides the navigation it carries the two boxes a page may open
//! with: the notice about an unknown time zone, and for admins the "preview as of" box.

use crate::auth::user::SessionUser;

/// Version string appended to static asset URLs for cache busting.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The admin's "preview as of" box: pages show the schedule as at a chosen instant.
#[derive(Clone, Debug, Default)]
pub struct PreviewBox {
    /// True while a preview time is set.
    pub active: bool,
    /// The preview instant as the visitor reads it ("Tue 15 Sep 2026, 09:00 CEST").
    pub shown: String,
    /// Value for the `datetime-local` input, in the visitor's zone ("2026-09-15T09:00").
    pub input: String,
}

/// Header and navigation data of every page.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Conference name.
    pub site_name: String,
    /// The logged-in user.
    pub user: Option<SessionUser>,
    /// Whether navigation links the staff pages (`auth::access` decided).
    pub staff_links: bool,
    /// Whether navigation links the schedule admin page (`auth::access` decided).
    pub schedule_link: bool,
    /// Whether navigation links the users page (`auth::access` decided).
    pub users_link: bool,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// The zone times are shown in.
    pub zone_name: String,
    /// True when the zone is the visitor's own (not the conference default).
    pub zone_known: bool,
    /// True when the visitor's zone is UTC: times are written once.
    pub utc_only: bool,
    /// The conference's zone.
    pub conference_zone: String,
    /// A `?tz=` or cookie value that is no time zone, for the notice.
    pub zone_rejected: Option<String>,
    /// "query" or "cookie": where the rejected value came from.
    pub zone_rejected_from: &'static str,
    /// For admins: the preview box.
    pub preview: Option<PreviewBox>,
    /// Path and query of this request, for "come back here" links.
    pub here: String,
    /// Just the path of this request.
    pub path: String,
    /// Asset version.
    pub version: &'static str,
}

impl Layout {
    /// A layout for pages rendered without a request context (error pages).
    pub fn minimal() -> Self {
        Self {
            site_name: "hallway".into(),
            user: None,
            staff_links: false,
            schedule_link: false,
            users_link: false,
            csrf: String::new(),
            zone_name: "UTC".into(),
            zone_known: false,
            utc_only: true,
            conference_zone: "UTC".into(),
            zone_rejected: None,
            zone_rejected_from: "",
            preview: None,
            here: "/".into(),
            path: "/".into(),
            version: ASSET_VERSION,
        }
    }

    /// The navigation entry this page belongs to ("now", "schedule", …), for `aria-current`.
    pub fn section(&self) -> &'static str {
        let p = self.path.as_str();
        if p == "/" {
            "now"
        } else if p.starts_with("/schedule") || p.starts_with("/sessions") {
            "schedule"
        } else if p.starts_with("/tracks") {
            "tracks"
        } else if p.starts_with("/speakers") {
            "speakers"
        } else if p.starts_with("/hackrooms") {
            "hackrooms"
        } else if p.starts_with("/search") {
            "search"
        } else if p.starts_with("/rooms") {
            "rooms"
        } else {
            ""
        }
    }
}
