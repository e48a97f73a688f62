//! The join path as people use it: the demo's rooms, meetings someone else made, meetings that
//! ended behind hallway's back, full rooms, and meetings still being created.

use std::net::SocketAddr;

use hallway::app::BuildOptions;
use hallway::bbb::{BbbClient, CreateMeeting, Endpoint, Role, ServerVersion, Timeouts};
use hallway::clock::Clock;
use hallway::config::RawSettings;
use secrecy::SecretString;

use crate::helpers::{
    csrf_in, csrf_of, guest_client, pinned_now, spawn_app, spawn_app_with, spawn_app_with_sims,
};

fn bbb() -> BbbClient {
    BbbClient::new(Timeouts {
        connect: std::time::Duration::from_secs(2),
        total: std::time::Duration::from_secs(5),
    })
    .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Opens a URL in a client that does not follow redirects (BBB's answer, as the browser gets it).
async fn open(url: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .expect("open the join URL")
}

/// Who the simulator says is in `meeting_id`, with their roles.
async fn people_in(ep: &Endpoint, meeting_id: &str) -> Vec<(String, Role)> {
    bbb()
        .get_meeting_info(ep, meeting_id)
        .await
        .map(|m| {
            m.attendees
                .into_iter()
                .map(|a| (a.full_name, a.role))
                .collect()
        })
        .unwrap_or_default()
}

/// Opens a join URL as the browser would (BBB's redirect to its client, then the client page,
/// which connects the user) and lists who the simulator then has in that meeting.
async fn connect_and_list(url: &str, servers: &[(String, Endpoint)]) -> Vec<(String, Role)> {
    let page = open(url).await;
    assert_eq!(page.status(), 302, "BBB accepts the join: {url}");
    reqwest::get(location(&page)).await.unwrap();
    let meeting = param(url, "meetingID").unwrap();
    let (_, ep) = servers
        .iter()
        .find(|(_, ep)| url.starts_with(ep.api_url.as_str()))
        .expect("the join goes to a configured server");
    people_in(ep, &meeting).await
}

#[tokio::test]
async fn the_demo_lets_a_guest_into_every_room_it_offers_and_the_admin_into_every_room() {
    // Start exactly what `hallway demo` starts, with its clock pinned.
    let clock = Clock::fixed(pinned_now());
    let raw = RawSettings::example().unwrap();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let demo = hallway::demo::start(
        raw.clone(),
        listen,
        BuildOptions {
            clock: clock.clone(),
            background_jobs: false,
        },
    )
    .await
    .expect("the demo starts");
    let state = demo.app.state();
    let settings = raw.clone().parse().unwrap();
    let base = format!("http://127.0.0.1:{}", demo.app.port());
    let servers: Vec<(String, Endpoint)> = state
        .settings
        .bbb
        .servers
        .iter()
        .map(|s| (s.name.to_string(), s.endpoint()))
        .collect();
    let (admin_link, demo_sims) = (demo.admin_link.clone(), demo.sims);
    tokio::spawn(demo.app.run_until_stopped());
    assert!(demo.filled_rooms >= 3, "the demo fills running rooms");

    // Which rooms must be joinable now, worked out from the demo's own schedule export and
    // the configuration: hackrooms, and session rooms with a session from 10 minutes before
    // its start until its end.
    let schedule: Vec<serde_json::Value> = reqwest::get(format!("{base}/api/v1/schedule"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = clock.now();
    let mut joinable: Vec<String> = settings
        .rooms
        .iter()
        .filter(|r| r.kind == hallway::rooms::model::RoomKind::Hack)
        .map(|r| r.slug.to_string())
        .collect();
    for r in settings
        .rooms
        .iter()
        .filter(|r| r.kind == hallway::rooms::model::RoomKind::Session)
    {
        let open = schedule.iter().any(|s| {
            let start = chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap();
            let end = chrono::DateTime::parse_from_rfc3339(s["end"].as_str().unwrap()).unwrap();
            r.schedule_rooms
                .iter()
                .any(|n| n == s["room"].as_str().unwrap())
                && start - chrono::Duration::minutes(10) <= now
                && now < end
        });
        if open {
            joinable.push(r.slug.to_string());
        }
    }
    assert!(
        joinable.len() >= 5,
        "at least five rooms open: {joinable:?}"
    );

    // A guest joins each as VIEWER; the simulator then lists them in that meeting.
    let guest = guest_client(&base, "Grace Guest").await;
    let csrf = csrf_of(&guest, &base).await;
    for slug in &joinable {
        let r = guest
            .post(format!("{base}/rooms/{slug}/join"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            303,
            "{slug}: {}",
            r.text().await.unwrap_or_default()
        );
        let url = location(&r);
        // BBB 2.4+ joins by role; the 2.2 server (bbb3) by the attendee password.
        assert!(
            param(&url, "role").as_deref() == Some("VIEWER")
                || (param(&url, "role").is_none() && param(&url, "password").is_some()),
            "{slug}: {url}"
        );
        let people = connect_and_list(&url, &servers).await;
        assert!(
            people.contains(&("Grace Guest".to_owned(), Role::Viewer)),
            "{slug}: {people:?}"
        );
    }

    // The admin link lets its holder into every room, the staff room included, as MODERATOR.
    let admin = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let confirm = admin
        .get(&admin_link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = admin
        .post(&admin_link)
        .form(&[("csrf", csrf_in(&confirm))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let csrf = csrf_of(&admin, &base).await;
    for room in &settings.rooms {
        let r = admin
            .post(format!("{base}/rooms/{}/join", room.slug))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", room.slug);
        let people = connect_and_list(&location(&r), &servers).await;
        assert!(
            people.contains(&("Demo Organizer".to_owned(), Role::Moderator)),
            "{}: {people:?}",
            room.slug
        );
    }
    drop(demo_sims);
}

/// Creates hack1's meeting on bbb1 first, as another client would: with its own passwords.
async fn create_behind_hallways_back(app: &crate::helpers::TestApp) -> i64 {
    let server = app
        .raw
        .bbb
        .servers
        .iter()
        .find(|s| s.name == "bbb1")
        .unwrap();
    let ep = Endpoint::new(
        "bbb1",
        &url::Url::parse(&server.url).unwrap(),
        SecretString::from("test-secret-of-bbb1".to_owned()),
        server.checksum,
    );
    let created = bbb()
        .create(
            &ep,
            &CreateMeeting {
                meeting_id: "hallway-hack1".into(),
                name: "Someone else's hack1".into(),
                attendee_pw: Some("their-attendee-pw".into()),
                moderator_pw: Some("their-moderator-pw".into()),
                welcome: None,
                logout_url: None,
                record: false,
                auto_start_recording: false,
                allow_start_stop_recording: false,
                mute_on_start: false,
                meta: vec![],
                max_participants: None,
                expire_if_no_user_joined_minutes: None,
            },
        )
        .await
        .expect("the other client's create");
    created.create_time
}

async fn join_then_open(app: &crate::helpers::TestApp, slug: &str) -> (String, reqwest::Response) {
    let csrf = app.csrf().await;
    let r = app
        .post_form(&format!("/rooms/{slug}/join"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let url = location(&r);
    let page = open(&url).await;
    (url, page)
}

#[tokio::test]
async fn a_meeting_another_client_created_with_other_passwords_is_joined_by_role_and_create_time() {
    let app = spawn_app().await;
    let their_create_time = create_behind_hallways_back(&app).await;
    app.log_in_as_guest("Vera Viewer").await;

    let (url, page) = join_then_open(&app, "hack1").await;

    // BBB 3.0: role and the meeting's own createTime, no password.
    assert_eq!(param(&url, "role").as_deref(), Some("VIEWER"));
    assert_eq!(
        param(&url, "createTime"),
        Some(their_create_time.to_string())
    );
    assert_eq!(page.status(), 302, "BBB sends the browser to its client");
    reqwest::get(location(&page)).await.unwrap();
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    assert!(people_in(&ep, "hallway-hack1")
        .await
        .contains(&("Vera Viewer".into(), Role::Viewer)));
}

#[tokio::test]
async fn on_bbb_before_2_4_a_foreign_meeting_is_joined_with_the_passwords_it_reports() {
    let app = spawn_app_with_sims(None, |_| {}, |c| c.version = ServerVersion::V2_2).await;
    let their_create_time = create_behind_hallways_back(&app).await;
    app.log_in_as_guest("Paula Password").await;

    let (url, page) = join_then_open(&app, "hack1").await;

    assert_eq!(
        param(&url, "password").as_deref(),
        Some("their-attendee-pw")
    );
    assert_eq!(param(&url, "role"), None);
    assert_eq!(
        param(&url, "createTime"),
        Some(their_create_time.to_string())
    );
    assert_eq!(page.status(), 302);
    reqwest::get(location(&page)).await.unwrap();
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    assert!(people_in(&ep, "hallway-hack1")
        .await
        .contains(&("Paula Password".into(), Role::Viewer)));
}

#[tokio::test]
async fn a_meeting_ended_behind_hallways_back_is_created_again_after_one_extra_redirect() {
    let app = spawn_app().await;
    app.log_in_as_guest("Rita Return").await;
    let (first, _) = join_then_open(&app, "hack1").await;
    // Someone ends the meeting on BBB; it is gone before the next poll.
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    bbb().end(&ep, "hallway-hack1").await.unwrap();
    app.sims[0].advance_clock(std::time::Duration::from_secs(3600));

    // The next join is signed with the old createTime: BBB refuses it and sends the browser
    // back to hallway (errorRedirectUrl), which creates the meeting again and sends it in.
    let (stale, refused) = join_then_open(&app, "hack1").await;
    assert_eq!(param(&stale, "createTime"), param(&first, "createTime"));
    assert_eq!(refused.status(), 302);
    let back = location(&refused);
    assert!(
        back.starts_with(&format!("{}/rooms/hack1/return?", app.address)),
        "{back}"
    );
    assert!(back.contains("errors="), "{back}");
    let again = app.client.get(&back).send().await.unwrap();
    assert_eq!(
        again.status(),
        303,
        "{}",
        again.text().await.unwrap_or_default()
    );
    let fresh = location(&again);
    assert_ne!(param(&fresh, "createTime"), param(&first, "createTime"));
    let page = open(&fresh).await;
    assert_eq!(page.status(), 302, "the fresh join URL is accepted");
    assert!(
        location(&page).contains("/html5client/"),
        "{}",
        location(&page)
    );
}

#[tokio::test]
async fn a_return_link_from_another_user_or_a_forged_one_does_nothing() {
    let app = spawn_app().await;
    app.log_in_as_guest("Owner").await;
    let csrf = app.csrf().await;
    let r = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;
    let back = param(&location(&r), "errorRedirectUrl").expect("errorRedirectUrl on the join");
    let errors = "errors=%5B%7B%22key%22%3A%22mismatchCreateTimeParam%22%7D%5D";

    // Someone else's browser, with a copy of the link.
    let other = guest_client(&app.address, "Intruder").await;
    let r = other.get(format!("{back}&{errors}")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
    // A forged ticket.
    let r = app
        .client
        .get(format!(
            "{}/rooms/hack1/return?t=AAAA.BBBB&{errors}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Without errors, BBB's logout: back to the room's page.
    let r = app.client.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/rooms/hack1");
}

#[tokio::test]
async fn a_full_room_offers_its_stream_and_still_lets_moderators_in() {
    let app = spawn_app_with(None, |raw| {
        let hack1 = raw
            .rooms
            .iter_mut()
            .find(|r| r.slug.as_str() == "hack1")
            .unwrap();
        hack1.max_participants = Some(2);
        hack1.stream_url = Some("https://stream.example.org/hack1".into());
    })
    .await;
    app.log_in_as_guest("First").await;
    let (url, _) = join_then_open(&app, "hack1").await;
    let meeting = param(&url, "meetingID").unwrap();
    app.sims[0].add_user(&meeting, "Second", Role::Viewer, false, false, false);
    app.sims[0].add_user(&meeting, "Third", Role::Viewer, false, false, false);
    app.status_round().await;

    let late = guest_client(&app.address, "Late Guest").await;
    let csrf = csrf_of(&late, &app.address).await;
    let r = late
        .post(format!("{}/rooms/hack1/join", app.address))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("This room is full"), "{body}");
    assert!(
        body.contains("href=\"https://stream.example.org/hack1\""),
        "{body}"
    );

    app.log_in_as_admin().await;
    let csrf = app.csrf().await;
    let r = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let created = app.state.registry.get(&meeting).unwrap();
    assert!(created.create_time.is_some());
}

#[tokio::test]
async fn a_join_while_another_instance_creates_the_meeting_waits_then_offers_a_retry() {
    let app = spawn_app_with(None, |raw| raw.bbb.create_wait_secs = 1).await;
    // Another instance holds hack1's create lease (and never finishes).
    let now = hallway::db::to_db_time(app.clock.now());
    assert!(hallway::rooms::store::try_lease_create(
        &app.db,
        "hallway-hack1",
        "hack1",
        None,
        "bbb1",
        "the-other-instance",
        now,
        now + 600,
    )
    .await
    .unwrap());
    app.log_in_as_guest("Patient").await;
    let csrf = app.csrf().await;

    let r = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;

    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "3");
    let body = r.text().await.unwrap();
    assert!(body.contains("is being started right now"), "{body}");
    // The page retries by itself with a real join form (the session's CSRF token).
    assert!(body.contains("data-auto-retry"), "{body}");
    assert!(body.contains(&format!("value=\"{csrf}\"")), "{body}");
}

/// `"bbb1".parse_server()` for readable tests.
trait ParseServer {
    fn parse_server(&self) -> hallway::rooms::model::ServerName;
}

impl ParseServer for &str {
    fn parse_server(&self) -> hallway::rooms::model::ServerName {
        hallway::rooms::model::ServerName::parse(self).unwrap()
    }
}

#[tokio::test]
async fn a_join_to_a_live_meeting_makes_no_bbb_call() {
    let app = spawn_app().await;
    app.log_in_as_guest("Warm").await;
    let (first, _) = join_then_open(&app, "hack1").await;
    for sim in &app.sims {
        sim.reset_calls();
    }

    let csrf = app.csrf().await;
    let mut urls = Vec::new();
    for _ in 0..20 {
        let r = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;
        assert_eq!(r.status(), 303);
        urls.push(location(&r));
    }

    let calls: Vec<_> = app.sims.iter().map(|s| s.call_counts()).collect();
    assert!(
        calls.iter().all(|c| c.is_empty()),
        "warm joins called BBB: {calls:?}"
    );
    assert!(urls
        .iter()
        .all(|u| param(u, "createTime") == param(&first, "createTime")));
}

#[tokio::test]
async fn fifty_concurrent_joins_to_a_room_that_is_not_running_create_its_meeting_once() {
    let app = spawn_app().await;
    let names: Vec<String> = (0..50).map(|i| format!("Storm {i}")).collect();
    let guests =
        futures::future::join_all(names.iter().map(|n| guest_client(&app.address, n))).await;
    let csrfs = futures::future::join_all(guests.iter().map(|g| csrf_of(g, &app.address))).await;

    let answers = futures::future::join_all(guests.iter().zip(&csrfs).map(|(g, csrf)| {
        g.post(format!("{}/rooms/hack2/join", app.address))
            .form(&[("csrf", csrf.as_str())])
            .send()
    }))
    .await;

    let mut create_times = std::collections::HashSet::new();
    for a in answers {
        let a = a.unwrap();
        assert_eq!(a.status(), 303);
        create_times.insert(param(&location(&a), "createTime").unwrap());
    }
    // hack2 is pinned to bbb2.
    assert_eq!(app.sims[1].calls("create"), 1);
    assert_eq!(create_times.len(), 1);
    assert_eq!(app.sims[0].calls("create") + app.sims[2].calls("create"), 0);
}

#[tokio::test]
async fn on_bbb_2_6_a_stale_join_comes_back_through_the_joins_logout_url_and_gets_in() {
    let app = spawn_app_with_sims(None, |_| {}, |c| c.version = ServerVersion::V2_6).await;
    app.log_in_as_guest("Old Server").await;
    let (first, _) = join_then_open(&app, "hack1").await;
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    bbb().end(&ep, "hallway-hack1").await.unwrap();
    app.sims[0].advance_clock(std::time::Duration::from_secs(3600));

    let (_, refused) = join_then_open(&app, "hack1").await;

    // bbb-web 2.6 knows no errorRedirectUrl: it sends join errors to the join's logoutURL.
    assert_eq!(refused.status(), 302);
    let back = location(&refused);
    assert!(
        back.starts_with(&format!("{}/rooms/hack1/return?", app.address)),
        "{back}"
    );
    let again = app.client.get(&back).send().await.unwrap();
    assert_eq!(again.status(), 303);
    let fresh = location(&again);
    assert_ne!(param(&fresh, "createTime"), param(&first, "createTime"));
    assert_eq!(open(&fresh).await.status(), 302);
    assert_eq!(app.sims[0].calls("create"), 2);
}

#[tokio::test]
async fn a_sessions_meeting_is_ended_a_grace_period_after_the_session() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Listener").await;
    let (url, _) = join_then_open(&app, "refereed").await;
    let meeting = param(&url, "meetingID").unwrap();
    let session_end = app
        .state
        .schedule
        .get()
        .in_room_between("refereed", app.clock.now(), app.clock.now())
        .first()
        .map(|s| s.end)
        .expect("a running Refereed session");

    // Still running, and within the 15-minute grace: nothing ends.
    app.clock.set(session_end + chrono::Duration::minutes(14));
    assert_eq!(
        hallway::rooms::lifecycle::end_finished_once(&app.state)
            .await
            .unwrap(),
        0
    );
    app.clock.set(session_end + chrono::Duration::minutes(15));
    assert_eq!(
        hallway::rooms::lifecycle::end_finished_once(&app.state)
            .await
            .unwrap(),
        1
    );

    assert_eq!(app.sims[0].calls("end"), 1);
    assert!(app.state.registry.get(&meeting).is_none());
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    let info = bbb().get_meeting_info(&ep, &meeting).await;
    assert!(
        info.as_ref().map_or(true, |m| m.has_been_forcibly_ended),
        "{info:?}"
    );
}

#[tokio::test]
async fn a_poll_that_no_longer_lists_a_meeting_makes_the_next_join_create_it_directly() {
    let app = spawn_app().await;
    app.log_in_as_guest("Polly").await;
    let (first, _) = join_then_open(&app, "hack1").await;
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();
    bbb().end(&ep, "hallway-hack1").await.unwrap();
    app.sims[0].advance_clock(std::time::Duration::from_secs(3600));
    // The next poll, ten seconds later (a meeting created while a poll runs is not ended by it).
    app.clock.advance(chrono::Duration::seconds(10));

    app.status_round().await;

    assert!(app.state.registry.get("hallway-hack1").is_none());
    let (fresh, page) = join_then_open(&app, "hack1").await;
    assert_ne!(param(&fresh, "createTime"), param(&first, "createTime"));
    assert!(
        location(&page).contains("/html5client/"),
        "no detour through hallway"
    );
}

#[tokio::test]
async fn a_cli_import_beside_a_running_server_reaches_its_pages_through_the_change_mechanism() {
    let app = spawn_app().await;
    let sample = crate::helpers::sample_schedule_path();
    let out = app.cli(&["schedule", "import", sample.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |body: String| {
        serde_json::from_str::<Vec<serde_json::Value>>(&body)
            .unwrap()
            .len()
    };

    assert_eq!(
        count(app.get("/api/v1/schedule").await.1),
        0,
        "not yet seen"
    );
    app.refresh().await;
    assert_eq!(count(app.get("/api/v1/schedule").await.1), 270);
}

#[tokio::test]
async fn creates_carry_the_rooms_cap_plus_headroom_and_an_expiry_long_enough_for_a_storm() {
    let app = spawn_app_with(None, |raw| {
        let hack1 = raw
            .rooms
            .iter_mut()
            .find(|r| r.slug.as_str() == "hack1")
            .unwrap();
        hack1.max_participants = Some(40);
    })
    .await;
    app.log_in_as_guest("Early").await;
    let csrf = app.csrf().await;
    // The join is sent but nobody opens BBB's page: the meeting stays empty.
    let r = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let ep = app.state.endpoint(&"bbb1".parse_server()).unwrap().clone();

    let info = bbb().get_meeting_info(&ep, "hallway-hack1").await.unwrap();
    assert_eq!(
        info.max_users,
        40 + 10,
        "cap plus the default headroom of 10"
    );
    // BBB's default removes an empty meeting after 5 minutes; hallway asks for 30.
    app.sims[0].advance_clock(std::time::Duration::from_secs(29 * 60));
    assert!(bbb().get_meeting_info(&ep, "hallway-hack1").await.is_ok());
    app.sims[0].advance_clock(std::time::Duration::from_secs(2 * 60));
    assert!(bbb()
        .get_meeting_info(&ep, "hallway-hack1")
        .await
        .is_err_and(|e| e.is_not_found()));
}

#[tokio::test]
async fn join_on_the_next_talk_while_the_previous_one_runs_goes_to_the_next_talks_meeting() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let index = app.state.schedule.get();
    let now = app.clock.now();
    let refereed = index.in_room_between("refereed", now, now + chrono::Duration::hours(12));
    let (running, next) = refereed
        .windows(2)
        .map(|w| (w[0], w[1]))
        .find(|(a, b)| b.start - a.end < chrono::Duration::minutes(5))
        .expect("two Refereed talks less than five minutes apart");
    // Five minutes before the next talk: the previous one still runs, the next one's room is
    // open.
    app.clock.set(next.start - chrono::Duration::minutes(5));
    assert!(running.end > app.clock.now());
    app.log_in_as_guest("Punctual").await;
    let csrf = app.csrf().await;

    let by_button = app
        .post_form(
            "/rooms/refereed/join",
            &[("csrf", &csrf), ("session", &next.id.to_string())],
        )
        .await;
    let plain = app
        .post_form("/rooms/refereed/join", &[("csrf", &csrf)])
        .await;

    let id = |key: &str| {
        hallway::rooms::meeting::session_meeting_id(
            "hallway",
            app.state.rooms.get("refereed").unwrap(),
            key,
        )
    };
    assert_eq!(
        param(&location(&by_button), "meetingID"),
        Some(id(&next.key))
    );
    assert_eq!(
        param(&location(&plain), "meetingID"),
        Some(id(&running.key)),
        "without a session: the running talk"
    );
}
