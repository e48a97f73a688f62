//! `GET /timezone?back=PATH`: the zone chooser. The conference's zone, the visitor's current
//! (detected or chosen) zone and UTC come first; the rest is grouped by region, each with its
//! offset now. It is a plain form (`?tz=` on the page to go back to), so it works without
//! JavaScript; a few lines of script add type-to-filter.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::AppResult;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;
use crate::web::time::offset_label;

/// Registers the page.
pub fn configure(r: &mut Routes<'_>) {
    r.get(
        "/timezone",
        "choose the zone times are shown in",
        timezone_page,
    );
}

/// A zone in the chooser.
pub struct ZoneOption {
    /// IANA name.
    pub name: &'static str,
    /// "UTC+02:00 Europe/Berlin".
    pub label: String,
    /// The visitor's current zone.
    pub selected: bool,
}

/// A region of zones.
pub struct ZoneGroup {
    /// "Europe", "America", …
    pub region: String,
    /// Zones, by name.
    pub zones: Vec<ZoneOption>,
}

/// The time zone chooser.
#[derive(Template)]
#[template(path = "schedule/timezone.html")]
pub struct TimezonePage {
    /// Header.
    pub layout: Layout,
    /// Suggested first: conference, current, UTC.
    pub suggested: Vec<ZoneOption>,
    /// Everything else, by region.
    pub groups: Vec<ZoneGroup>,
    /// The page to go back to (path only).
    pub back: String,
}

#[derive(Deserialize)]
struct BackQuery {
    back: Option<String>,
}

fn option(tz: Tz, now: DateTime<Utc>, current: &str, note: &str) -> ZoneOption {
    ZoneOption {
        name: tz.name(),
        label: format!("UTC{} {}{note}", offset_label(tz, now), tz.name()),
        selected: tz.name() == current,
    }
}

/// `GET /timezone`.
async fn timezone_page(ctx: PageCtx, q: web::Query<BackQuery>) -> AppResult<HttpResponse> {
    let back = crate::web::redirect::safe_next(q.back.as_deref());
    let back = back.split('?').next().unwrap_or("/").to_owned();
    let now = ctx.shown_now;
    let current = ctx.layout.zone_name.clone();
    let mut suggested = vec![option(ctx.conference_tz, now, &current, " (conference)")];
    if ctx.zone.tz != ctx.conference_tz && ctx.zone.is_visitors() {
        suggested.push(option(ctx.zone.tz, now, &current, " (yours)"));
    }
    if suggested.iter().all(|z| z.name != "UTC") {
        suggested.push(option(Tz::UTC, now, &current, ""));
    }
    let mut regions: BTreeMap<String, Vec<ZoneOption>> = BTreeMap::new();
    for tz in chrono_tz::TZ_VARIANTS.iter() {
        let name = tz.name();
        let region = match name.split_once('/') {
            Some((r, _))
                if r != "Etc"
                    && r != "SystemV"
                    && r != "US"
                    && r != "Brazil"
                    && r != "Canada"
                    && r != "Chile"
                    && r != "Mexico" =>
            {
                r.to_owned()
            }
            _ => "Other".to_owned(),
        };
        regions
            .entry(region)
            .or_default()
            .push(option(*tz, now, &current, ""));
    }
    let mut groups: Vec<ZoneGroup> = regions
        .into_iter()
        .map(|(region, mut zones)| {
            zones.sort_by(|a, b| a.name.cmp(b.name));
            ZoneGroup { region, zones }
        })
        .collect();
    // Only one option may be selected: the first suggestion that matches wins.
    if suggested.iter().any(|z| z.selected) {
        for g in &mut groups {
            for z in &mut g.zones {
                z.selected = false;
            }
        }
    }
    let page = TimezonePage {
        layout: ctx.layout.clone(),
        suggested,
        groups,
        back,
    };
    render::page(&ctx, &page)
}
