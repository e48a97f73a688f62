//! The staff status page and its poller.

use hallway::bbb::Role;

use crate::helpers::{csrf_in, spawn_app, texts};

#[tokio::test]
async fn after_one_poll_the_status_page_lists_the_guest_in_the_room() {
    // Arrange: a guest is connected to the Refereed Track room.
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Jörg Rödel").await;
    let (_, now) = app.get("/").await;
    let r = app
        .post_form("/rooms/refereed/join", &[("csrf", &csrf_in(&now))])
        .await;
    let join_url = r.headers()["location"].to_str().unwrap().to_owned();
    let page = reqwest::get(&join_url).await.unwrap().text().await.unwrap();
    assert!(page.contains("You are in"));
    let admin = spawn_admin_client(&app).await;
    let before = admin
        .get(format!("{}/admin/status", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        before.contains("No poll has finished yet"),
        "test apps run no background poller"
    );

    // Act: two polls (a server is DOWN after status.down_after_failures = 2 failed polls).
    app.poller.poll_once().await;
    let report = app.poller.poll_once().await;
    let body = admin
        .get(format!("{}/admin/status", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Assert
    assert_eq!((report.up, report.down), (3, 0));
    let row = texts(&body, "tr[data-room=refereed]")
        .pop()
        .expect("refereed row");
    assert!(row.contains("RUNNING"), "{row}");
    assert!(row.contains("Jörg Rödel"), "{row}");
    assert!(row.contains("bbb1"), "{row}");
    let servers = texts(&body, "table.servers tbody tr");
    assert_eq!(servers.len(), 3);
    assert!(servers.iter().all(|s| s.contains("UP")), "{servers:?}");
}

#[tokio::test]
async fn a_server_that_is_down_shows_as_down_and_the_others_still_report() {
    // Arrange: bbb1 has one meeting with two people, bbb3 two meetings with one person each,
    // bbb2 is stopped.
    let app = spawn_app().await;
    let admin = spawn_admin_client(&app).await;
    let client = hallway::bbb::BbbClient::new(hallway::bbb::Timeouts::default()).unwrap();
    for (i, meetings, people) in [(0, 1, 2), (2, 2, 1)] {
        let sim = &app.sims[i];
        let name = format!("bbb{}", i + 1);
        let ep = hallway::bbb::Endpoint::new(
            name.clone(),
            &sim.base_url(),
            secrecy::SecretString::from(format!("test-secret-of-{name}")),
            hallway::bbb::ChecksumAlgorithm::Sha256,
        );
        for m in 0..meetings {
            let id = format!("outside-{name}-{m}");
            client
                .create(
                    &ep,
                    &hallway::bbb::CreateMeeting {
                        meeting_id: id.clone(),
                        name: format!("Meeting {m} on {name}"),
                        ..Default::default()
                    },
                )
                .await
                .expect("create on a healthy sim");
            for p in 0..people {
                sim.add_user(
                    &id,
                    &format!("Person {p}"),
                    Role::Viewer,
                    false,
                    false,
                    false,
                )
                .expect("user joins");
            }
        }
    }
    let mut sims = app.sims.into_iter();
    let (_bbb1, bbb2, _bbb3) = (sims.next(), sims.next().unwrap(), sims.next());
    bbb2.stop().await;

    // Act: two polls (a server is DOWN after status.down_after_failures = 2 failed polls).
    app.poller.poll_once().await;
    let report = app.poller.poll_once().await;
    let body = admin
        .get(format!("{}/admin/status", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Assert: server, health, meetings, people of every row (rooms pinned and poll time vary).
    assert_eq!((report.up, report.down), (2, 1));
    let rows: Vec<(String, String, String, String)> = server_rows(&body)
        .into_iter()
        .map(|r| (r[0].clone(), r[2].clone(), r[6].clone(), r[7].clone()))
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.0 == name)
            .unwrap_or_else(|| panic!("no {name} row: {rows:?}"))
            .clone()
    };
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        row("bbb1"),
        ("bbb1".into(), "UP".into(), "1".into(), "2".into())
    );
    assert_eq!(
        row("bbb3"),
        ("bbb3".into(), "UP".into(), "2".into(), "2".into())
    );
    let down = row("bbb2");
    assert!(down.1.starts_with("DOWN"), "{down:?}");
    assert_eq!((down.2.as_str(), down.3.as_str()), ("0", "0"), "{down:?}");
}

/// The cells of each row of the servers table.
fn server_rows(html: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let tr = scraper::Selector::parse("table.servers tbody tr").unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    doc.select(&tr)
        .map(|row| {
            row.select(&td)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_guest_cannot_open_the_status_page_and_an_anonymous_visitor_must_log_in() {
    let app = spawn_app().await;
    let (anon, _) = app.get("/admin/status").await;
    app.log_in_as_guest("Eve").await;

    let (guest, body) = app.get("/admin/status").await;

    assert_eq!(anon, 303);
    assert_eq!(guest, 403);
    assert!(body.contains("staff only"));
}

#[tokio::test]
async fn the_health_check_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok\n"));
}

/// A second browser, logged in as admin.
async fn spawn_admin_client(app: &crate::helpers::TestApp) -> reqwest::Client {
    crate::helpers::admin_link_client(app, &app.address, "Staff").await
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    let missing = app
        .client
        .get(format!("{}/no-such-page", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    for h in [r.headers(), missing.headers()] {
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
}

#[tokio::test]
async fn serving_over_https_without_a_session_key_is_refused_at_startup() {
    let mut raw = hallway::config::RawSettings::example().unwrap();
    let dir = tempfile::tempdir().unwrap();
    raw.database.url = format!("sqlite://{}", dir.path().join("k.db").display());
    raw.server.listen = "127.0.0.1:0".into();
    raw.server.public_url = Some("https://hallway.example.org/".into());
    raw.server.session_key = None;

    let err = hallway::app::Application::build(raw.parse().unwrap())
        .await
        .err()
        .expect("refused");

    assert!(
        err.to_string().contains("server.session_key must be set"),
        "{err}"
    );
}

#[tokio::test]
async fn monitoring_and_schedule_apps_may_use_head() {
    let app = spawn_app().await;
    for path in [
        "/healthz",
        "/",
        "/schedule.xml",
        "/schedule.json",
        "/api/v1/schedule",
    ] {
        let r = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "HEAD {path}");
    }
}
