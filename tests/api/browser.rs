//! Real headless Chromium through chromedriver: the page's JavaScript picks up the browser's
//! time zone, local times and day headings match independently computed ones in several
//! zones on both sides of the DemoCon DST change, UTC visitors see each time once, the zone
//! selector overrides detection and survives a reload, a guest joins a running session and
//! lands in the simulator, an attendee waiting in the lobby lands in the meeting when a
//! moderator joins from another session, a 360 px phone keeps a card's room and time in view, and axe-core
//! finds no serious or critical accessibility violation. Screenshots of the now page at
//! 1280 and 360 px go to `target/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`, and for the axe test
//! `npm ci --prefix tests/browser`. Without them the tests are reported as SKIPPED (see
//! docs/TESTING.md) and pass; with `CI=true` they must run.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hallway::schedule::import::{self, ImportOptions};
use serde_json::json;
use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{skip, spawn_app, texts, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver and the port it bound (killed on drop).
struct Driver(#[allow(dead_code)] Child, u16);

/// Starts chromedriver on port 0 and reads the port it chose from its first lines
/// ("ChromeDriver was started successfully on port N."): no port is picked and given up first.
async fn start_chromedriver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        skip(
            "chromium",
            &format!("{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"),
        );
        return None;
    }
    let mut child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut seen = Vec::new();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read chromedriver output") {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return rest.trim_end_matches('.').trim().parse::<u16>().ok();
            }
            seen.push(line);
        }
        None
    })
    .await;
    let port = match port {
        Ok(Some(port)) => port,
        Ok(None) => panic!("chromedriver exited without reporting its port: {seen:?}"),
        Err(_) => panic!("chromedriver did not report its port within 30 s: {seen:?}"),
    };
    // Keep draining its stdout so that chromedriver never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Driver(child, port))
}

/// A fresh Chromium (no cookies) living in `zone`, `width` CSS pixels wide.
async fn browser(driver: &Driver, zone: &str, width: u32) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,900",
    ] {
        caps.add_arg(arg).unwrap();
    }
    let b = WebDriver::new(format!("http://127.0.0.1:{}", driver.1), caps)
        .await
        .expect("open a Chromium session");
    b.cdp()
        .emulation()
        .set_timezone_override(zone)
        .await
        .expect("emulate zone");
    let mobile = width < 700;
    b.cdp()
        .emulation()
        .set_device_metrics_override(width, if mobile { 740 } else { 900 }, 1.0, mobile)
        .await
        .expect("emulate the window size");
    b
}

/// Opens `url` and waits until the page knows the browser's zone (the script stores it and
/// reloads once). Polls for at most 20 s, generous for a loaded machine.
/// Types `name` into the login page's guest form and submits it, to come back to `next`.
async fn log_in_as_guest(b: &WebDriver, base: &str, next: &str, name: &str) {
    open_known(b, &format!("{base}/login?next={next}")).await;
    b.find(By::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    b.find(By::Css("#guest-login button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn open_known(b: &WebDriver, url: &str) {
    b.goto(url).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let known = match b.find(By::Css("body")).await {
            Ok(body) => body.attr("data-zone-known").await.ok().flatten(),
            Err(_) => None,
        };
        if known.as_deref() == Some("true") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url}: the page never learned the browser's zone");
}

fn shot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/{name}.png"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The DemoCon fixture from ../shared (36 sessions, 24–26 Oct 2026, Europe/Berlin, which
/// leaves summer time in the night to the 25th), or `None` after reporting the skip.
async fn import_democon(app: &TestApp) -> Option<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/schedules/pretalx-generated_democon-dst_schedule.xml");
    if !path.exists() {
        skip("../shared", &format!("{} is missing", path.display()));
        return None;
    }
    import::import_file(&app.db, &path, &ImportOptions::default())
        .await
        .expect("DemoCon imports");
    app.refresh().await;
    Some(())
}

fn id_of(app: &TestApp, title: &str) -> i64 {
    let index = app.state.schedule.get();
    let found: Vec<i64> = index
        .all()
        .iter()
        .filter(|s| s.title == title)
        .map(|s| s.id)
        .collect();
    assert_eq!(found.len(), 1, "{title} is in the fixture once");
    found[0]
}

#[tokio::test]
async fn local_times_and_day_headings_match_independent_computation_in_four_zones() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    if import_democon(&app).await.is_none() {
        return;
    }
    // Literal UTC instants, read off the fixture's local times by hand: Berlin is UTC+2 on
    // the 24th and UTC+1 from the 25th.
    let sessions = [
        (
            "Adaptive cohesive array",
            "2026-10-24T08:00:00Z",
            "2026-10-24T08:30:00Z",
        ),
        (
            "Innovative 24hour framework",
            "2026-10-24T14:00:00Z",
            "2026-10-24T14:30:00Z",
        ),
        (
            "Re-engineered motivating array",
            "2026-10-25T08:00:00Z",
            "2026-10-25T08:30:00Z",
        ),
        (
            "Fundamental homogeneous capability",
            "2026-10-26T13:00:00Z",
            "2026-10-26T14:30:00Z",
        ),
    ];
    for zone in [
        "America/Denver",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "Europe/Berlin",
    ] {
        let tz: Tz = zone.parse().unwrap();
        let b = browser(&driver, zone, 1280).await;
        open_known(&b, &format!("{}/schedule", app.address)).await;
        for (title, start, end) in sessions {
            let (s, e) = (utc(start).with_timezone(&tz), utc(end).with_timezone(&tz));
            let local_range = format!(
                "{}–{} {}",
                s.format("%H:%M"),
                e.format("%H:%M"),
                e.format("%Z")
            );
            let local_day = s.format("%Y-%m-%d").to_string();

            // The session page: the visitor's row.
            b.goto(format!("{}/sessions/{}", app.address, id_of(&app, title)))
                .await
                .unwrap();
            let row = b
                .find(By::Css("dd.local"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(
                row,
                format!("{} · {local_range}", s.format("%a %-d %b %Y, %H:%M %Z")),
                "{zone}: {title}"
            );

            // The schedule of the visitor's local day lists it under that day's heading.
            b.goto(format!("{}/schedule?day={local_day}", app.address))
                .await
                .unwrap();
            let html = b.source().await.unwrap();
            assert_eq!(
                texts(&html, "h2.day-heading"),
                [s.format("%A %-d %B %Y").to_string()],
                "{zone}: {title}"
            );
            let card = texts(&html, "article.card")
                .into_iter()
                .find(|t| t.contains(title))
                .unwrap_or_else(|| panic!("{zone}: {title} is not on {local_day}"));
            assert!(
                card.contains(&local_range),
                "{zone}: {card} lacks {local_range}"
            );
            assert!(card.contains("UTC"), "{zone}: {card}");
        }
        b.quit().await.unwrap();
    }
}

#[tokio::test]
async fn a_visitor_in_utc_sees_each_time_once() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    app.import_sample().await;
    let b = browser(&driver, "UTC", 1280).await;

    open_known(&b, &format!("{}/?at=2026-09-15T07:15:00Z", app.address)).await;
    let html = b.source().await.unwrap();
    b.goto(format!("{}/schedule?day=2026-09-15", app.address))
        .await
        .unwrap();
    let schedule = b.source().await.unwrap();
    b.quit().await.unwrap();

    let when = texts(&html, "article.card .card-when");
    assert!(when.contains(&"07:00–07:45 UTC".to_owned()), "{when:?}");
    for page in [&html, &schedule] {
        for t in texts(page, ".card-when, .slot-time") {
            assert_eq!(t.matches("UTC").count(), 1, "one clock: {t}");
        }
        assert!(texts(page, "main .local").is_empty());
    }
    assert!(texts(&html, "header .zone")[0].starts_with("Times: UTC —"));
}

#[tokio::test]
async fn the_selector_overrides_the_detected_zone_and_survives_a_reload() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    app.import_sample().await;
    let b = browser(&driver, "America/Denver", 1280).await;
    let at = format!("{}/?at=2026-09-15T07:15:00Z", app.address);
    let keynote = |html: &str| {
        texts(html, "article.card")
            .into_iter()
            .find(|t| t.contains("Keynote: Thirty years of plumbing"))
            .expect("keynote card")
    };
    open_known(&b, &at).await;
    assert!(keynote(&b.source().await.unwrap()).contains("01:00–01:45 MDT"));

    // Act: choose Asia/Tokyo in the selector by typing into its filter.
    b.goto(format!("{}/timezone?back=/", app.address))
        .await
        .unwrap();
    let options = b
        .find_all(By::Css("#tz optgroup[label=Suggested] option"))
        .await
        .unwrap();
    let mut suggested = Vec::new();
    for o in options {
        suggested.push(o.text().await.unwrap());
    }
    b.find(By::Id("tz-filter"))
        .await
        .unwrap()
        .send_keys("Asia/Tokyo")
        .await
        .unwrap();
    b.find(By::Css(".tz-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.goto(&at).await.unwrap();
    let chosen = b.source().await.unwrap();
    b.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reloaded = b.source().await.unwrap();
    let zone_attr = b
        .find(By::Css("body"))
        .await
        .unwrap()
        .attr("data-zone")
        .await
        .unwrap();
    b.quit().await.unwrap();

    assert_eq!(
        suggested,
        [
            "UTC+02:00 Europe/Vienna (conference)",
            "UTC−06:00 America/Denver (yours)",
            "UTC+00:00 UTC"
        ]
        .map(String::from),
        "the conference and the detected zone come first, with offsets"
    );
    assert!(
        keynote(&chosen).contains("16:00–16:45 JST"),
        "{}",
        keynote(&chosen)
    );
    assert!(
        keynote(&reloaded).contains("16:00–16:45 JST"),
        "after a reload"
    );
    assert_eq!(zone_attr.as_deref(), Some("Asia/Tokyo"));
}

#[tokio::test]
async fn a_guest_clicks_join_on_a_running_session_and_lands_in_the_simulator() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let b = browser(&driver, "Europe/Vienna", 1280).await;

    log_in_as_guest(&b, &app.address, "/", "Ada Lovelace").await;
    let card = b
        .query(By::Css("article.card.running"))
        .first()
        .await
        .expect("a running session card");
    let room = card
        .find(By::Css(".card-room"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let title = card
        .find(By::Css(".card-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let button = card.find(By::Css("button.join")).await.unwrap();
    let label = button
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    button.click().await.unwrap();
    let status = b
        .query(By::Id("status"))
        .first()
        .await
        .expect("the simulator's client page");
    let text = status.text().await.unwrap();
    let url = b.current_url().await.unwrap();
    b.quit().await.unwrap();

    assert!(
        label.contains(&title) && label.contains(&room),
        "the button names the session: {label}"
    );
    assert!(url.path().starts_with("/html5client/join"), "{url}");
    // The session's own meeting: "<room>: <session title>".
    assert_eq!(
        text,
        format!("You are in {room}: {title} as Ada Lovelace (VIEWER)")
    );
}

/// Positions of a card's parts after scrolling, from the page.
const PHONE_PROBE: &str = r#"
window.scrollTo(0, 0);
window.scrollBy(400, 1800);
const vw = window.innerWidth, vh = window.innerHeight;
const card = document.elementFromPoint(vw / 2, vh * 0.6).closest("article.card");
if (!card) { return {card: false}; }
const r = (el) => { const b = el.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
const slot = card.closest("li.slot");
return {
  card: true, vw, vh, scrollX: window.scrollX, scrollY: window.scrollY,
  docWidth: document.documentElement.scrollWidth,
  room: r(card.querySelector(".card-room")), roomText: card.querySelector(".card-room").textContent.trim(),
  when: r(card.querySelector(".card-when")),
  slotTime: slot ? r(slot.querySelector(".slot-time")) : null,
};
"#;

fn inside(v: &serde_json::Value, rect: &str) -> bool {
    let (vw, vh) = (v["vw"].as_f64().unwrap(), v["vh"].as_f64().unwrap());
    let r = &v[rect];
    r["left"].as_f64().unwrap() >= 0.0
        && r["right"].as_f64().unwrap() <= vw
        && r["top"].as_f64().unwrap() >= 0.0
        && r["bottom"].as_f64().unwrap() <= vh
}

#[tokio::test]
async fn on_a_360px_phone_a_cards_room_and_time_stay_in_view_and_screenshots_are_saved() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    app.import_sample().await;
    let now = format!("{}/?at=2026-09-15T07:15:00Z", app.address);

    // Screenshots of the now page for people to look at.
    let wide = browser(&driver, "America/Denver", 1280).await;
    open_known(&wide, &now).await;
    wide.screenshot(&shot_path("screenshot-now-1280"))
        .await
        .unwrap();
    wide.quit().await.unwrap();

    let b = browser(&driver, "America/Denver", 360).await;
    open_known(&b, &now).await;
    b.screenshot(&shot_path("screenshot-now-360"))
        .await
        .unwrap();
    let on_now = b.execute(PHONE_PROBE, vec![]).await.unwrap().json().clone();
    b.goto(format!("{}/schedule?day=2026-09-15", app.address))
        .await
        .unwrap();
    let on_schedule = b.execute(PHONE_PROBE, vec![]).await.unwrap().json().clone();
    b.screenshot(&shot_path("screenshot-schedule-360"))
        .await
        .unwrap();
    b.quit().await.unwrap();

    for (page, v) in [("now", &on_now), ("schedule", &on_schedule)] {
        assert_eq!(
            v["card"], true,
            "{page}: a card in the middle of the screen: {v}"
        );
        assert_eq!(v["vw"], 360, "{page}: {v}");
        assert!(
            v["scrollY"].as_f64().unwrap() > 500.0,
            "{page}: the page scrolled down: {v}"
        );
        assert!(
            v["docWidth"].as_f64().unwrap() <= 360.0,
            "{page}: nothing is wider than the phone, so scrolling right moves nothing: {v}"
        );
        assert!(inside(v, "room"), "{page}: the card's room is in view: {v}");
        assert!(inside(v, "when"), "{page}: the card's time is in view: {v}");
        assert!(!v["roomText"].as_str().unwrap().is_empty(), "{page}: {v}");
    }
    // In the schedule the start time heading sticks to the top while its cards scroll by.
    assert!(inside(&on_schedule, "slotTime"), "{on_schedule}");
}

/// A page axe-core must fault (critical: `image-alt`).
const SELF_TEST: &str =
    "data:text/html,<!doctype html><html lang=en><title>t</title><main><img src=x.png></main>";

#[tokio::test]
async fn axe_core_finds_no_serious_or_critical_violations() {
    let axe = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    if !axe.exists() {
        skip(
            "axe-core",
            "tests/browser/node_modules is missing (npm ci --prefix tests/browser)",
        );
        return;
    }
    let axe_source = std::fs::read_to_string(&axe).unwrap();
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Axe Tester").await;
    let session = app.state.schedule.get().all()[0].id;
    let pages = [
        "/",
        "/schedule",
        &format!("/sessions/{session}"),
        "/hackrooms",
        "/search?q=rust",
        "/timezone?back=/",
        "/agenda",
    ];
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        let b = browser(&driver, "Asia/Kolkata", 1280).await;
        b.cdp()
            .send_raw(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            )
            .await
            .unwrap();
        open_known(&b, &format!("{}/", app.address)).await;
        // First a page with a known critical violation (an image without alt text): the
        // check must report it there, or it could not report anything anywhere.
        let mut targets = vec![SELF_TEST.to_owned()];
        targets.extend(pages.iter().map(|p| format!("{}{p}", app.address)));
        for (n, url) in targets.iter().enumerate() {
            let path = url.strip_prefix(app.address.as_str()).unwrap_or(url);
            b.goto(url).await.unwrap();
            b.execute(format!("{axe_source}\n;return true;"), vec![])
                .await
                .unwrap();
            let found = b
                .execute(
                    "return axe.run(document).then(r => ({passes: r.passes.length, bad: r.violations \
                     .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + \
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}));",
                    vec![],
                )
                .await
                .unwrap();
            let found = found.json();
            if n == 0 {
                let bad = found["bad"].to_string();
                assert!(
                    bad.contains("image-alt"),
                    "axe-core missed a known violation: {found}"
                );
                continue;
            }
            // A run that checked nothing would report nothing: make sure axe really looked.
            assert!(
                found["passes"].as_u64().unwrap_or(0) >= 10,
                "{scheme} {path}: axe-core did not run: {found}"
            );
            for v in found["bad"].as_array().unwrap() {
                problems.push(format!("{scheme} {path}: {}", v.as_str().unwrap()));
            }
        }
        b.quit().await.unwrap();
    }
    assert!(problems.is_empty(), "axe-core:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn an_attendee_waiting_in_the_lobby_lands_in_the_meeting_when_a_moderator_joins() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = crate::helpers::spawn_app_with(None, |raw| {
        raw.lobby.start.session = hallway::lobby::policy::StartPolicy::Moderator
    })
    .await;
    app.import_sample_running_now().await;
    let b = browser(&driver, "Europe/Vienna", 1280).await;
    log_in_as_guest(&b, &app.address, "/rooms/refereed", "Ada Lovelace").await;
    b.query(By::Css("article.card.running button.join"))
        .first()
        .await
        .expect("a running session in the Refereed Track")
        .click()
        .await
        .unwrap();
    let waiting = b
        .query(By::Css("article.lobby .state.waiting"))
        .first()
        .await
        .expect("the lobby")
        .text()
        .await
        .unwrap();
    assert!(waiting.contains("Waiting for the moderator"), "{waiting}");
    let title = b
        .find(By::Css("article.lobby h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // A moderator goes in from another session; the attendee does nothing.
    let mona = app.client.clone();
    app.log_in_as_admin().await;
    let csrf = app.csrf().await;
    let r = mona
        .post(format!("{}/rooms/refereed/join", app.address))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("role=MODERATOR"));

    let status = b
        .query(By::Id("status"))
        .first()
        .await
        .expect("the simulator's client page, reached without any input");
    let text = status.text().await.unwrap();
    let url = b.current_url().await.unwrap();
    b.quit().await.unwrap();
    assert!(url.path().starts_with("/html5client/join"), "{url}");
    assert!(
        text.ends_with(&format!("{title} as Ada Lovelace (VIEWER)")),
        "{text}"
    );
}
