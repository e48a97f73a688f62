//! Operations: health with hysteresis, failover, server states, a slow server, errors in
//! words, pre-warming, the live feed, the JSON status and metrics. Every test drives the
//! steps itself (status rounds, failover, pre-warm) against the simulators' fault injection.

use hallway::rooms::lifecycle;
use hallway::servers::view::ServerState;
use hallway::sim::{Failure, Faults};
use hallway::status::health::Health;

use crate::helpers::{csrf_in, skip, spawn_app, spawn_app_on, spawn_app_with, texts, TestApp};

/// A fresh cookie-keeping client logged in as a guest called `name`.
async fn guest(app: &TestApp, name: &str) -> reqwest::Client {
    let c = client();
    let page = get(&c, &format!("{}/login", app.address)).await;
    let r = c
        .post(format!("{}/login/guest", app.address))
        .form(&[
            ("csrf", csrf_in(&page).as_str()),
            ("name", name),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    c
}

/// A fresh client logged in as staff through a one-time admin link.
async fn staff(app: &TestApp) -> reqwest::Client {
    crate::helpers::admin_link_client(app, &app.address, "Stella Staff").await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn get(c: &reqwest::Client, url: &str) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

/// Presses Join on `slug` and returns where hallway sent the browser.
async fn join(app: &TestApp, c: &reqwest::Client, slug: &str) -> String {
    let page = get(c, &format!("{}/login", app.address)).await;
    let r = c
        .post(format!("{}/rooms/{slug}/join", app.address))
        .form(&[("csrf", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "join {slug}: {}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// Which simulator (bbb1…) a join URL points at.
fn server_of_url(app: &TestApp, url: &str) -> String {
    let i = app
        .sims
        .iter()
        .position(|s| url.starts_with(s.base_url().as_str()))
        .unwrap_or_else(|| panic!("{url} points at no simulator"));
    format!("bbb{}", i + 1)
}

/// Posts a staff form from the dashboard and returns the confirmation page.
async fn staff_post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let page = get(c, &format!("{}/admin/status", app.address)).await;
    let csrf = csrf_in(&page);
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    let r = c
        .post(format!("{}{path}", app.address))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with("/admin/status?done="), "{back}");
    get(c, &format!("{}{back}", app.address)).await
}

#[tokio::test]
async fn a_server_that_dies_mid_conference_is_down_after_two_polls_and_its_room_moves() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let ada = guest(&app, "Ada Park").await;
    let first = join(&app, &ada, "hack2").await;
    assert_eq!(server_of_url(&app, &first), "bbb2");
    app.status_round().await;
    assert_eq!(app.state.servers.health("bbb2"), Health::Up);

    app.sims[1].set_faults(Faults::failure(Failure::Refuse));
    app.status_round().await;
    assert_eq!(
        app.state.servers.health("bbb2"),
        Health::Up,
        "one failed poll is not DOWN yet"
    );
    app.status_round().await;

    assert_eq!(app.state.servers.health("bbb2"), Health::Down);
    let room = app.state.rooms.get("hack2").unwrap().clone();
    let now_on = app.state.placements.stored(&room).to_string();
    assert_ne!(now_on, "bbb2", "the leader moved the room at once");
    let bob = guest(&app, "Bob Jones").await;
    let next = join(&app, &bob, "hack2").await;
    assert_eq!(server_of_url(&app, &next), now_on);
    let admin = staff(&app).await;
    let body = get(&admin, &format!("{}/admin/status", app.address)).await;
    let row = texts(&body, "tr[data-room=hack2] td.server").pop().unwrap();
    assert!(
        row.contains("moved from bbb2 at 12:00 UTC: bbb2 DOWN"),
        "{row}"
    );
    let health = texts(&body, "tr[data-server=bbb2] td.health")
        .pop()
        .unwrap();
    assert!(health.starts_with("DOWN"), "{health}");
    let audit = texts(&body, "table.audit td.detail");
    assert!(
        audit
            .iter()
            .any(|a| a.starts_with("bbb2 DOWN: could not reach")),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|a| a == &format!("hack2 moved from bbb2 to {now_on}: bbb2 DOWN")),
        "{audit:?}"
    );

    // bbb2 comes back: the meeting stays where it is, and "move back" is offered.
    app.sims[1].clear_faults();
    app.status_round().await;
    app.status_round().await;
    assert_eq!(app.state.servers.health("bbb2"), Health::Up);
    assert_eq!(app.state.placements.stored(&room).as_str(), now_on);
    let body = get(&admin, &format!("{}/admin/status", app.address)).await;
    let back = texts(&body, "tr[data-room=hack2] form.move-back button");
    assert_eq!(back, vec!["Move back to bbb2"]);
}

#[tokio::test]
async fn a_slow_server_slows_neither_the_dashboard_nor_joins_to_other_servers() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.status_round().await;
    app.sims[1].set_faults(Faults::latency_ms(10_000));
    // A round that is stuck on bbb2 for as long as the test runs.
    let state = app.state.clone();
    let round = tokio::spawn(async move { lifecycle::status_round(&state).await });
    let admin = staff(&app).await;

    let dashboard = admin
        .get(format!("{}/admin/status", app.address))
        .send()
        .await
        .unwrap();
    let ada = guest(&app, "Ada Park").await;
    let to_bbb1 = join(&app, &ada, "hack1").await;
    let to_bbb3 = join(&app, &ada, "hack3").await;

    assert_eq!(dashboard.status(), 200);
    assert_eq!(server_of_url(&app, &to_bbb1), "bbb1");
    assert_eq!(server_of_url(&app, &to_bbb3), "bbb3");
    assert!(
        !round.is_finished(),
        "the poll of the slow server was still open while the page and joins answered"
    );
    round.abort();
}

#[tokio::test]
async fn garbage_xml_http_500_and_a_wrong_secret_are_reported_against_their_server_in_words() {
    let app = spawn_app().await;
    let calls = ["getMeetings"];
    app.sims[0].set_faults(Faults::failure(Failure::GarbageXml).for_calls(calls));
    app.sims[1].set_faults(Faults::failure(Failure::Http500).for_calls(calls));
    app.sims[2].set_faults(Faults::failure(Failure::ChecksumError).for_calls(calls));

    let report = app.poller.poll_once().await;

    assert_eq!(report.down, 3);
    let admin = staff(&app).await;
    let body = get(&admin, &format!("{}/admin/status", app.address)).await;
    let error = |s: &str| {
        texts(&body, &format!("tr[data-server={s}] td.error"))
            .pop()
            .unwrap()
    };
    assert!(error("bbb1").contains("not BBB XML"), "{}", error("bbb1"));
    assert!(
        error("bbb2").contains("answered HTTP 500 instead of the BBB API"),
        "{}",
        error("bbb2")
    );
    assert!(
        error("bbb3").contains("the configured secret is wrong"),
        "{}",
        error("bbb3")
    );
    assert!(!body.contains("test-secret-of"), "no secret on the page");
}

#[tokio::test]
async fn draining_lets_a_late_joiner_in_and_places_a_new_meeting_elsewhere() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let ada = guest(&app, "Ada Park").await;
    assert_eq!(
        server_of_url(&app, &join(&app, &ada, "hack2").await),
        "bbb2"
    );
    app.status_round().await;
    let admin = staff(&app).await;

    let done = staff_post(
        &app,
        &admin,
        "/admin/servers/bbb2/state",
        &[("state", "draining")],
    )
    .await;

    assert!(
        texts(&done, "p.notice")
            .pop()
            .unwrap()
            .contains("bbb2 draining"),
        "confirmed on the page"
    );
    let state = texts(&done, "tr[data-server=bbb2] td.state").pop().unwrap();
    assert!(state.starts_with("draining by Stella Staff"), "{state}");
    let late = guest(&app, "Late Larry").await;
    assert_eq!(
        server_of_url(&app, &join(&app, &late, "hack2").await),
        "bbb2",
        "a late joiner still gets into the running meeting"
    );
    // Networking & BPF (pinned to bbb2) has no meeting yet: staff open it elsewhere.
    let fresh = join(&app, &admin, "networking").await;
    assert_ne!(server_of_url(&app, &fresh), "bbb2");
    let room = app.state.rooms.get("networking").unwrap().clone();
    assert_eq!(
        app.state.placements.stored(&room).to_string(),
        server_of_url(&app, &fresh)
    );
}

#[tokio::test]
async fn a_disabled_server_takes_no_joins_and_the_cli_lists_and_changes_states() {
    let app = spawn_app().await;
    let out = app.cli(&["servers", "disable", "bbb3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.refresh().await;
    assert_eq!(app.state.servers.state("bbb3"), ServerState::Disabled);
    let ada = guest(&app, "Ada Park").await;
    assert_ne!(
        server_of_url(&app, &join(&app, &ada, "hack3").await),
        "bbb3"
    );

    let out = app.cli(&["servers", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let line = listed.lines().find(|l| l.starts_with("bbb3")).unwrap();
    assert!(line.contains("disabled"), "{listed}");
    assert!(!listed.contains("test-secret-of"), "{listed}");
    let out = app.cli(&["servers", "enable", "nope"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no server called nope"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first session of the sample conference (the app's clock is the day before).
fn first_session(app: &TestApp) -> hallway::schedule::stored::StoredSession {
    let index = app.state.schedule.get();
    index
        .all()
        .iter()
        .min_by_key(|s| s.start)
        .cloned()
        .expect("sample has sessions")
}

#[tokio::test]
async fn pre_warming_creates_a_session_starting_in_4_minutes_and_not_one_in_20() {
    let app = spawn_app().await;
    app.import_sample().await;
    let s = first_session(&app);
    let room = app.state.rooms.for_schedule_room(&s.room).unwrap().clone();
    let meeting = hallway::rooms::meeting::session_meeting_id(
        app.state.rooms.meeting_prefix(),
        &room,
        &s.key,
    );

    app.clock.set(s.start - chrono::Duration::minutes(20));
    assert_eq!(lifecycle::prewarm_once(&app.state).await.unwrap(), 0);
    app.clock.set(s.start - chrono::Duration::minutes(4));
    let created = lifecycle::prewarm_once(&app.state).await.unwrap();

    assert!(created >= 1);
    let server = app.state.placements.server_of(&room);
    assert!(app
        .state
        .registry
        .live_on(&meeting, server.as_str())
        .is_some());
    let i: usize = server.as_str()[3..].parse::<usize>().unwrap() - 1;
    let sim: serde_json::Value =
        reqwest::get(format!("http://127.0.0.1:{}/sim/state", app.sims[i].port()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(
        sim["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["meetingID"] == meeting.as_str()),
        "{sim}"
    );
}

#[tokio::test]
async fn two_instances_on_postgresql_share_states_and_placements_and_only_one_pre_warms() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let app = spawn_app_on(Some(db.url.clone())).await;
    app.import_sample().await;
    let other = app.another_instance().await;
    let admin = staff(&app).await;

    staff_post(
        &app,
        &admin,
        "/admin/servers/bbb2/state",
        &[("state", "draining")],
    )
    .await;
    staff_post(
        &app,
        &admin,
        "/admin/rooms/hack1/move",
        &[("server", "bbb3")],
    )
    .await;
    other.state.refresh_once().await.unwrap();

    assert_eq!(other.state.servers.state("bbb2"), ServerState::Draining);
    // Its dashboard says so too (the staff cookie is signed with the shared session key).
    let theirs = get(&admin, &format!("{}/admin/status", other.address)).await;
    let state = texts(&theirs, "tr[data-server=bbb2] td.state")
        .pop()
        .unwrap();
    assert!(state.starts_with("draining by Stella Staff"), "{state}");
    let anonymous = reqwest::Client::new()
        .get(format!("{}/api/v1/status", other.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let hack1 = other.state.rooms.get("hack1").unwrap().clone();
    assert_eq!(other.state.placements.stored(&hack1).as_str(), "bbb3");
    let s = first_session(&app);
    app.clock.set(s.start - chrono::Duration::minutes(4));
    let mine = lifecycle::prewarm_once(&app.state).await.unwrap();
    let theirs = lifecycle::prewarm_once(&other.state).await.unwrap();
    assert!(
        mine >= 1,
        "the first instance took the lease and pre-warmed"
    );
    assert_eq!(theirs, 0, "the other one did not");
    app.db.close().await;
    other.state.db.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn the_dashboard_hears_of_every_new_snapshot_through_server_sent_events() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let mut events = admin
        .get(format!("{}/admin/status/events", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let hello = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&hello).starts_with(": connected"));

    app.status_round().await;

    let next = events.chunk().await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&next).starts_with("event: snapshot\ndata: 2026-09-14T12:00:00"),
        "{}",
        String::from_utf8_lossy(&next)
    );
    let anonymous = client()
        .get(format!("{}/admin/status/events", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(anonymous.status(), 200);
}

const TOKEN: &str = "a-status-token-long-enough-0123456789";

#[tokio::test]
async fn json_status_and_metrics_need_staff_or_the_token() {
    let app = spawn_app_with(None, |raw| {
        raw.status.api_token = Some(secrecy::SecretString::from(TOKEN.to_string()));
    })
    .await;
    app.status_round().await;
    let anon = client();

    let refused = anon
        .get(format!("{}/api/v1/status", app.address))
        .send()
        .await
        .unwrap();
    let wrong = anon
        .get(format!("{}/metrics", app.address))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    let status: serde_json::Value = anon
        .get(format!("{}/api/v1/status", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let metrics = staff(&app)
        .await
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(refused.status(), 401);
    assert_eq!(wrong.status(), 401);
    let names: Vec<&str> = status["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bbb1", "bbb2", "bbb3"]);
    assert_eq!(status["servers"][0]["health"], "up");
    assert_eq!(status["servers"][0]["version"], "3.0");
    assert!(
        metrics.contains("bbb_api_up{server=\"bbb1\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bbb_meetings{server=\"bbb2\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "hallway_http_requests_total{method=\"GET\",route=\"/api/v1/status\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(!metrics.contains(TOKEN));
    promtool_check(&metrics);
}

/// `promtool check metrics` (Debian `prometheus`) reads the exposition from stdin.
fn promtool_check(text: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        skip("promtool", "not installed (Debian package prometheus)");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Opens a BBB join URL like a browser (redirects followed) and returns the client page.
async fn enter(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// The meeting hallway knows live for `slug`.
fn live_meeting(app: &TestApp, slug: &str) -> hallway::rooms::registry::MeetingRecord {
    app.state
        .registry
        .live()
        .into_iter()
        .find(|r| r.room == slug)
        .unwrap_or_else(|| panic!("{slug} has no live meeting"))
}

#[tokio::test]
async fn moving_a_running_room_announces_it_in_the_meeting_ends_it_after_the_delay_and_joins_land_on_the_new_server(
) {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let ada = guest(&app, "Ada Park").await;
    let url = join(&app, &ada, "hack2").await;
    assert_eq!(server_of_url(&app, &url), "bbb2");
    assert!(enter(&url).await.contains("You are in"));
    let old = live_meeting(&app, "hack2");
    let admin = staff(&app).await;

    let done = staff_post(
        &app,
        &admin,
        "/admin/rooms/hack2/move",
        &[("server", "bbb3")],
    )
    .await;

    let said = app.sims[1].chat_messages(&old.meeting_id);
    assert_eq!(said.len(), 1, "one announcement in the old meeting");
    assert!(
        said[0].message.contains("moves to another server")
            && said[0].message.contains("ends in 60 seconds")
            && said[0].message.contains("/rooms/hack2"),
        "{said:?}"
    );
    assert_eq!(Some(said[0].create_time), old.create_time);
    let notice = texts(&done, "p.notice").pop().unwrap();
    assert!(
        notice.contains("announced in the meeting's chat") && notice.contains("ends in 60 s"),
        "{notice}"
    );
    assert_eq!(
        crate::helpers::attrs(
            &done,
            "tr[data-room=hack2] form.room-actions button[formaction]",
            "formaction"
        ),
        vec!["/rooms/hack2/join", "/admin/rooms/hack2/start"],
        "one form per room row, each button posting the token to its own action (no End: no poll \
         has seen the meeting yet)"
    );
    let row = texts(&done, "tr[data-room=hack2] td.server").pop().unwrap();
    assert!(
        row.contains("old meeting on bbb2 ends at 12:01 UTC: announced in the meeting's chat"),
        "{row}"
    );
    // The next join goes to the new server's meeting at once; the old one still runs.
    let bob = guest(&app, "Bob Jones").await;
    let next = join(&app, &bob, "hack2").await;
    assert_eq!(server_of_url(&app, &next), "bbb3");
    assert!(enter(&next).await.contains("You are in"));
    app.status_round().await;
    assert_eq!(
        live_meeting(&app, "hack2").server,
        "bbb3",
        "the poll does not take the old meeting for the room's"
    );
    assert_eq!(lifecycle::retire_moved_once(&app.state).await.unwrap(), 0);
    assert_eq!(app.sims[1].calls("end"), 0, "not before the delay");

    app.clock.advance(chrono::Duration::seconds(61));
    let ended = lifecycle::retire_moved_once(&app.state).await.unwrap();

    assert_eq!(ended, 1);
    assert_eq!(app.sims[1].calls("end"), 1);
    assert_eq!(
        lifecycle::retire_moved_once(&app.state).await.unwrap(),
        0,
        "once"
    );
    let sim2: serde_json::Value =
        reqwest::get(format!("http://127.0.0.1:{}/sim/state", app.sims[1].port()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let m = sim2["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["meetingID"] == old.meeting_id.as_str());
    assert!(
        m.is_none_or(|m| m["hasBeenForciblyEnded"] == true),
        "{sim2}"
    );
    app.status_round().await;
    assert_eq!(live_meeting(&app, "hack2").server, "bbb3");
    let carol = guest(&app, "Carol Chen").await;
    assert_eq!(
        server_of_url(&app, &join(&app, &carol, "hack2").await),
        "bbb3"
    );
    let body = get(&admin, &format!("{}/admin/status", app.address)).await;
    let audit = texts(&body, "table.audit td.detail");
    assert!(
        audit.iter().any(|a| a
            == &format!(
                "hack2: ended {} on bbb2 after the move; people continue on bbb3",
                old.meeting_id
            )),
        "{audit:?}"
    );
}

#[tokio::test]
async fn moving_a_room_off_a_bbb_27_server_says_the_move_could_not_be_announced() {
    let app = crate::helpers::spawn_app_with_sims(
        None,
        |_| {},
        |sim| {
            if sim.name == "bbb2" {
                sim.version = hallway::bbb::ServerVersion::V2_7;
            }
        },
    )
    .await;
    app.import_sample_running_now().await;
    let ada = guest(&app, "Ada Park").await;
    let url = join(&app, &ada, "hack2").await;
    assert!(enter(&url).await.contains("You are in"));
    let old = live_meeting(&app, "hack2");
    let admin = staff(&app).await;

    let done = staff_post(
        &app,
        &admin,
        "/admin/rooms/hack2/move",
        &[("server", "bbb1")],
    )
    .await;

    assert_eq!(app.sims[1].calls("sendChatMessage"), 0, "not even tried");
    assert!(app.sims[1].chat_messages(&old.meeting_id).is_empty());
    let notice = texts(&done, "p.notice").pop().unwrap();
    assert!(
        notice.contains("not announced (bbb2 runs BBB 2.7; chat messages need BBB 3.0)"),
        "{notice}"
    );
    let audit = texts(&done, "table.audit td.detail");
    assert!(
        audit
            .iter()
            .any(|a| a.contains("not announced (bbb2 runs BBB 2.7")),
        "{audit:?}"
    );
    let bob = guest(&app, "Bob Jones").await;
    assert_eq!(
        server_of_url(&app, &join(&app, &bob, "hack2").await),
        "bbb1"
    );
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(lifecycle::retire_moved_once(&app.state).await.unwrap(), 1);
    assert_eq!(app.sims[1].calls("end"), 1);
}

#[tokio::test]
async fn every_join_is_counted_by_outcome_route_and_latency() {
    let app = spawn_app().await;
    let ada = guest(&app, "Ada").await;
    for _ in 0..3 {
        join(&app, &ada, "hack1").await;
    }
    let refused = client()
        .post(format!("{}/rooms/hack1/join", app.address))
        .form(&[("csrf", "none")])
        .send()
        .await
        .unwrap();
    let metrics = get(&staff(&app).await, &format!("{}/metrics", app.address)).await;

    assert!(refused.status().is_client_error(), "{}", refused.status());
    for line in [
        "hallway_joins_total{outcome=\"redirected\"} 3",
        "hallway_http_requests_total{method=\"POST\",route=\"/rooms/{slug}/join\",status=\"303\"} 3",
        "hallway_http_request_duration_seconds_count{route=\"/rooms/{slug}/join\"} 4",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    assert!(
        metrics.contains("hallway_joins_total{outcome=\"refused\"} 1"),
        "{metrics}"
    );
}
