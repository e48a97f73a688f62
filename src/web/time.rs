//! Which time zone a visitor sees, and how instants are written on pages.
//!
//! Store and domain code hold `DateTime<Utc>`; zones are applied only here, at render time.
//! The visitor's zone comes from `?tz=ZONE` (which is then remembered in a cookie), else the
//! `hallway_tz` cookie that a few lines of JavaScript set from the browser's
//! `Intl.DateTimeFormat().resolvedOptions().timeZone`, else the conference's zone. A value that
//! names no zone is not ignored: the page says so and shows the conference's zone.
//!
//! [`Writer`] writes instants and ranges for one page: UTC and the visitor's zone, only once
//! when the visitor's zone is UTC, and with the date whenever an instant falls on another day
//! than the page's own.

use chrono::{DateTime, Datelike, NaiveDate, Offset, Timelike, Utc};
use chrono_tz::{OffsetName, Tz};

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

/// Where an unusable zone name came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectedFrom {
    /// `?tz=`.
    Query,
    /// The `hallway_tz` cookie (the response deletes it, so the browser detects again).
    Cookie,
}

/// The zone times are shown in next to UTC.
#[derive(Clone, Debug)]
pub struct ZoneChoice {
    /// The zone.
    pub tz: Tz,
    /// Where it came from.
    pub source: ZoneSource,
    /// A `?tz=` or cookie value that names no zone (cut to 64 characters), and where from.
    pub rejected: Option<(String, RejectedFrom)>,
}

/// Zones that are UTC under another name: a visitor in one of them sees every time once.
const UTC_ALIASES: [&str; 16] = [
    "UTC",
    "Etc/UTC",
    "Etc/UCT",
    "UCT",
    "Etc/Universal",
    "Universal",
    "Etc/Zulu",
    "Zulu",
    "GMT",
    "Etc/GMT",
    "Etc/GMT+0",
    "Etc/GMT-0",
    "Etc/GMT0",
    "GMT0",
    "Etc/Greenwich",
    "Greenwich",
];

/// True when `tz` is UTC under some name (not merely at UTC+0 today, like Europe/London).
pub fn is_utc(tz: Tz) -> bool {
    UTC_ALIASES.contains(&tz.name())
}

impl ZoneChoice {
    /// Resolves the zone from the query parameter, the cookie and the conference default. An
    /// unknown name in either falls back to the conference's zone and is reported.
    pub fn resolve(query: Option<&str>, cookie: Option<&str>, conference: Tz) -> Self {
        let reject = |v: &str, from| {
            let shown: String = v.trim().chars().take(64).collect();
            Self {
                tz: conference,
                source: ZoneSource::Conference,
                rejected: Some((shown, from)),
            }
        };
        if let Some(q) = query.filter(|q| !q.trim().is_empty()) {
            return match q.trim().parse::<Tz>() {
                Ok(tz) => Self {
                    tz,
                    source: ZoneSource::Query,
                    rejected: None,
                },
                Err(_) => reject(q, RejectedFrom::Query),
            };
        }
        if let Some(c) = cookie.filter(|c| !c.trim().is_empty()) {
            return match c.trim().parse::<Tz>() {
                Ok(tz) => Self {
                    tz,
                    source: ZoneSource::Cookie,
                    rejected: None,
                },
                Err(_) => reject(c, RejectedFrom::Cookie),
            };
        }
        Self {
            tz: conference,
            source: ZoneSource::Conference,
            rejected: None,
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

/// "+02:00" / "−03:30" / "+13:45": the zone's offset from UTC at `t`.
pub fn offset_label(tz: Tz, t: DateTime<Utc>) -> String {
    let secs = tz
        .offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc();
    let sign = if secs < 0 { '−' } else { '+' };
    let m = secs.abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The zone's abbreviation at `t` ("CEST"), or its offset when it has none ("+0545").
fn abbreviation(tz: Tz, t: DateTime<Utc>) -> String {
    let off = tz.offset_from_utc_datetime(&t.naive_utc());
    off.abbreviation()
        .map(str::to_owned)
        .unwrap_or_else(|| t.with_timezone(&tz).format("%z").to_string())
}

use chrono::TimeZone as _;

/// A time or range in UTC and, unless the visitor is in UTC, in their zone.
#[derive(Clone, Debug)]
pub struct Shown {
    /// "07:00–07:45 UTC", with dates where the day differs from the page's.
    pub utc: String,
    /// The same in the visitor's zone; `None` for a visitor in UTC.
    pub local: Option<String>,
    /// RFC 3339 start, for `<time datetime>`.
    pub iso: String,
}

impl Shown {
    /// The visitor's own clock: the local text, or the UTC text for a visitor in UTC.
    pub fn primary(&self) -> &str {
        self.local.as_deref().unwrap_or(&self.utc)
    }
}

/// Writes the times of one page: for a zone, relative to the page's day.
#[derive(Clone, Copy, Debug)]
pub struct Writer {
    tz: Tz,
    utc_only: bool,
    day_utc: NaiveDate,
    day_local: NaiveDate,
}

impl Writer {
    /// Times for a visitor in `tz` on a page about the instant `page_time` (dates are written
    /// for instants on another day than `page_time`'s, in each zone).
    pub fn new(tz: Tz, page_time: DateTime<Utc>) -> Self {
        Self {
            tz,
            utc_only: is_utc(tz),
            day_utc: page_time.date_naive(),
            day_local: page_time.with_timezone(&tz).date_naive(),
        }
    }

    /// The visitor's zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// True when the visitor's zone is UTC: every time is written once.
    pub fn utc_only(&self) -> bool {
        self.utc_only
    }

    /// The visitor's local date of `t`.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// "07:00", or "Wed 16 Sep 07:00" when `day_of` falls on another day than `page_day`; the
    /// date is `day_of`'s, the clock `clock_of`'s (they differ for a range's end, see
    /// [`Writer::range`]).
    fn one<Z: chrono::TimeZone>(
        day_of: &DateTime<Z>,
        clock_of: &DateTime<Z>,
        page_day: NaiveDate,
    ) -> String {
        let mut out = String::with_capacity(16);
        let d = day_of.date_naive();
        if d != page_day {
            out.push_str(WEEKDAYS[d.weekday().num_days_from_monday() as usize]);
            out.push(' ');
            if d.day() >= 10 {
                push2(&mut out, d.day());
            } else {
                out.push(char::from(b'0' + d.day() as u8));
            }
            out.push(' ');
            out.push_str(MONTHS[d.month0() as usize]);
            out.push(' ');
        }
        push2(&mut out, clock_of.hour());
        out.push(':');
        push2(&mut out, clock_of.minute());
        out
    }

    fn range_in<Z: chrono::TimeZone>(
        s: &DateTime<Z>,
        e_day: &DateTime<Z>,
        e_clock: &DateTime<Z>,
        page_day: NaiveDate,
        zone: &str,
    ) -> String {
        let start = Self::one(s, s, page_day);
        let end = Self::one(e_day, e_clock, s.date_naive());
        format!("{start}–{end} {zone}")
    }

    /// "07:00–07:45 UTC" and "01:00–01:45 MDT" (with "Wed 16 Sep " where the day differs).
    pub fn range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Shown {
        // A session that ends exactly at midnight ends on its own day, not the next: the end's
        // date is a second early's, its clock the real one.
        let end_day = if end > start {
            end - chrono::Duration::seconds(1)
        } else {
            end
        };
        let utc = Self::range_in(&start, &end_day, &end, self.day_utc, "UTC");
        let local = (!self.utc_only).then(|| {
            let ls = start.with_timezone(&self.tz);
            let le_day = end_day.with_timezone(&self.tz);
            let le = end.with_timezone(&self.tz);
            Self::range_in(
                &ls,
                &le_day,
                &le,
                self.day_local,
                &abbreviation(self.tz, end),
            )
        });
        Shown {
            utc,
            local,
            iso: iso(start),
        }
    }

    /// "07:00 UTC" and "09:00 CEST" (with the date where the day differs).
    pub fn at(&self, t: DateTime<Utc>) -> Shown {
        let utc = format!("{} UTC", Self::one(&t, &t, self.day_utc));
        let local = (!self.utc_only).then(|| {
            let lt = t.with_timezone(&self.tz);
            format!(
                "{} {}",
                Self::one(&lt, &lt, self.day_local),
                abbreviation(self.tz, t)
            )
        });
        Shown {
            utc,
            local,
            iso: iso(t),
        }
    }

    /// "Tue 15 Sep 2026, 07:00 UTC" and the same in the visitor's zone.
    pub fn full(&self, t: DateTime<Utc>) -> Shown {
        Shown {
            utc: utc_full(t),
            local: (!self.utc_only).then(|| local_full(t, self.tz)),
            iso: iso(t),
        }
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
    if (0..=9999).contains(&t.year()) {
        // What the format below writes, without parsing a format string per call.
        let y = t.year() as u32;
        let mut out = String::with_capacity(20);
        push2(&mut out, y / 100);
        push2(&mut out, y % 100);
        for (sep, n) in [
            ('-', t.month()),
            ('-', t.day()),
            ('T', t.hour()),
            (':', t.minute()),
            (':', t.second()),
        ] {
            out.push(sep);
            push2(&mut out, n);
        }
        out.push('Z');
        out
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// Appends `n` (< 100) as two digits.
fn push2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Short English names, as chrono's `%a` and `%b` write them.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

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
        let z = ZoneChoice::resolve(None, Some("America/Denver"), vienna);
        assert_eq!((z.name(), z.source), ("America/Denver", ZoneSource::Cookie));
        let z = ZoneChoice::resolve(None, None, vienna);
        assert_eq!(z.source, ZoneSource::Conference);
        assert!(z.rejected.is_none());
    }

    #[test]
    fn an_unknown_zone_falls_back_to_the_conference_and_is_reported() {
        let vienna: Tz = "Europe/Vienna".parse().unwrap();
        let z = ZoneChoice::resolve(Some("Mars/Olympus"), Some("America/Denver"), vienna);
        assert_eq!(z.name(), "Europe/Vienna");
        assert_eq!(
            z.rejected,
            Some(("Mars/Olympus".to_owned(), RejectedFrom::Query))
        );
        let z = ZoneChoice::resolve(None, Some("Nowhere"), vienna);
        assert_eq!(z.rejected.map(|r| r.1), Some(RejectedFrom::Cookie));
    }

    #[test]
    fn hand_written_formats_write_what_chronos_format_strings_write() {
        let zones: Vec<Tz> = ["UTC", "America/Denver", "Asia/Kolkata", "Pacific/Chatham"]
            .iter()
            .map(|z| z.parse().unwrap())
            .collect();
        let page = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
        let mut t = Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap();
        while t.year() < 2028 {
            assert_eq!(iso(t), t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            for tz in &zones {
                let l = t.with_timezone(tz);
                let expected = if l.date_naive() == page {
                    l.format("%H:%M").to_string()
                } else {
                    l.format("%a %-d %b %H:%M").to_string()
                };
                assert_eq!(Writer::one(&l, &l, page), expected, "{t} in {tz}");
            }
            t += chrono::Duration::seconds(26_183);
        }
    }

    #[test]
    fn ranges_carry_dates_off_the_page_day_and_utc_visitors_see_one_clock() {
        let page = Utc.with_ymd_and_hms(2026, 9, 15, 12, 0, 0).unwrap();
        let denver: Tz = "America/Denver".parse().unwrap();
        let w = Writer::new(denver, page);
        // 05:30 UTC on the 16th is 23:30 MDT on the 15th: a date in UTC, none in Denver.
        let s = Utc.with_ymd_and_hms(2026, 9, 16, 5, 30, 0).unwrap();
        let r = w.range(s, s + chrono::Duration::minutes(45));
        assert_eq!(r.utc, "Wed 16 Sep 05:30–06:15 UTC");
        assert_eq!(r.local.as_deref(), Some("23:30–Wed 16 Sep 00:15 MDT"));
        // Ending at midnight stays on its own day.
        let s = Utc.with_ymd_and_hms(2026, 9, 15, 23, 0, 0).unwrap();
        let r = Writer::new(Tz::UTC, page).range(s, s + chrono::Duration::hours(1));
        assert_eq!((r.utc.as_str(), r.local), ("23:00–00:00 UTC", None));
        let chatham: Tz = "Pacific/Chatham".parse().unwrap();
        assert_eq!(offset_label(chatham, page), "+12:45");
        assert_eq!(
            Writer::new("Etc/UTC".parse().unwrap(), page).at(page).local,
            None
        );
    }
}
