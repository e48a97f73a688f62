//! Joining rooms: login, CSRF, access rules, and the signed redirect into BBB.

use crate::helpers::{attrs, csrf_in, pinned_now, spawn_app};

/// Follows a join redirect in a fresh client, as the browser would, and returns the final page.
async fn open_in_browser(url: &str) -> (reqwest::StatusCode, String, String) {
    let client = reqwest::Client::builder().build().unwrap();
    let r = client.get(url).send().await.expect("follow join URL");
    let final_url = r.url().to_string();
    let status = r.status();
    (status, final_url, r.text().await.unwrap())
}

#[tokio::test]
async fn a_guest_joins_a_running_session_and_lands_in_bbb_with_name_and_viewer_role() {
    // Arrange
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Jörg Rödel").await;
    let (_, now) = app.get("/").await;
    let actions = attrs(&now, "article.session form", "action");
    assert!(!actions.is_empty(), "running sessions have join buttons");
    let refereed = actions
        .iter()
        .find(|a| a.as_str() == "/rooms/refereed/join")
        .expect("refereed is running");

    // Act
    let r = app
        .post_form(refereed, &[("csrf", &csrf_in(&now)), ("next", "/")])
        .await;

    // Assert: a signed join URL on the room's pinned server (bbb1), with the user's name and role.
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(app.sims[0].base_url().as_str()),
        "{location}"
    );
    assert!(location.contains("/api/join?"), "{location}");
    assert!(
        location.contains("fullName=J%C3%B6rg+R%C3%B6del"),
        "{location}"
    );
    assert!(location.contains("role=VIEWER"), "{location}");
    assert!(location.contains("createTime="), "{location}");
    assert!(
        !location.contains("test-secret"),
        "the shared secret must never reach the browser"
    );
    let (status, final_url, page) = open_in_browser(&location).await;
    assert_eq!(status, 200, "{final_url}: {page}");
    // The meeting is the running session's own ("<room>: <session title>").
    assert!(page.contains("You are in Refereed Track: "), "{page}");
    assert!(page.contains("as Jörg Rödel (VIEWER)"), "{page}");
}

#[tokio::test]
async fn an_admin_joins_as_moderator_and_a_second_join_reuses_the_meeting() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_admin().await;
    let csrf = app.csrf().await;

    let first = app
        .post_form("/rooms/kernel-summit/join", &[("csrf", &csrf)])
        .await;
    let second = app
        .post_form("/rooms/kernel-summit/join", &[("csrf", &csrf)])
        .await;

    let loc1 = first.headers()["location"].to_str().unwrap().to_owned();
    let loc2 = second.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc1.contains("role=MODERATOR"));
    let create_time = |l: &str| {
        l.split("createTime=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        create_time(&loc1),
        create_time(&loc2),
        "the second create is a duplicate of the first"
    );
    let (_, _, page) = open_in_browser(&loc1).await;
    assert!(page.contains("as Test Organizer (MODERATOR)"), "{page}");
}

#[tokio::test]
async fn an_anonymous_visitor_is_sent_to_the_login_page_and_back() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let csrf = app.csrf().await;

    let r = app
        .post_form(
            "/rooms/refereed/join",
            &[("csrf", &csrf), ("next", "/sessions/1")],
        )
        .await;

    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fsessions%2F1");
}

#[tokio::test]
async fn a_join_without_a_valid_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Mallory").await;

    let forged = app
        .post_form("/rooms/refereed/join", &[("csrf", "forged")])
        .await;
    let missing = app
        .post_form("/rooms/refereed/join", &[("next", "/")])
        .await;

    assert_eq!(forged.status(), 403);
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn guests_may_enter_hackrooms_but_not_the_staff_room_or_closed_session_rooms() {
    let app = spawn_app().await;
    // The clock is pinned the day before the conference: no Refereed session is within its
    // ten minutes, whatever day the suite runs on.
    app.import_sample().await;
    assert_eq!(app.clock.now(), pinned_now());
    app.log_in_as_guest("Alice").await;
    let csrf = app.csrf().await;

    let hack = app.post_form("/rooms/hack1/join", &[("csrf", &csrf)]).await;
    let staff = app.post_form("/rooms/staff/join", &[("csrf", &csrf)]).await;
    let closed = app
        .post_form("/rooms/refereed/join", &[("csrf", &csrf)])
        .await;
    let unknown = app.post_form("/rooms/nope/join", &[("csrf", &csrf)]).await;

    assert_eq!(hack.status(), 303);
    assert_eq!(staff.status(), 403);
    // The next Refereed session starts on Tue 15 Sep at 09:00 Vienna time (07:00 UTC): the
    // room opens ten minutes before, shown in the visitor's zone (the conference's here).
    assert_eq!(closed.status(), 409);
    let closed = closed.text().await.unwrap();
    assert!(
        closed.contains("It opens at Tue 15 Sep, 08:50 (your time, Europe/Vienna; 06:50 UTC)"),
        "{closed}"
    );
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_dead_bbb_server_gives_a_friendly_503_without_internals() {
    let app = spawn_app().await;
    app.log_in_as_guest("Alice").await;
    let csrf = app.csrf().await;
    let sims = app.sims;
    // hack2 is pinned to bbb2: stop that simulator.
    let mut sims = sims.into_iter();
    let _bbb1 = sims.next();
    sims.next().unwrap().stop().await;

    let r = app
        .client
        .post(format!("{}/rooms/hack2/join", app.address))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "3");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("The video server for Hackroom 2 is not answering"),
        "{body}"
    );
    assert!(body.contains("try again in a minute"), "{body}");
    assert!(
        !body.contains("127.0.0.1"),
        "no internal addresses on the error page"
    );
}

#[tokio::test]
async fn guest_login_rejects_an_empty_name_and_keeps_the_form() {
    let app = spawn_app().await;
    let csrf = app.csrf().await;

    let r = app
        .post_form("/login/guest", &[("csrf", &csrf), ("name", "   ")])
        .await;

    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Please enter the name"));
}

#[tokio::test]
async fn an_admin_link_works_exactly_once() {
    let app = spawn_app().await;
    let token = hallway::auth::store::create_admin_token(
        &app.db,
        "Organizer",
        chrono::Duration::hours(1),
        app.clock.now(),
    )
    .await
    .unwrap();
    let (_, page) = app.get(&format!("/login/admin/{token}")).await;
    let csrf = csrf_in(&page);

    let first = app
        .post_form(&format!("/login/admin/{token}"), &[("csrf", &csrf)])
        .await;
    let second = app
        .post_form(&format!("/login/admin/{token}"), &[("csrf", &csrf)])
        .await;

    assert_eq!(first.status(), 303);
    assert_eq!(second.status(), 403);
}

#[tokio::test]
async fn the_admin_link_command_prints_a_working_link() {
    let app = spawn_app().await;
    // The CLI is another process and dates the link by the system clock: move the app's
    // clock there, so the link is checked at the instant it was made.
    app.clock.set(chrono::Utc::now());

    let out = app.cli(&["admin-link", "--name", "CLI Organizer"]);

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let url = line
        .strip_prefix("admin: ")
        .expect("line starts with 'admin: '");
    let path = &url[url.find("/login/admin/").expect("admin path")..];
    let (status, page) = app.get(path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Log in as CLI Organizer"));
}

#[tokio::test]
async fn admins_can_open_a_session_room_early_and_guests_wait_for_it() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    // A Refereed Track session starting more than an hour from now.
    let later = app.clock.now() + chrono::Duration::hours(1);
    let sessions: Vec<serde_json::Value> =
        serde_json::from_slice(&app.cli(&["schedule", "show", "--json"]).stdout).unwrap();
    let session = sessions
        .iter()
        .find(|s| {
            s["room"] == "Refereed Track"
                && chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap()
                    > later
        })
        .expect("a later session");
    let id = session["id"].as_i64().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(session["start"].as_str().unwrap()).unwrap();
    let page = format!("/sessions/{id}");

    app.log_in_as_guest("Alice").await;
    let (_, as_guest) = app.get(&page).await;
    app.log_in_as_admin().await;
    let (_, as_admin) = app.get(&page).await;

    assert!(attrs(&as_guest, "form[action='/rooms/refereed/join']", "action").is_empty());
    // The page names the minute the room opens (10 minutes before), in the visitor's zone:
    // this client has no zone, so the conference's (Europe/Vienna).
    let opens = (start - chrono::Duration::minutes(10))
        .with_timezone(&"Europe/Vienna".parse::<chrono_tz::Tz>().unwrap())
        .format("%H:%M (your time)")
        .to_string();
    let note = crate::helpers::texts(&as_guest, ".join-note").join(" ");
    assert!(
        note.starts_with("Video room: Opens at ") && note.contains(&opens),
        "{note} should say the room opens at {opens}"
    );
    assert_eq!(
        attrs(&as_admin, "form[action='/rooms/refereed/join']", "action").len(),
        1
    );
}

#[tokio::test]
async fn an_error_page_keeps_the_full_layout_with_the_visitor_and_the_conference() {
    let app = spawn_app().await;
    app.import_sample().await;
    app.log_in_as_guest("Alice Header").await;
    let csrf = app.csrf().await;

    let r = app.post_form("/rooms/staff/join", &[("csrf", &csrf)]).await;

    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("is open to the conference staff only"),
        "{body}"
    );
    // The header as on every page: who is logged in, and the conference's name.
    assert!(body.contains("Alice Header"), "{body}");
    assert!(
        body.contains("Hallway Plumbers Sample Conference 2026"),
        "{body}"
    );
    assert!(body.contains("action=\"/logout\""), "{body}");
}
