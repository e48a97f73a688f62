//! The lobby: a viewer of a room whose kind starts with a moderator waits on a page that goes
//! in by itself once a moderator is inside, on this instance or another; 2 000 waiting pages
//! cost no BBB call and all hear the start; and every open page of a room hears when the
//! leader re-placed it or staff moved it (on this instance or another), with a rejoin that
//! lands on the new server.
//!
//! The event streams are read with reqwest, chunk by chunk: the tests wait for what the
//! server sends, never for a time (a generous guard only turns a hang into a failure).

use std::time::Duration;

use hallway::lobby::policy::StartPolicy;
use hallway::sim::{Failure, Faults};

use crate::helpers::{
    attrs, csrf_in, guest_client, skip, spawn_app, spawn_app_with, texts, TestApp,
};

/// A hang is a failure, not a wait.
const HUNG: Duration = Duration::from_secs(120);

/// An app whose session rooms start only with a moderator, running the sample conference.
async fn moderated_app() -> TestApp {
    let app = spawn_app_with(None, |raw| raw.lobby.start.session = StartPolicy::Moderator).await;
    app.import_sample_running_now().await;
    app
}

/// A fresh client logged in through a one-time admin link (joins every room as MODERATOR).
async fn admin_client(app: &TestApp, base: &str) -> reqwest::Client {
    crate::helpers::admin_link_client(app, base, "Mona Moderator").await
}

async fn page(c: &reqwest::Client, url: &str) -> String {
    c.get(url).send().await.unwrap().text().await.unwrap()
}

/// Presses Join on `slug` (the token from `from`) and returns where hallway sent the browser.
async fn join(c: &reqwest::Client, base: &str, slug: &str) -> String {
    let csrf = csrf_in(&page(c, &format!("{base}/login")).await);
    let r = c
        .post(format!("{base}/rooms/{slug}/join"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "join {slug}: {}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// Submits the first form matching `selector` on `html` as a browser would.
async fn submit(c: &reqwest::Client, base: &str, html: &str, selector: &str) -> String {
    let action = attrs(html, selector, "action")
        .pop()
        .unwrap_or_else(|| panic!("no {selector} on the page"));
    let doc = scraper::Html::parse_document(html);
    let form = doc
        .select(&scraper::Selector::parse(selector).unwrap())
        .next()
        .unwrap();
    let fields: Vec<(String, String)> = form
        .select(&scraper::Selector::parse("input[type=hidden]").unwrap())
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let r = c
        .post(format!("{base}{action}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{action}: {}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The BBB role a join URL carries.
fn role_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap_or_else(|_| panic!("{url} is not a BBB join URL"));
    assert!(u.path().ends_with("/join"), "{url} is not a BBB join URL");
    u.query_pairs()
        .find(|(k, _)| k == "role")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// An open event stream, read event by event.
struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    async fn open(c: &reqwest::Client, url: &str) -> Events {
        let resp = c.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        let mut e = Events {
            resp,
            buf: String::new(),
        };
        // The greeting: once it is here, the server holds this page's subscription.
        let hello = e.next_block().await;
        assert!(hello.starts_with(": connected"), "{hello}");
        e
    }

    /// The next block (up to a blank line), comments included.
    async fn next_block(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.find("\n\n") {
                let block = self.buf[..i].to_owned();
                self.buf.drain(..i + 2);
                return block;
            }
            let chunk = tokio::time::timeout(HUNG, self.resp.chunk())
                .await
                .expect("the event stream hung")
                .unwrap()
                .expect("the event stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event as (name, data), skipping comments (keepalives).
    async fn next_event(&mut self) -> (String, String) {
        loop {
            let block = self.next_block().await;
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v.to_owned();
                }
            }
            if !name.is_empty() {
                return (name, data);
            }
        }
    }
}

fn creates(app: &TestApp) -> u64 {
    app.sims.iter().map(|s| s.calls("create")).sum()
}

#[tokio::test]
async fn a_viewer_waits_in_the_lobby_until_a_moderator_joins_and_then_goes_in_as_viewer() {
    let app = moderated_app().await;
    let base = app.address.clone();
    let vera = guest_client(&base, "Vera Viewer").await;

    let to = join(&vera, &base, "refereed").await;
    assert!(to.starts_with("/rooms/refereed/lobby?session="), "{to}");
    assert_eq!(
        creates(&app),
        0,
        "no meeting is created for a waiting viewer"
    );

    let lobby = page(&vera, &format!("{base}{to}")).await;
    assert_eq!(attrs(&lobby, "meta[http-equiv=refresh]", "content"), ["15"]);
    assert!(texts(&lobby, ".state")
        .concat()
        .contains("Waiting for the moderator"));
    assert_eq!(texts(&lobby, ".waiting-count .count"), ["1"]);
    assert!(!texts(&lobby, "h1").concat().is_empty());
    assert_eq!(
        attrs(&lobby, ".links a", "href"),
        ["https://stream.example.org/refereed"]
    );
    assert_eq!(
        attrs(&lobby, "form.lobby-join button[hidden]", "class"),
        ["join"]
    );
    let events_url = attrs(&lobby, "article.lobby", "data-events").pop().unwrap();
    let meeting = attrs(&lobby, "article.lobby", "data-meeting")
        .pop()
        .unwrap();
    let mut events = Events::open(&vera, &format!("{base}{events_url}")).await;
    assert_eq!(app.state.lobby.waiting("refereed"), 1);

    // The moderator sees who waits, then goes in.
    let mona = admin_client(&app, &base).await;
    let room = page(&mona, &format!("{base}/rooms/refereed")).await;
    assert_eq!(texts(&room, ".waiting-count .count"), ["1"]);
    // And so does the staff dashboard, on the room's row.
    let dashboard = page(&mona, &format!("{base}/admin/status")).await;
    assert_eq!(
        texts(&dashboard, "tr[data-room=refereed] .waiting"),
        ["1 waiting"]
    );
    let in_url = join(&mona, &base, "refereed").await;
    assert_eq!(role_of(&in_url), "MODERATOR");
    assert_eq!(creates(&app), 1);

    assert_eq!(
        events.next_event().await,
        ("started".into(), meeting.clone())
    );

    // The page's form (what the script submits) now goes in, as VIEWER.
    let viewer_url = submit(&vera, &base, &lobby, "form.lobby-join").await;
    assert_eq!(role_of(&viewer_url), "VIEWER");
    assert_eq!(
        creates(&app),
        1,
        "the viewer joined the moderator's meeting"
    );
    // Without JavaScript: the lobby now shows the Join button and stops refreshing.
    let again = page(&vera, &format!("{base}{to}")).await;
    assert!(attrs(&again, "meta[http-equiv=refresh]", "content").is_empty());
    assert!(attrs(&again, "form.lobby-join button[hidden]", "class").is_empty());
    // A lobby opened after the start hears "started" at once.
    let mut late = Events::open(&vera, &format!("{base}{events_url}")).await;
    assert_eq!(late.next_event().await, ("started".into(), meeting));
}

#[tokio::test]
async fn a_meeting_started_by_staff_without_joining_or_with_only_viewers_is_not_started() {
    let app = spawn_app_with(None, |raw| raw.lobby.start.hack = StartPolicy::Moderator).await;
    app.import_sample_running_now().await;
    let base = app.address.clone();
    // Staff create the meeting from the dashboard (as pre-warming does): BBB has it, empty.
    let stella = admin_client(&app, &base).await;
    let csrf = csrf_in(&page(&stella, &format!("{base}/admin/status")).await);
    let r = stella
        .post(format!("{base}/admin/rooms/hack2/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(creates(&app), 1);
    app.status_round().await;

    let vera = guest_client(&base, "Vera Viewer").await;
    assert!(join(&vera, &base, "hack2")
        .await
        .starts_with("/rooms/hack2/lobby"));
    let lobby = page(&vera, &format!("{base}/rooms/hack2/lobby")).await;
    assert!(texts(&lobby, ".state")
        .concat()
        .contains("Waiting for the moderator"));
    assert_eq!(texts(&lobby, "h1"), ["Hackroom 2"]);

    // Session rooms keep "anyone" here: the first attendee's join goes in.
    assert_eq!(role_of(&join(&vera, &base, "refereed").await), "VIEWER");
    assert_eq!(creates(&app), 2);
}

#[tokio::test]
async fn a_moderator_join_on_one_instance_reaches_a_lobby_on_another_after_its_refresh_step() {
    across_two_instances(moderated_app().await).await;
}

#[tokio::test]
async fn on_postgresql_too_a_moderator_join_reaches_the_other_instance_s_lobby() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let app = spawn_app_with(Some(db.url.clone()), |raw| {
        raw.lobby.start.session = StartPolicy::Moderator
    })
    .await;
    app.import_sample_running_now().await;
    across_two_instances(app).await;
    db.drop_now().await;
}

/// A viewer waits on instance B; a moderator joins on A; B's stream hears it after B's
/// refresh step, and the viewer goes into A's meeting from B.
async fn across_two_instances(app: TestApp) {
    let b = app.another_instance().await;
    let vera = guest_client(&b.address, "Vera Viewer").await;
    let to = join(&vera, &b.address, "refereed").await;
    assert!(to.starts_with("/rooms/refereed/lobby"), "{to}");
    let lobby = page(&vera, &format!("{}{to}", b.address)).await;
    let events_url = attrs(&lobby, "article.lobby", "data-events").pop().unwrap();
    let meeting = attrs(&lobby, "article.lobby", "data-meeting")
        .pop()
        .unwrap();
    let mut events = Events::open(&vera, &format!("{}{events_url}", b.address)).await;

    let mona = admin_client(&app, &app.address).await;
    assert_eq!(
        role_of(&join(&mona, &app.address, "refereed").await),
        "MODERATOR"
    );
    assert!(
        !b.state.lobby.is_started(&meeting, Some(i64::MAX))
            && b.state.lobby.waiting("refereed") == 1,
        "instance B waits until its refresh step"
    );

    let moved = b.state.refresh_once().await.unwrap();
    assert!(
        moved.contains(&hallway::sync::Topic::MeetingStarts),
        "{moved:?}"
    );
    assert_eq!(events.next_event().await, ("started".into(), meeting));
    let in_url = submit(&vera, &b.address, &lobby, "form.lobby-join").await;
    assert_eq!(role_of(&in_url), "VIEWER");
    assert_eq!(creates(&app), 1, "B joined the meeting A created");
    b.state.db.close().await;
    app.db.close().await;
}

/// This process's soft limit of open files (`ulimit -n`).
fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(u64::MAX)
}

/// How many lobby streams wait on one room in the scale test.
const CLIENTS: usize = 2_000;

#[tokio::test]
async fn two_thousand_waiting_pages_cost_no_bbb_call_and_all_hear_the_start() {
    // Both ends of every stream live in this process.
    let need = 2 * CLIENTS as u64 + 500;
    let limit = open_files_limit();
    if limit < need {
        skip(
            "ulimit -n",
            &format!("{limit} open files allowed, {need} needed (.ci/run raises it)"),
        );
        return;
    }
    let app = moderated_app().await;
    let base = app.address.clone();
    let vera = guest_client(&base, "Vera Viewer").await;
    let to = join(&vera, &base, "refereed").await;
    let lobby = page(&vera, &format!("{base}{to}")).await;
    let events_url = format!(
        "{base}{}",
        attrs(&lobby, "article.lobby", "data-events").pop().unwrap()
    );
    let meeting = attrs(&lobby, "article.lobby", "data-meeting")
        .pop()
        .unwrap();
    for s in &app.sims {
        s.reset_calls();
    }

    let mut streams = Vec::with_capacity(CLIENTS);
    while streams.len() < CLIENTS {
        let batch = (CLIENTS - streams.len()).min(200);
        let opened =
            futures::future::join_all((0..batch).map(|_| Events::open(&vera, &events_url))).await;
        streams.extend(opened);
    }
    assert_eq!(app.state.lobby.waiting("refereed"), CLIENTS);
    let calls: Vec<_> = app.sims.iter().map(|s| s.call_counts()).collect();
    assert!(
        calls.iter().all(|c| c.is_empty()),
        "2 000 waiting pages made BBB calls: {calls:?}"
    );

    let mona = admin_client(&app, &base).await;
    assert_eq!(role_of(&join(&mona, &base, "refereed").await), "MODERATOR");
    let heard = futures::future::join_all(streams.iter_mut().map(|e| e.next_event())).await;
    let started = heard
        .iter()
        .filter(|(name, data)| name == "started" && data == &meeting)
        .count();
    assert_eq!(started, CLIENTS);
    drop(streams);
}

#[tokio::test]
async fn when_the_leader_re_places_a_room_both_open_pages_get_moved_and_the_rejoin_lands_on_the_new_server(
) {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let base = app.address.clone();
    let ada = guest_client(&base, "Ada Park").await;
    let bob = guest_client(&base, "Bob Jones").await;
    let first = join(&ada, &base, "hack2").await;
    assert!(
        first.starts_with(app.sims[1].base_url().as_str()),
        "hack2 starts on bbb2"
    );
    app.status_round().await;

    let ada_page = page(&ada, &format!("{base}/rooms/hack2")).await;
    let bob_page = page(&bob, &format!("{base}/rooms/hack2")).await;
    let url = |p: &str| {
        format!(
            "{base}{}",
            attrs(p, "div.room-watch", "data-events").pop().unwrap()
        )
    };
    let mut ada_events = Events::open(&ada, &url(&ada_page)).await;
    let mut bob_events = Events::open(&bob, &url(&bob_page)).await;
    assert_eq!(app.state.lobby.subscribers("hack2"), 2);
    assert_eq!(
        app.state.lobby.waiting("hack2"),
        0,
        "room pages are not waiting"
    );

    app.sims[1].set_faults(Faults::failure(Failure::Refuse));
    app.status_round().await;
    app.status_round().await;
    let room = app.state.rooms.get("hack2").unwrap().clone();
    let now_on = app.state.placements.stored(&room).to_string();
    assert_ne!(now_on, "bbb2", "the leader re-placed the room");

    for (events, html, c) in [
        (&mut ada_events, &ada_page, &ada),
        (&mut bob_events, &bob_page, &bob),
    ] {
        assert_eq!(events.next_event().await, ("moved".into(), "hack2".into()));
        let back = submit(c, &base, html, "div.moved-notice form.rejoin").await;
        let i: usize = now_on.trim_start_matches("bbb").parse().unwrap();
        assert!(
            back.starts_with(app.sims[i - 1].base_url().as_str()),
            "the rejoin goes to {now_on}: {back}"
        );
        assert_eq!(role_of(&back), "VIEWER");
    }
}

#[tokio::test]
async fn a_room_staff_move_reaches_an_open_session_page_on_another_instance() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let b = app.another_instance().await;
    let vera = guest_client(&b.address, "Vera Viewer").await;
    let room_page = page(&vera, &format!("{}/rooms/refereed", b.address)).await;
    let session: i64 = attrs(&room_page, "article.card.running", "data-session")
        .pop()
        .expect("a running session in the Refereed Track")
        .parse()
        .unwrap();
    let session_page = page(&vera, &format!("{}/sessions/{session}", b.address)).await;
    let watch = attrs(&session_page, "div.room-watch", "data-events")
        .pop()
        .unwrap();
    let mut events = Events::open(&vera, &format!("{}{watch}", b.address)).await;

    let stella = admin_client(&app, &app.address).await;
    let csrf = csrf_in(&page(&stella, &format!("{}/admin/status", app.address)).await);
    let r = stella
        .post(format!("{}/admin/rooms/refereed/move", app.address))
        .form(&[("csrf", csrf.as_str()), ("server", "bbb3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    b.state.refresh_once().await.unwrap();

    assert_eq!(
        events.next_event().await,
        ("moved".into(), "refereed".into())
    );
    let back = submit(
        &vera,
        &b.address,
        &session_page,
        "div.moved-notice form.rejoin",
    )
    .await;
    assert!(back.starts_with(app.sims[2].base_url().as_str()), "{back}");
    assert_eq!(role_of(&back), "VIEWER");
}
