//! Which time zone a visitor sees, and how instants are written on pages.
//!
//! Store and domain code hold `DateTime<Utc>`; zones are applied only here, at render time.
//! The visitor's zone comes from `?tz=ZONE` (which is then remembered in a cookie), else the
//! `hallway_tz` cookie that a few lines of JavaScript set from the browser's
//! `Intl.DateTimeFormat().resolvedOptions().timeZone`, else the conference's zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Name of the cookie remembering the visitor's zone.
pub const TZ_COOKIE: &str = "hallway_tz";

/// Where the displayed zone came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneSource {
    /// `?tz=` on this request.
    Query,
    /// The cookie.
    Cookie,
    /// Nothing known about the visitor: the conference's zone.
    Conference,
}

/// The zone times are shown in next to UTC.
#[derive(Clone, Copy, Debug)]
pub struct ZoneChoice {
    /// The zone.
    pub tz: Tz,
    /// Where it came from.
    pub source: ZoneSource,
}

impl ZoneChoice {
    /// Resolves the zone from the query parameter, the cookie and the conference default.
    pub fn resolve(query: Option<&str>, cookie: Option<&str>, conference: Tz) -> Self {
        if let Some(tz) = query.and_then(|q| q.trim().parse::<Tz>().ok()) {
            return Self {
                tz,
                source: ZoneSource::Query,
            };
        }
        if let Some(tz) = cookie.and_then(|c| c.trim().parse::<Tz>().ok()) {
            return Self {
                tz,
                source: ZoneSource::Cookie,
            };
        }
        Self {
            tz: conference,
            source: ZoneSource::Conference,
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// True when the visitor's own zone is known (query or cookie).
    pub fn is_visitors(&self) -> bool {
        self.source != ZoneSource::Conference
    }
}

/// "07:00 UTC".
pub fn utc_hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M UTC").to_string()
}

/// "09:00 CEST" in `tz`.
pub fn local_hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// "Tue 15 Sep 2026, 09:00 CEST" in `tz`.
pub fn local_full(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// "Tue 15 Sep 2026, 07:00 UTC".
pub fn utc_full(t: DateTime<Utc>) -> String {
    t.format("%a %-d %b %Y, %H:%M UTC").to_string()
}

/// RFC 3339 for `<time datetime>`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_times_follow_daylight_saving_in_each_zone() {
        let summer = Utc.with_ymd_and_hms(2026, 9, 15, 7, 0, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 12, 15, 7, 0, 0).unwrap();
        let denver: Tz = "America/Denver".parse().unwrap();
        assert_eq!(local_hm(summer, denver), "01:00 MDT");
        assert_eq!(local_hm(winter, denver), "00:00 MST");
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        assert_eq!(local_hm(summer, kolkata), "12:30 IST");
        assert_eq!(utc_hm(summer), "07:00 UTC");
    }

    #[test]
    fn the_query_beats_the_cookie_and_aliases_are_accepted() {
        let vienna: Tz = "Europe/Vienna".parse().unwrap();
        let z = ZoneChoice::resolve(Some("Asia/Calcutta"), Some("America/Denver"), vienna);
        assert_eq!(z.source, ZoneSource::Query);
        let z = ZoneChoice::resolve(Some("Not/AZone"), Some("America/Denver"), vienna);
        assert_eq!((z.name(), z.source), ("America/Denver", ZoneSource::Cookie));
        let z = ZoneChoice::resolve(None, None, vienna);
        assert_eq!(z.source, ZoneSource::Conference);
    }
}
