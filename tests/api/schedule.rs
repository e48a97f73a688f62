//! Schedule import from the command line and the attendee pages that show it.

use crate::helpers::{sample_schedule_path, spawn_app, texts};

#[tokio::test]
async fn importing_the_sample_schedule_stores_every_session_with_speakers() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let import = app.cli(&[
        "schedule",
        "import",
        sample_schedule_path().to_str().unwrap(),
    ]);
    let show = app.cli(&["schedule", "show", "--json"]);

    // Assert
    assert!(
        import.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&import.stderr)
    );
    let stdout = String::from_utf8_lossy(&import.stdout);
    assert!(
        stdout.contains("Hallway Plumbers Sample Conference 2026"),
        "{stdout}"
    );
    assert!(stdout.contains("Europe/Vienna"), "{stdout}");
    let sessions: Vec<serde_json::Value> =
        serde_json::from_slice(&show.stdout).expect("JSON array");
    assert_eq!(sessions.len(), 270, "the sample has 270 <event>s");
    let keynote = sessions
        .iter()
        .find(|s| s["title"] == "Keynote: Thirty years of plumbing")
        .expect("the keynote is stored");
    assert_eq!(keynote["start"], "2026-09-15T07:00:00Z");
    assert_eq!(keynote["end"], "2026-09-15T07:45:00Z");
    assert_eq!(keynote["room"], "Refereed Track");
    assert_eq!(keynote["guid"], "e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6");
    assert_eq!(keynote["persons"], serde_json::json!(["Sølvi Ångström"]));
    assert!(keynote["id"].as_i64().is_some());
    assert!(sessions
        .iter()
        .all(|s| !s["persons"].as_array().unwrap().is_empty()));
}

#[tokio::test]
async fn reimporting_the_same_schedule_keeps_session_ids() {
    let app = spawn_app().await;
    let path = sample_schedule_path();
    assert!(app
        .cli(&["schedule", "import", path.to_str().unwrap()])
        .status
        .success());
    let before = app.cli(&["schedule", "show", "--json"]).stdout;

    let again = app.cli(&["schedule", "import", path.to_str().unwrap()]);

    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains(
            "0 added, 0 removed, 0 moved in time, 0 moved room, 0 retitled, 0 otherwise changed"
        ),
        "{stdout}"
    );
    assert_eq!(before, app.cli(&["schedule", "show", "--json"]).stdout);
}

#[tokio::test]
async fn a_malformed_schedule_is_refused_with_its_line_and_the_previous_schedule_stays() {
    // Arrange: a good schedule is live.
    let app = spawn_app().await;
    assert!(app
        .cli(&[
            "schedule",
            "import",
            sample_schedule_path().to_str().unwrap()
        ])
        .status
        .success());
    let before = app.cli(&["schedule", "show", "--json"]).stdout;
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedules");

    for (file, expected) in [
        ("unclosed-title.xml", "line "),
        ("bad-duration.xml", "line 15"),
    ] {
        // Act
        let out = app.cli(&["schedule", "import", fixtures.join(file).to_str().unwrap()]);

        // Assert
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} should be refused");
        assert!(
            stderr.contains(file),
            "{file}: error should name the file: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{file}: error should name the position: {stderr}"
        );
        assert!(
            stderr.contains("previous schedule is still live"),
            "{stderr}"
        );
        assert_eq!(
            before,
            app.cli(&["schedule", "show", "--json"]).stdout,
            "{file} changed the schedule"
        );
    }
}

#[tokio::test]
async fn the_now_page_shows_running_sessions_in_utc_and_in_the_visitors_zone() {
    // Arrange
    let app = spawn_app().await;
    app.import_sample().await;
    let at = "2026-09-15T07:15:00Z";

    // Act
    let (denver_status, denver) = app.get(&format!("/?at={at}&tz=America/Denver")).await;
    let (kolkata_status, kolkata) = app.get(&format!("/?at={at}&tz=Asia/Kolkata")).await;

    // Assert
    assert_eq!(
        (denver_status.as_u16(), kolkata_status.as_u16()),
        (200, 200)
    );
    let titles = texts(&denver, "article.session .title");
    assert!(
        titles.len() >= 6,
        "at least six parallel sessions: {titles:?}"
    );
    assert!(
        titles.contains(&"Keynote: Thirty years of plumbing".to_string()),
        "{titles:?}"
    );
    let keynote_times = |html: &str| {
        texts(html, "article.session")
            .into_iter()
            .find(|t| t.contains("Keynote: Thirty years of plumbing"))
            .expect("keynote cell")
    };
    let d = keynote_times(&denver);
    assert!(d.contains("07:00–07:45 UTC"), "{d}");
    assert!(d.contains("01:00–01:45 MDT"), "{d}");
    let k = keynote_times(&kolkata);
    assert!(k.contains("07:00–07:45 UTC"), "{k}");
    assert!(k.contains("12:30–13:15 IST"), "{k}");
    // The page's own instant carries both clocks too (the grid's slot labels are gone: the
    // now page is a list per room).
    assert_eq!(texts(&kolkata, "h1"), ["At: Tue 15 Sep 2026, 07:15 UTC"]);
    assert_eq!(
        texts(&kolkata, ".now-head .local"),
        ["Your time: Tue 15 Sep 2026, 12:45 IST"]
    );
    // A visitor whose zone is unknown (fresh browser, no cookie) sees conference time.
    let plain = reqwest::get(format!("{}/?at={at}", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(keynote_times(&plain).contains("09:00–09:45 CEST"));
}

#[tokio::test]
async fn a_zone_chosen_with_tz_is_remembered_for_later_pages() {
    let app = spawn_app().await;
    app.import_sample().await;
    app.get("/?tz=Asia/Tokyo").await;

    let (_, body) = app.get("/?at=2026-09-15T07:15:00Z").await;

    assert!(
        body.contains("16:00–16:45 JST"),
        "the cookie should carry Asia/Tokyo"
    );
}

#[tokio::test]
async fn the_session_page_shows_both_times_and_a_sanitised_abstract() {
    let app = spawn_app().await;
    app.import_sample().await;
    // Event 1018 carries `<script>alert('hallway')</script>` in its abstract. In the file:
    // 2026-09-15T13:30:00+02:00 for 01:00, i.e. 11:30–12:30 UTC; Denver keeps MDT (UTC−6)
    // until November: 05:30–06:30 MDT; Vienna (the conference) is CEST: 13:30–14:30.
    let (_, grid) = app.get("/?at=2026-09-15T11:45:00Z&tz=America/Denver").await;
    let titles = texts(&grid, "article.session .title");
    let links = crate::helpers::attrs(&grid, "article.session .title", "href");
    let link = titles
        .iter()
        .zip(&links)
        .find(|(t, _)| t.as_str() == "BoF: Documentation review — a discussion")
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| panic!("the BoF runs at 11:45 UTC: {titles:?}"));

    let (status, page) = app.get(&link).await;

    assert_eq!(status, 200);
    let when = texts(&page, "dd");
    assert_eq!(
        when[..3],
        [
            "Tue 15 Sep 2026, 11:30 UTC · 11:30–12:30 UTC",
            "Tue 15 Sep 2026, 05:30 MDT · 05:30–06:30 MDT",
            "Tue 15 Sep 2026, 13:30 CEST",
        ],
        "UTC, the visitor's zone, then conference time (Denver differs from Vienna)"
    );
    assert!(page.contains("Conference time"));
    let abstract_text = texts(&page, "section.abstract").join(" ");
    assert!(
        abstract_text.contains("Bring your use cases"),
        "this is the session with the hostile abstract: {abstract_text}"
    );
    assert!(
        !page.to_lowercase().contains("<script>alert"),
        "abstract HTML must be sanitised"
    );
}

#[tokio::test]
async fn no_session_abstract_can_inject_a_script() {
    let app = spawn_app().await;
    app.import_sample().await;
    let out = app.cli(&["schedule", "show", "--json"]);
    let sessions: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for s in &sessions {
        let (status, page) = app.get(&format!("/sessions/{}", s["id"])).await;
        assert_eq!(status, 200);
        let body = page.split("<main>").nth(1).unwrap_or_default();
        assert!(
            !body.contains("<script"),
            "session {} renders a script tag",
            s["id"]
        );
    }
}

#[tokio::test]
async fn unknown_sessions_and_pages_answer_404_with_the_error_page() {
    let app = spawn_app().await;
    for path in ["/sessions/999999", "/sessions/nope", "/no/such/page"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Not found"), "{path}");
    }
    let (status, body) = app.get("/?at=yesterday").await;
    assert_eq!(status, 400);
    assert!(body.contains("RFC 3339"));
}

#[tokio::test]
async fn an_empty_window_points_to_the_next_session() {
    let app = spawn_app().await;
    app.import_sample().await;

    // Two weeks before the conference, on the app's own clock (no ?at=): the next session is
    // the opening keynote (event 1001, 2026-09-15 09:00 Vienna = 07:00 UTC, the first in the
    // file and the lowest id at 07:00).
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-09-01T00:00:00Z")
            .unwrap()
            .into(),
    );
    let (_, body) = app.get("/").await;

    assert!(body.contains("Nothing is scheduled in the next hours"));
    assert_eq!(texts(&body, "h1"), ["Now: Tue 1 Sep 2026, 00:00 UTC"]);
    let next = texts(&body, "section.empty p").join(" | ");
    assert!(
        next.contains("Next: Keynote: Thirty years of plumbing"),
        "{next}"
    );
    assert!(
        next.contains("Tue 15 Sep 2026, 07:00 UTC · Tue 15 Sep 2026, 09:00 CEST"),
        "{next}"
    );
}

/// The real exports in ../shared, through the command line: format detected, sessions counted.
#[tokio::test]
async fn every_real_export_imports_through_the_command_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/schedules");
    if !dir.exists() {
        crate::helpers::skip("../shared", &format!("{} is missing", dir.display()));
        return;
    }
    let app = spawn_app().await;
    for (file, extra, format, sessions) in [
        ("frab_31c3-2014_schedule.xml", None, "frab XML", 138),
        (
            "pentabarf_fosdem-2021_schedule.xml",
            Some("Europe/Brussels"),
            "frab XML",
            773,
        ),
        ("voc-merged_36c3-2019_schedule.xml", None, "frab XML", 1351),
        ("frab_camp2019_schedule.json", None, "frab/pretalx JSON", 79),
        (
            "pretalx_rc3-channels-2020_schedule.json",
            None,
            "frab/pretalx JSON",
            48,
        ),
        (
            "pretalx-generated_democon-dst_schedule.xml",
            None,
            "frab XML",
            36,
        ),
        (
            "pretalx-generated_democon-dst_schedule.json",
            None,
            "frab/pretalx JSON",
            36,
        ),
        (
            "pretalx-generated_democon-dst_schedule.ics",
            None,
            "iCalendar",
            36,
        ),
        (
            "indico_chep2009_timetable.json",
            None,
            "Indico timetable JSON",
            530,
        ),
        (
            "indico_xdc2021_event-contributions.json",
            None,
            "Indico event JSON",
            37,
        ),
    ] {
        let path = dir.join(file);
        let mut args = vec!["schedule", "import", path.to_str().unwrap()];
        if let Some(zone) = extra {
            args.extend(["--timezone", zone]);
        }
        let out = app.cli(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.starts_with(&format!("imported {sessions} sessions")),
            "{file}: {stdout}"
        );
        assert!(stdout.contains(format), "{file}: {stdout}");
    }
    // FOSDEM 2021 names no zone and writes only local times: refused with a way out.
    let fosdem = dir.join("pentabarf_fosdem-2021_schedule.xml");
    let out = app.cli(&["schedule", "import", fosdem.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--timezone"));
}
