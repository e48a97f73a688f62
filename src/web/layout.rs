//! What every page shares: the header data (`Layout`), plain data with no request in it.
//!
//! Every page struct has a `layout: Layout` field; `base.html` reads only `layout.*`. The
//! `web::page::PageCtx` extractor fills it once per request; the error page builds a minimal
//! one without a request.

use crate::auth::user::SessionUser;

/// Version string appended to static asset URLs for cache busting.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Header and navigation data of every page.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Conference name.
    pub site_name: String,
    /// The logged-in user.
    pub user: Option<SessionUser>,
    /// Whether navigation links the staff pages (`auth::access` decided).
    pub staff_links: bool,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// The zone times are shown in.
    pub zone_name: String,
    /// True when the zone is the visitor's own (not the conference default).
    pub zone_known: bool,
    /// Path and query of this request, for "come back here" links.
    pub here: String,
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
            csrf: String::new(),
            zone_name: "UTC".into(),
            zone_known: false,
            here: "/".into(),
            version: ASSET_VERSION,
        }
    }
}
