//! The attendee pages against the real app: search, track and speaker pages, the zone notice,
//! UTC visitors, room pages with live counts, hackrooms, the staff page, the full schedule and
//! the admin's preview time. Expected sessions come from `hallway schedule show --json` (the
//! database, through the CLI), never from the index the pages read.

use std::collections::BTreeSet;

use crate::helpers::{attrs, csrf_in, spawn_app, texts, TestApp};

/// The stored sessions, from the CLI.
fn stored(app: &TestApp) -> Vec<serde_json::Value> {
    serde_json::from_slice(&app.cli(&["schedule", "show", "--json"]).stdout).expect("JSON")
}

fn titles_where(app: &TestApp, keep: impl Fn(&serde_json::Value) -> bool) -> BTreeSet<String> {
    stored(app)
        .iter()
        .filter(|s| keep(s))
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect()
}

fn card_titles(html: &str) -> BTreeSet<String> {
    texts(html, "article.card .card-title")
        .into_iter()
        .collect()
}

/// A client without cookies (a fresh, anonymous browser).
fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get_with(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn search_finds_sessions_by_title_word_speaker_and_track() {
    let app = spawn_app().await;
    app.import_sample().await;
    let rust = titles_where(&app, |s| s["track"] == "Rust for Linux");
    assert_eq!(rust.len(), 9, "the sample has nine Rust for Linux sessions");

    let (_, by_title) = app.get("/search?q=thirty").await;
    let (_, by_speaker) = app.get("/search?q=%C3%85ngstr%C3%B6m").await;
    let (_, by_track) = app.get("/search?q=rust+for+linux").await;
    let (_, nothing) = app.get("/search?q=zzqxj").await;
    let (too_long, message) = app.get(&format!("/search?q={}", "a".repeat(201))).await;

    assert_eq!(
        texts(&by_title, "article.card .card-title")
            .first()
            .map(String::as_str),
        Some("Keynote: Thirty years of plumbing"),
        "a title match comes first"
    );
    let solvi = titles_where(&app, |s| {
        s["persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("Ångström"))
    });
    assert!(solvi.contains("Keynote: Thirty years of plumbing"));
    assert_eq!(
        card_titles(&by_speaker),
        solvi,
        "exactly Sølvi Ångström's sessions"
    );
    assert!(
        card_titles(&by_track).is_superset(&rust),
        "every Rust for Linux session is found by its track"
    );
    assert!(attrs(&by_track, "li[data-matched]", "data-matched")
        .iter()
        .any(|m| m == "track"));
    assert!(texts(&nothing, "h2")
        .join(" ")
        .contains("Nothing matches “zzqxj”"));
    assert_eq!(too_long, 400);
    assert!(message.contains("at most 200 characters"));
}

#[tokio::test]
async fn track_and_speaker_pages_list_exactly_their_sessions() {
    let app = spawn_app().await;
    app.import_sample().await;
    let sessions = stored(&app);
    // The speaker with the most sessions (ties: the first by name).
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for s in &sessions {
        for p in s["persons"].as_array().unwrap() {
            *counts.entry(p.as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    let most = counts.values().max().copied().expect("speakers");
    let (speaker, _) = counts.iter().find(|(_, n)| **n == most).unwrap();

    let (_, tracks) = app.get("/tracks").await;
    let track_link = texts(&tracks, "ul.entries a")
        .into_iter()
        .zip(attrs(&tracks, "ul.entries a", "href"))
        .find(|(name, _)| name == "Networking & BPF")
        .map(|(_, href)| href)
        .expect("/tracks links Networking & BPF");
    let (status, track) = app.get(&track_link).await;
    let (_, speakers) = app.get("/speakers").await;
    let speaker_link = texts(&speakers, "ul.entries a")
        .into_iter()
        .zip(attrs(&speakers, "ul.entries a", "href"))
        .find(|(name, _)| name == speaker)
        .map(|(_, href)| href)
        .expect("/speakers links the speaker");
    let (_, person) = app.get(&speaker_link).await;

    assert_eq!(status, 200);
    assert_eq!(track_link, "/tracks/networking-bpf");
    assert_eq!(
        card_titles(&track),
        titles_where(&app, |s| s["track"] == "Networking & BPF")
    );
    assert_eq!(texts(&track, "h1"), ["Track: Networking & BPF"]);
    assert!(attrs(&track, "a", "href").contains(&"/tracks/networking-bpf.ics".to_owned()));
    assert_eq!(
        card_titles(&person),
        titles_where(&app, |s| s["persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == speaker.as_str()))
    );
    assert_eq!(app.get("/tracks/no-such-track").await.0, 404);
    assert_eq!(app.get("/speakers/nobody-at-all").await.0, 404);
}

#[tokio::test]
async fn an_unknown_zone_gets_a_notice_and_the_conference_zone() {
    let app = spawn_app().await;
    app.import_sample().await;
    let at = "at=2026-09-15T07:15:00Z";

    let (status, by_query) = app.get(&format!("/?{at}&tz=Mars/Olympus")).await;
    let client = anonymous();
    let r = client
        .get(format!("{}/?{at}", app.address))
        .header("cookie", "hallway_tz=Nowhere/Special")
        .send()
        .await
        .unwrap();
    let by_cookie = r.text().await.unwrap();
    let (_, fine) = app.get(&format!("/?{at}&tz=Asia/Tokyo")).await;

    assert_eq!(status, 200);
    let notice = texts(&by_query, ".zone-notice").join(" ");
    assert!(
        notice.contains("“Mars/Olympus” is not a time zone we know")
            && notice.contains("Europe/Vienna"),
        "{notice}"
    );
    let keynote = texts(&by_query, "article.card")
        .into_iter()
        .find(|t| t.contains("Keynote: Thirty years"))
        .expect("keynote card");
    assert!(
        keynote.contains("09:00–09:45 CEST"),
        "conference zone: {keynote}"
    );
    assert!(texts(&by_cookie, ".zone-notice")
        .join(" ")
        .contains("“Nowhere/Special” is not a time zone we know"));
    assert!(texts(&fine, ".zone-notice").is_empty());
}

#[tokio::test]
async fn a_visitor_in_utc_sees_each_time_once() {
    let app = spawn_app().await;
    app.import_sample().await;
    let keynote_id = stored(&app)
        .iter()
        .find(|s| s["title"] == "Keynote: Thirty years of plumbing")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    for zone in ["UTC", "Etc/UTC"] {
        let (_, now) = app
            .get(&format!("/?at=2026-09-15T07:15:00Z&tz={zone}"))
            .await;
        let (_, session) = app.get(&format!("/sessions/{keynote_id}?tz={zone}")).await;
        let (_, schedule) = app
            .get(&format!("/schedule?day=2026-09-15&tz={zone}"))
            .await;

        let when = texts(&now, "article.card .card-when");
        assert!(
            when.contains(&"07:00–07:45 UTC".to_owned()),
            "{zone}: {when:?}"
        );
        for page in [&now, &session, &schedule] {
            let main = page.split("<main").nth(1).unwrap();
            assert!(!main.contains("class=\"local\""), "{zone}: a second clock");
            assert!(!main.contains("UTC / "), "{zone}");
        }
        assert!(texts(&now, "header .zone")[0].starts_with("Times: UTC —"));
        assert_eq!(texts(&now, "h1"), ["At: Tue 15 Sep 2026, 07:15 UTC"]);
        assert!(texts(&now, ".now-head .local").is_empty());
        assert_eq!(
            texts(&session, "dt"),
            ["When (UTC)", "Conference time", "Length", "Room", "Track"].map(String::from),
            "{zone}: one When row (conference time is Vienna's, another zone)"
        );
        assert_eq!(
            texts(&session, "dd")[0],
            "Tue 15 Sep 2026, 07:00 UTC · 07:00–07:45 UTC"
        );
        let slot = texts(&schedule, ".slot-time");
        assert_eq!(slot[0], "07:00 UTC", "{zone}: {slot:?}");
    }
}

/// Joins `slug` as the logged-in client and opens the simulator's client page, so the user
/// is inside the meeting.
async fn enter(app: &TestApp, slug: &str) {
    let (_, page) = app.get("/hackrooms").await;
    let r = app
        .post_form(&format!("/rooms/{slug}/join"), &[("csrf", &csrf_in(&page))])
        .await;
    assert_eq!(r.status(), 303, "join {slug}");
    let url = r.headers()["location"].to_str().unwrap().to_owned();
    let inside = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(inside.contains("You are in"), "{inside}");
}

#[tokio::test]
async fn the_room_page_shows_now_next_links_and_the_live_count() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let now = app.clock.now();
    let refereed: Vec<serde_json::Value> = stored(&app)
        .into_iter()
        .filter(|s| s["room"] == "Refereed Track")
        .collect();
    let start = |s: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap()
    };
    let running = refereed
        .iter()
        .find(|s| start(s) <= now && now < start(&serde_json::json!({"start": s["end"]})))
        .expect("a running Refereed Track session");
    let mut later: Vec<&serde_json::Value> = refereed.iter().filter(|s| start(s) > now).collect();
    later.sort_by_key(|s| start(s));
    app.log_in_as_guest("Ada Lovelace").await;
    enter(&app, "refereed").await;

    let (_, before_poll) = get_with(&anonymous(), &app, "/rooms/refereed").await;
    app.poller.poll_once().await;
    let (status, page) = get_with(&anonymous(), &app, "/rooms/refereed").await;
    let (_, as_guest) = app.get("/rooms/refereed").await;

    assert_eq!(status, 200);
    assert!(before_poll.contains("Participant count not known yet"));
    assert_eq!(texts(&page, "h1"), ["Refereed Track"]);
    assert_eq!(texts(&page, ".room-facts .count"), ["1 person inside"]);
    assert!(
        texts(&page, ".names").is_empty(),
        "no names for anonymous visitors"
    );
    assert_eq!(
        texts(&as_guest, ".names"),
        ["Inside: Ada Lovelace"],
        "logged-in visitors see who is inside"
    );
    let sections = texts(&page, "main section");
    assert!(sections[0].starts_with("Now in Refereed Track"));
    assert!(sections[0].contains(running["title"].as_str().unwrap()));
    assert!(sections[1].starts_with("Next in Refereed Track"));
    let next_titles = texts(&page, "main section:nth-of-type(2) .card-title");
    assert_eq!(next_titles[0], later[0]["title"].as_str().unwrap());
    let hrefs = attrs(&page, ".room-facts a", "href");
    assert!(hrefs.contains(&"https://chat.example.org/#/room/#refereed:example.org".to_owned()));
    assert!(hrefs.contains(&"https://stream.example.org/refereed".to_owned()));
    assert_eq!(app.get("/rooms/no-such-room").await.0, 404);
}

#[tokio::test]
async fn hackrooms_show_counts_to_everybody_and_names_only_to_logged_in_people() {
    let app = spawn_app().await;
    app.import_sample().await;
    app.log_in_as_guest("Grace Hopper").await;
    enter(&app, "hack2").await;
    app.poller.poll_once().await;

    let (status, anon) = get_with(&anonymous(), &app, "/hackrooms").await;
    let (_, guest) = app.get("/hackrooms").await;

    assert_eq!(status, 200);
    assert_eq!(
        texts(&anon, ".open-room h2"),
        ["Hackroom 1", "Hackroom 2", "Hackroom 3"]
    );
    assert_eq!(
        texts(&anon, "[data-room=hack2] .count"),
        ["1 person inside"]
    );
    assert_eq!(
        texts(&anon, "[data-room=hack1] .count"),
        ["0 people inside"]
    );
    assert!(
        !anon.contains("Grace Hopper"),
        "names are hidden from anonymous visitors"
    );
    assert!(texts(&anon, "main p")
        .join(" ")
        .contains("Log in to see who is inside"));
    assert_eq!(
        texts(&guest, "[data-room=hack2] .names li"),
        ["Grace Hopper"]
    );
    // Join buttons say which room they join.
    assert_eq!(
        texts(&guest, "[data-room=hack2] button.join"),
        ["Join Hackroom 2"]
    );
}

#[tokio::test]
async fn the_staff_page_is_refused_to_guests_and_anonymous_visitors() {
    let app = spawn_app().await;
    let (anon_status, _) = get_with(&anonymous(), &app, "/staff").await;
    app.log_in_as_guest("Eve").await;
    let (guest_status, guest_page) = app.get("/staff").await;
    let guest_private_room = app.get("/rooms/staff").await.0;
    app.log_in_as_admin().await;
    let (admin_status, admin_page) = app.get("/staff").await;

    assert_eq!(anon_status, 303, "anonymous visitors are sent to log in");
    assert_eq!(guest_status, 403);
    assert!(guest_page.contains("for the conference staff only"));
    assert_eq!(guest_private_room, 403);
    assert_eq!(admin_status, 200);
    assert_eq!(texts(&admin_page, ".open-room h2"), ["Staff room"]);
    assert_eq!(
        attrs(&admin_page, "form[action='/rooms/staff/join']", "action").len(),
        1
    );
}

#[tokio::test]
async fn the_full_schedule_lists_a_local_day_and_refuses_bad_filters() {
    let app = spawn_app().await;
    app.import_sample().await;
    // 2026-09-15 in Vienna (CEST) holds every session whose start is on that local day.
    let vienna: chrono_tz::Tz = "Europe/Vienna".parse().unwrap();
    let expected = titles_where(&app, |s| {
        chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap())
            .unwrap()
            .with_timezone(&vienna)
            .format("%Y-%m-%d")
            .to_string()
            == "2026-09-15"
    });

    let (status, day) = app.get("/schedule?day=2026-09-15").await;
    let (_, filtered) = app
        .get("/schedule?day=2026-09-15&track=rust-for-linux&room=")
        .await;
    let (bad_day, bad_day_msg) = app.get("/schedule?day=15.09.2026").await;
    let (bad_track, bad_track_msg) = app.get("/schedule?track=nope").await;

    assert_eq!(status, 200);
    assert_eq!(texts(&day, "h2.day-heading"), ["Tuesday 15 September 2026"]);
    assert_eq!(card_titles(&day), expected);
    assert!(texts(&day, "article.card .card-room")
        .iter()
        .all(|r| !r.is_empty()));
    let rust_that_day = titles_where(&app, |s| {
        s["track"] == "Rust for Linux" && expected.contains(s["title"].as_str().unwrap())
    });
    assert_eq!(card_titles(&filtered), rust_that_day);
    assert_eq!(bad_day, 400);
    assert!(bad_day_msg.contains("YYYY-MM-DD"));
    assert_eq!(bad_track, 400);
    assert!(bad_track_msg.contains("There is no track"));
}

#[tokio::test]
async fn an_admins_preview_time_changes_what_pages_show_for_that_admin_only() {
    let app = spawn_app().await;
    app.import_sample().await;
    app.log_in_as_admin().await;
    let (_, home) = app.get("/").await;
    assert_eq!(
        texts(&home, "form.preview label")[0],
        "Preview as of (Europe/Vienna)"
    );

    let r = app
        .post_form(
            "/preview",
            &[
                ("csrf", &csrf_in(&home)),
                ("at", "2026-09-15T09:15"),
                ("action", "set"),
                ("next", "/"),
            ],
        )
        .await;
    let (_, previewed) = app.get("/").await;
    let (_, other_visitor) = get_with(&anonymous(), &app, "/").await;
    let bad = app
        .post_form(
            "/preview",
            &[("csrf", &csrf_in(&home)), ("at", "soon"), ("action", "set")],
        )
        .await;
    let cleared = app
        .post_form(
            "/preview",
            &[("csrf", &csrf_in(&home)), ("action", "clear")],
        )
        .await;
    let (_, after) = app.get("/").await;

    assert_eq!(r.status(), 303);
    assert_eq!(texts(&previewed, "h1"), ["At: Tue 15 Sep 2026, 07:15 UTC"]);
    assert!(texts(&previewed, "article.card.running .card-title")
        .contains(&"Keynote: Thirty years of plumbing".to_owned()));
    assert!(texts(&previewed, "form.preview")
        .join(" ")
        .contains("Preview as of Tue 15 Sep 2026, 09:15 CEST"));
    assert_eq!(
        texts(&other_visitor, "h1"),
        ["Now: Mon 14 Sep 2026, 12:00 UTC"]
    );
    assert!(texts(&other_visitor, "form.preview").is_empty());
    assert_eq!(bad.status(), 400);
    assert_eq!(cleared.status(), 303);
    assert_eq!(texts(&after, "h1"), ["Now: Mon 14 Sep 2026, 12:00 UTC"]);
    // Guests may not preview.
    let guest = spawn_app().await;
    guest.log_in_as_guest("Mallory").await;
    let csrf = guest.csrf().await;
    let refused = guest
        .post_form("/preview", &[("csrf", &csrf), ("at", "2026-09-15T09:15")])
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn the_now_page_says_when_the_conference_resumes_and_when_it_is_over() {
    let app = spawn_app().await;
    app.import_sample().await;
    let sessions = stored(&app);
    let start = |s: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap()
    };
    // The first session of the second conference day, in UTC.
    let mut starts: Vec<_> = sessions.iter().map(start).collect();
    starts.sort();
    let second_day = starts
        .iter()
        .find(|t| t.date_naive() > starts[0].date_naive())
        .copied()
        .expect("a second day");
    let night = (second_day - chrono::Duration::hours(6)).to_rfc3339();
    let vienna: chrono_tz::Tz = "Europe/Vienna".parse().unwrap();
    let expected = second_day
        .with_timezone(&vienna)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string();

    let (_, between) = app
        .get(&format!("/?at={}", night.replace('+', "%2B")))
        .await;
    let (_, after) = app.get("/?at=2026-12-01T00:00:00Z").await;

    assert_eq!(
        texts(&between, ".resumes"),
        [format!("The conference resumes at {expected} (your time).")]
    );
    assert!(texts(&after, ".closing")[0].starts_with("The conference is over."));
    let later = attrs(&between, "nav.step a[rel=next]", "href");
    assert_eq!(later.len(), 1, "an hour-later link");
}

#[tokio::test]
async fn schedule_rooms_without_a_video_room_and_hackrooms_have_pages_too() {
    let app = spawn_app().await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/schedules/pretalx-generated_democon-dst_schedule.xml");
    if !path.exists() {
        crate::helpers::skip("../shared", &format!("{} is missing", path.display()));
        return;
    }
    hallway::schedule::import::import_file(&app.db, &path, &Default::default())
        .await
        .unwrap();
    app.refresh().await;

    // 2026-10-25 09:10 Berlin (CET, 08:10 UTC): "Re-engineered motivating array" runs in the
    // Light Sea Green Room, which no configured hallway room hosts.
    let (_, now) = app.get("/?at=2026-10-25T08:10:00Z&tz=Europe/Berlin").await;
    let link = attrs(&now, "h2.room-name a", "href");
    let (status, room) = app
        .get("/rooms/light-sea-green-room?tz=Europe/Berlin")
        .await;
    let (_, hack) = app.get("/rooms/hack1").await;

    assert!(
        link.contains(&"/rooms/light-sea-green-room".to_owned()),
        "{link:?}"
    );
    assert_eq!(status, 200);
    assert_eq!(texts(&room, "h1"), ["Light Sea Green Room"]);
    assert!(
        attrs(&room, "form[action$='/join']", "action").is_empty(),
        "no video room to join"
    );
    assert_eq!(texts(&hack, "h1"), ["Hackroom 1"]);
    assert!(texts(&hack, "main p").join(" ").contains("A hackroom"));
    assert!(
        texts(&hack, "main h2").is_empty(),
        "no now/next for a room without sessions"
    );
}

/// GET `path` with `If-None-Match: etag` (when given): status, the `ETag` answered, the body.
async fn conditional_get(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    etag: Option<&str>,
) -> (u16, String, String) {
    let mut req = client.get(format!("{}{path}", app.address));
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let tag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, tag, r.text().await.unwrap())
}

#[tokio::test]
async fn the_now_page_answers_its_own_etag_with_304_until_the_minute_changes() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Etta").await;

    let first = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    let cache_control = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let page = first.text().await.unwrap();
    let (again, again_tag, again_body) = conditional_get(&app.client, &app, "/", Some(&etag)).await;
    let (other, _, other_body) =
        conditional_get(&app.client, &app, "/", Some("W/\"not-this-page\"")).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let (next_minute, next_tag, next_body) =
        conditional_get(&app.client, &app, "/", Some(&etag)).await;

    assert!(etag.starts_with("W/\""), "a weak validator: {etag}");
    assert_eq!(cache_control, "private, max-age=0");
    assert!(page.contains("Etta"));
    assert_eq!(
        (again, again_tag.as_str(), again_body.as_str()),
        (304, etag.as_str(), "")
    );
    assert_eq!((other, other_body.as_str()), (200, page.as_str()));
    assert_eq!(next_minute, 200, "a new minute is a new page");
    assert_ne!(next_tag, etag);
    assert_eq!(texts(&next_body, "h1"), ["Now: Mon 14 Sep 2026, 12:01 UTC"]);
}

#[tokio::test]
async fn a_schedule_change_elsewhere_reaches_the_cached_now_page_at_the_next_refresh() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let other = app.another_instance().await;
    let (_, before) = app.get("/").await;
    let running = texts(&before, "article.card.running .card-title");
    let title = running.first().expect("a running session").clone();
    let (_, etag, _) = conditional_get(&app.client, &app, "/", None).await;

    // An import beside the running instances (the CLI, an admin on another instance): it
    // writes the database and bumps the schedule topic.
    let bytes = std::fs::read(crate::helpers::sample_schedule_path()).unwrap();
    let opts = hallway::schedule::import::ImportOptions::default();
    let (mut parsed, format) =
        hallway::schedule::import::parse_schedule(&bytes, "sample", &opts).unwrap();
    hallway::schedule::import::shift_to_now(&mut parsed, app.clock.now());
    for s in parsed.sessions.iter_mut().filter(|s| s.title == title) {
        s.title = "Renamed while people watch".into();
    }
    hallway::schedule::import::store_parsed(&app.db, parsed, format, "renamed", false, None)
        .await
        .unwrap();
    app.refresh().await;
    other.state.refresh_once().await.unwrap();

    let (status, new_tag, after) = conditional_get(&app.client, &app, "/", Some(&etag)).await;
    let on_other = app
        .client
        .get(format!("{}/", other.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(status, 200, "the old validator no longer matches");
    assert_ne!(new_tag, etag);
    for page in [&after, &on_other] {
        let now = texts(page, "article.card.running .card-title");
        assert!(
            now.contains(&"Renamed while people watch".to_owned()),
            "{now:?}"
        );
        assert!(!now.contains(&title), "{now:?}");
    }
}

#[tokio::test]
async fn no_visitor_gets_a_now_page_cached_for_another_session_zone_or_role() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let alice = crate::helpers::guest_client(&app.address, "Alice Attendee").await;
    let bob = crate::helpers::guest_client(&app.address, "Bob Bystander").await;
    app.log_in_as_admin().await;

    let (_, alice_tag, alice_page) = conditional_get(&alice, &app, "/", None).await;
    let (bob_status, _, bob_page) = conditional_get(&bob, &app, "/", Some(&alice_tag)).await;
    let (_, _, nobody) = conditional_get(&anonymous(), &app, "/", Some(&alice_tag)).await;
    let (_, _, admin_page) = conditional_get(&app.client, &app, "/", Some(&alice_tag)).await;
    let (_, _, alice_kolkata) = conditional_get(&alice, &app, "/?tz=Asia/Kolkata", None).await;

    assert!(alice_page.contains("Alice Attendee"));
    assert_eq!(bob_status, 200, "Alice's validator is not Bob's page");
    assert!(bob_page.contains("Bob Bystander") && !bob_page.contains("Alice Attendee"));
    assert_ne!(
        csrf_in(&alice_page),
        csrf_in(&bob_page),
        "each page has its own token"
    );
    assert!(!nobody.contains("Alice Attendee") && !nobody.contains("Bob Bystander"));
    assert!(texts(&nobody, "form.preview").is_empty());
    assert!(
        !texts(&admin_page, "form.preview").is_empty(),
        "the admin's own box"
    );
    assert!(texts(&alice_page, "form.preview").is_empty());
    assert!(texts(&alice_kolkata, "header .zone")[0].contains("Asia/Kolkata"));
    assert!(!texts(&alice_page, "header .zone")[0].contains("Asia/Kolkata"));

    // Guest mode off ends the guests' sessions: Alice's cached page is not hers any more.
    let users = app.get("/admin/users").await.1;
    let r = app
        .post_form(
            "/admin/guest-mode",
            &[("csrf", &csrf_in(&users)), ("mode", "off")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _, after) = conditional_get(&alice, &app, "/", Some(&alice_tag)).await;
    assert_eq!(status, 200);
    assert!(
        !after.contains("Alice Attendee"),
        "still logged in after guest mode went off"
    );
}

#[tokio::test]
async fn a_poll_within_the_minute_brings_new_counts_to_the_cached_now_page() {
    let app = spawn_app().await;
    app.import_sample().await;
    app.log_in_as_guest("Counted").await;
    app.poller.poll_once().await;
    let (_, before) = app.get("/").await;
    enter(&app, "hack2").await;
    let (_, unpolled) = app.get("/").await;
    app.poller.poll_once().await;
    let (_, after) = app.get("/").await;

    let count = |page: &str| {
        texts(page, ".open-rooms li")
            .into_iter()
            .find(|t| t.contains("Hackroom 2"))
            .expect("Hackroom 2 on the now page")
    };
    assert!(count(&before).contains("0 inside"), "{}", count(&before));
    assert_eq!(
        count(&unpolled),
        count(&before),
        "counts come from the poll"
    );
    assert!(count(&after).contains("1 inside"), "{}", count(&after));
}
