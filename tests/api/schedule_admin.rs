//! Re-imports with diffs, dry runs, the admin upload page, URL pulls and re-exports.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hallway::schedule::pull::PullOutcome;
use hallway_schedule::{parse_frab_xml, ParseOptions};

use crate::helpers::{csrf_in, sample_schedule_path, spawn_app, spawn_app_with, texts};

/// The sample conference with four edits: one talk retitled, one moved in time, one moved to
/// another room, one removed.
fn edited_sample() -> String {
    let xml = std::fs::read_to_string(sample_schedule_path()).unwrap();
    let xml = xml.replace(
        "<title>Keynote: Thirty years of plumbing</title>",
        "<title>Keynote: Thirty-one years of plumbing</title>",
    );
    // Event 1002 (Refereed Track, 09:45) moves to 10:00 local.
    let xml = xml.replacen(
        "<date>2026-09-15T09:45:00+02:00</date>\n        <start>09:45</start>",
        "<date>2026-09-15T10:00:00+02:00</date>\n        <start>10:00</start>",
        1,
    );
    let xml = xml.replacen(
        "<room>Networking &amp; BPF</room>",
        "<room>Toolchains</room>",
        1,
    );
    let start = xml.find("<event guid=\"a428ed77").map(|_| ()).is_some();
    assert!(start, "the sample still has event 1002");
    // Remove the last event of the file.
    let cut = xml.rfind("<event ").unwrap();
    let end = xml[cut..].find("</event>").unwrap() + cut + "</event>".len();
    format!("{}{}", &xml[..cut], &xml[end..])
}

fn write_temp(content: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
    std::fs::write(f.path(), content).unwrap();
    f
}

/// Facts about the sample conference, read off schedule/sample-conference.xml by hand (local
/// times there are Europe/Vienna, CEST = UTC+2 in September): guid, title, UTC start and end,
/// room, persons, for the first two events and the last one.
const SAMPLE_FACTS: [Fact; 3] = [
    Fact {
        guid: "e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6",
        title: "Keynote: Thirty years of plumbing",
        start: "2026-09-15T07:00:00Z", // 09:00 +02:00, 00:45
        end: "2026-09-15T07:45:00Z",
        room: "Refereed Track",
        persons: &["Sølvi Ångström"],
    },
    Fact {
        guid: "a428ed77-4dfc-54a6-aa1b-f12a5da4d156",
        title: "Ten years of kernel fuzzing: status and next steps",
        start: "2026-09-15T07:45:00Z", // 09:45 +02:00, 00:45
        end: "2026-09-15T08:30:00Z",
        room: "Refereed Track",
        persons: &["Jörn Haddad", "Ingrid Zieliński"],
    },
    Fact {
        guid: "2b04817b-d6e6-586d-b46a-6f5bdc832102",
        title: "EFI capsule updates — open questions",
        start: "2026-09-17T16:00:00Z", // 18:00 +02:00, 00:30
        end: "2026-09-17T16:30:00Z",
        room: "Microconference 3",
        persons: &["Şebnem Carvalho", "Piotr Lindqvist", "Noémie Marchetti"],
    },
];

/// One session of the sample as the file states it.
struct Fact {
    guid: &'static str,
    title: &'static str,
    start: &'static str,
    end: &'static str,
    room: &'static str,
    persons: &'static [&'static str],
}

/// The sample has 270 `<event>`s, 33 of them in the Refereed Track (`grep -c`).
const SAMPLE_SESSIONS: usize = 270;
const SAMPLE_REFEREED: usize = 33;

/// Checks normalized JSON sessions (`schedule show --json`, `/api/v1/schedule`) against the
/// facts above.
fn assert_sample_facts(sessions: &[serde_json::Value], what: &str) {
    assert_eq!(sessions.len(), SAMPLE_SESSIONS, "{what}: session count");
    assert_eq!(
        sessions
            .iter()
            .filter(|s| s["room"] == "Refereed Track")
            .count(),
        SAMPLE_REFEREED,
        "{what}: Refereed Track sessions"
    );
    for Fact {
        guid,
        title,
        start,
        end,
        room,
        persons,
    } in SAMPLE_FACTS
    {
        let s = sessions
            .iter()
            .find(|s| s["guid"] == guid)
            .unwrap_or_else(|| panic!("{what}: no session {guid}"));
        assert_eq!(
            (
                &s["title"],
                &s["start"],
                &s["end"],
                &s["room"],
                &s["persons"]
            ),
            (
                &serde_json::json!(title),
                &serde_json::json!(start),
                &serde_json::json!(end),
                &serde_json::json!(room),
                &serde_json::json!(persons)
            ),
            "{what}: session {guid}"
        );
    }
}

#[tokio::test]
async fn a_dry_run_prints_every_change_and_stores_nothing() {
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
    let edited = write_temp(&edited_sample());

    let out = app.cli(&[
        "schedule",
        "import",
        edited.path().to_str().unwrap(),
        "--dry-run",
    ]);

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("would import 269 sessions"), "{stdout}");
    assert!(
        stdout.contains("0 added, 1 removed, 1 moved in time, 1 moved room, 1 retitled"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "retitled: Keynote: Thirty years of plumbing -> Keynote: Thirty-one years of plumbing"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("moved in time: Ten years of kernel fuzzing: status and next steps: 2026-09-15 07:45 UTC -> 2026-09-15 08:00 UTC"), "{stdout}");
    assert!(
        stdout.contains("moved room: ") && stdout.contains("Networking & BPF -> Toolchains"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was stored"), "{stdout}");
    assert_eq!(before, app.cli(&["schedule", "show", "--json"]).stdout);
}

#[tokio::test]
async fn a_reimport_applies_the_diff_and_keeps_the_ids_of_moved_sessions() {
    let app = spawn_app().await;
    assert!(app
        .cli(&[
            "schedule",
            "import",
            sample_schedule_path().to_str().unwrap()
        ])
        .status
        .success());
    let id_of = |json: &[u8], title: &str| -> i64 {
        let v: Vec<serde_json::Value> = serde_json::from_slice(json).unwrap();
        v.iter()
            .find(|s| s["title"] == title)
            .map(|s| s["id"].as_i64().unwrap())
            .unwrap()
    };
    let before = app.cli(&["schedule", "show", "--json"]).stdout;
    let edited = write_temp(&edited_sample());

    let out = app.cli(&["schedule", "import", edited.path().to_str().unwrap()]);

    assert!(out.status.success());
    let after = app.cli(&["schedule", "show", "--json"]).stdout;
    assert_eq!(
        id_of(&before, "Keynote: Thirty years of plumbing"),
        id_of(&after, "Keynote: Thirty-one years of plumbing")
    );
    let sessions: Vec<serde_json::Value> = serde_json::from_slice(&after).unwrap();
    assert_eq!(sessions.len(), 269);
    let moved = sessions
        .iter()
        .find(|s| s["title"] == "Ten years of kernel fuzzing: status and next steps")
        .unwrap();
    assert_eq!(moved["start"], "2026-09-15T08:00:00Z");
}

#[tokio::test]
async fn schedule_rooms_without_a_video_room_are_reported() {
    let app = spawn_app_with(None, |raw| {
        raw.rooms.retain(|r| r.slug.as_str() != "toolchains");
    })
    .await;

    let out = app.cli(&[
        "schedule",
        "import",
        sample_schedule_path().to_str().unwrap(),
    ]);

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("schedule room 'Toolchains'"), "{stdout}");
    assert!(
        stdout.contains("is not mapped to a hallway room"),
        "{stdout}"
    );
    app.log_in_as_admin().await;
    let (_, page) = app.get("/admin/schedule").await;
    assert!(
        texts(&page, "ul.warnings li")
            .iter()
            .any(|t| t.starts_with("Toolchains (")),
        "{page}"
    );
}

async fn upload(
    app: &crate::helpers::TestApp,
    name: &str,
    bytes: Vec<u8>,
    action: &str,
) -> reqwest::Response {
    let (_, page) = app.get("/admin/schedule").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&page))
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        )
        .text("timezone", "")
        .text("action", action.to_owned());
    app.client
        .post(format!("{}/admin/schedule", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_previews_then_imports_an_upload_and_a_broken_upload_changes_nothing() {
    let app = spawn_app().await;
    app.log_in_as_admin().await;
    let sample = std::fs::read(sample_schedule_path()).unwrap();

    let preview = upload(&app, "sample.xml", sample.clone(), "preview").await;
    assert_eq!(preview.status(), 200);
    assert!(preview
        .text()
        .await
        .unwrap()
        .contains("Preview: would import 270 sessions"));
    assert_eq!(
        app.get("/api/v1/schedule").await.1,
        "[]",
        "a preview stores nothing"
    );

    let import = upload(&app, "sample.xml", sample, "import").await;
    assert_eq!(import.status(), 200);
    assert!(import
        .text()
        .await
        .unwrap()
        .contains("Imported 270 sessions"));
    let stored = app.get("/api/v1/schedule").await.1;

    let broken = upload(
        &app,
        "broken.xml",
        b"<schedule><conference>".to_vec(),
        "import",
    )
    .await;
    assert_eq!(broken.status(), 400);
    let body = broken.text().await.unwrap();
    assert!(body.contains("Refused"), "{body}");
    assert!(body.contains("broken.xml"), "{body}");
    assert_eq!(stored, app.get("/api/v1/schedule").await.1);
}

#[tokio::test]
async fn an_upload_over_the_size_limit_is_refused_while_reading() {
    let app = spawn_app_with(None, |raw| raw.schedule.max_bytes = 4096).await;
    app.log_in_as_admin().await;

    let r = upload(&app, "big.xml", vec![b' '; 100_000], "import").await;

    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("more than the limit of 4096 bytes"));
}

#[tokio::test]
async fn guests_cannot_reach_the_schedule_admin_page() {
    let app = spawn_app().await;
    app.log_in_as_guest("Eve").await;
    assert_eq!(app.get("/admin/schedule").await.0, 403);
}

/// A schedule server that honours ETags and counts full responses.
struct FakeExport {
    url: String,
    body: Arc<Mutex<(String, Vec<u8>)>>,
    full: Arc<AtomicUsize>,
}

async fn fake_export(etag: &str, body: Vec<u8>) -> FakeExport {
    let state = Arc::new(Mutex::new((etag.to_owned(), body)));
    let full = Arc::new(AtomicUsize::new(0));
    let (s2, f2) = (state.clone(), full.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let (s, f) = (s2.clone(), f2.clone());
        App::new().route(
            "/schedule.xml",
            web::get().to(move |req: HttpRequest| {
                let (s, f) = (s.clone(), f.clone());
                async move {
                    let (etag, body) = s.lock().unwrap().clone();
                    let quoted = format!("\"{etag}\"");
                    if req
                        .headers()
                        .get("if-none-match")
                        .and_then(|v| v.to_str().ok())
                        == Some(quoted.as_str())
                    {
                        return HttpResponse::NotModified().finish();
                    }
                    f.fetch_add(1, Ordering::SeqCst);
                    HttpResponse::Ok()
                        .insert_header(("etag", quoted))
                        .content_type("application/xml")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    FakeExport {
        url: format!("http://127.0.0.1:{port}/schedule.xml"),
        body: state,
        full,
    }
}

#[tokio::test]
async fn a_configured_url_is_pulled_with_etags_and_a_broken_export_keeps_the_old_schedule() {
    // Arrange
    let export = fake_export("v1", std::fs::read(sample_schedule_path()).unwrap()).await;
    let url = export.url.clone();
    let app = spawn_app_with(None, move |raw| raw.schedule.url = Some(url)).await;
    let puller = app.puller.clone().expect("a puller for schedule.url");

    // Act + Assert: the first pull imports everything (test apps run no pull loop of their
    // own), then a repeated pull is a cheap 304.
    assert_eq!(
        app.get("/api/v1/schedule").await.1,
        "[]",
        "nothing pulled before pull_once"
    );
    let first = puller.pull_once().await;
    assert!(
        matches!(&first, PullOutcome::Imported(s) if s.starts_with("270 added")),
        "{first:?}"
    );
    let show = app.cli(&["schedule", "show", "--json"]);
    assert_eq!(show.status.code(), Some(0));
    let pulled: Vec<serde_json::Value> = serde_json::from_slice(&show.stdout).unwrap();
    assert_sample_facts(&pulled, "after the first pull");
    let full_before = export.full.load(Ordering::SeqCst);
    assert_eq!(puller.pull_once().await, PullOutcome::NotModified);
    assert_eq!(
        export.full.load(Ordering::SeqCst),
        full_before,
        "an unchanged export is not sent again"
    );

    // A changed export is imported with its diff.
    *export.body.lock().unwrap() = ("v2".into(), edited_sample().into_bytes());
    assert!(
        matches!(puller.pull_once().await, PullOutcome::Imported(s) if s.contains("1 retitled"))
    );
    let good = app.get("/api/v1/schedule").await.1;

    // A broken export is reported and changes nothing.
    *export.body.lock().unwrap() = ("v3".into(), b"<schedule><day>".to_vec());
    assert!(matches!(puller.pull_once().await, PullOutcome::Failed(_)));
    assert_eq!(good, app.get("/api/v1/schedule").await.1);
    app.log_in_as_admin().await;
    let (_, page) = app.get("/admin/schedule").await;
    assert!(
        page.contains("FAILED"),
        "the admin page shows the failed pull"
    );
    assert!(page.contains("previous schedule stays live"));
}

#[tokio::test]
async fn the_frab_xml_export_reads_back_as_the_same_schedule() {
    let app = spawn_app().await;
    app.import_sample().await;

    let (status, xml) = app.get("/schedule.xml").await;

    assert_eq!(status, 200);
    let back = parse_frab_xml(xml.as_bytes(), &ParseOptions::default()).expect("our export parses");
    let original = parse_frab_xml(
        &std::fs::read(sample_schedule_path()).unwrap(),
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(back.conference.time_zone, original.conference.time_zone);
    let key = |s: &hallway_schedule::model::ParsedSession| {
        (
            s.title.clone(),
            s.start,
            s.end,
            s.room.clone(),
            s.persons.clone(),
            s.guid.clone(),
        )
    };
    let mut a: Vec<_> = back.sessions.iter().map(key).collect();
    let mut b: Vec<_> = original.sessions.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // The same parser reads both sides: check the export against facts written down here too.
    assert_eq!(back.conference.time_zone, Some(chrono_tz::Europe::Vienna));
    assert_eq!(back.sessions.len(), SAMPLE_SESSIONS);
    for Fact {
        guid,
        title,
        start,
        end,
        room,
        persons,
    } in SAMPLE_FACTS
    {
        let s = back
            .sessions
            .iter()
            .find(|s| s.guid.as_deref() == Some(guid))
            .unwrap_or_else(|| panic!("no session {guid} in the export"));
        assert_eq!(s.title, title);
        assert_eq!(
            s.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            start
        );
        assert_eq!(
            s.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            end
        );
        assert_eq!(s.room, room);
        assert_eq!(s.persons, persons);
    }
    // And the export's own words for the keynote: local wall-clock time with the zone's offset.
    assert!(
        xml.contains("<date>2026-09-15T09:00:00+02:00</date>"),
        "the keynote's local start"
    );
}

#[tokio::test]
async fn the_json_exports_carry_every_session() {
    let app = spawn_app().await;
    app.import_sample().await;

    let frab: serde_json::Value = serde_json::from_str(&app.get("/schedule.json").await.1).unwrap();
    let api: Vec<serde_json::Value> =
        serde_json::from_str(&app.get("/api/v1/schedule").await.1).unwrap();
    let cli: Vec<serde_json::Value> =
        serde_json::from_slice(&app.cli(&["schedule", "show", "--json"]).stdout).unwrap();

    // Both come from the same serializer: compare each with the facts, not with each other.
    assert_sample_facts(&api, "/api/v1/schedule");
    assert_sample_facts(&cli, "schedule show --json");
    let conf = &frab["schedule"]["conference"];
    assert_eq!(conf["time_zone_name"], "Europe/Vienna");
    assert_eq!(conf["daysCount"], 3);
    let events: usize = conf["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["rooms"].as_object().unwrap().values())
        .map(|v| v.as_array().unwrap().len())
        .sum();
    assert_eq!(events, 270);
    let first_rooms: Vec<&String> = conf["days"][0]["rooms"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        first_rooms[0], "Refereed Track",
        "rooms keep the configured order"
    );
}

#[tokio::test]
async fn concurrent_imports_run_one_after_the_other_and_both_succeed() {
    let app = spawn_app().await;
    let edited = write_temp(&edited_sample());
    let opts = hallway::schedule::import::ImportOptions::default();
    let sample = sample_schedule_path();

    let (a, b) = tokio::join!(
        hallway::schedule::import::import_file(&app.db, &sample, &opts),
        hallway::schedule::import::import_file(&app.db, edited.path(), &opts),
    );

    let (a, b) = (a.expect("first import"), b.expect("second import"));
    // Whichever ran second compared against the first one's result, not the empty start.
    assert_eq!(
        a.diff.added.len() + b.diff.added.len(),
        270,
        "{:?} / {:?}",
        a.diff.summary(),
        b.diff.summary()
    );
    app.refresh().await;
    let stored: Vec<serde_json::Value> =
        serde_json::from_str(&app.get("/api/v1/schedule").await.1).unwrap();
    assert!(stored.len() == 269 || stored.len() == 270);
}
