//! The public exports and what every response shares: frab XML and JSON checked against the
//! c3voc schemas, iCalendar checked with a parser, compression, caching, favicon and robots.txt.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{Duration, TimeZone, Utc};
use hallway::schedule::import::{self, ImportOptions};
use icalendar::{Component, EventLike};
use reqwest::header::{HeaderMap, ACCEPT_ENCODING};

use crate::helpers::{csrf_in, skip, spawn_app, TestApp};

/// `../shared/fixtures/schedules` beside the checkout, or `None` after reporting the skip.
fn shared_schedules() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/schedules");
    if dir.join("schema").is_dir() {
        Some(dir)
    } else {
        skip("../shared", &format!("{} is missing", dir.display()));
        None
    }
}

/// Imports `bytes` as the live schedule.
async fn import(app: &TestApp, bytes: &[u8], name: &str, zone: Option<chrono_tz::Tz>) {
    let opts = ImportOptions {
        fallback_time_zone: zone,
        ..ImportOptions::default()
    };
    import::import_bytes(&app.db, bytes, name, &opts, Some(&app.state.rooms))
        .await
        .unwrap_or_else(|e| panic!("{name} imports: {e}"));
    app.refresh().await;
}

/// A GET with extra headers: status, headers and the raw (undecoded) body.
async fn get_raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (reqwest::StatusCode, HeaderMap, Vec<u8>) {
    let mut r = app.client.get(format!("{}{path}", app.address));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.expect("GET");
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.expect("body").to_vec())
}

fn header<'h>(h: &'h HeaderMap, name: &str) -> &'h str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

/// The sample conference, the DemoCon fixture (DST change) and the 36C3 fixture (e-mail
/// addresses and HTML in descriptions), each imported in turn; `check` sees each export.
async fn for_each_schedule(dir: &Path, path: &str, mut check: impl FnMut(&str, &str, &Path)) {
    let app = spawn_app().await;
    let sources = [
        crate::helpers::sample_schedule_path(),
        dir.join("pretalx-generated_democon-dst_schedule.xml"),
        dir.join("voc-merged_36c3-2019_schedule.xml"),
    ];
    for source in sources {
        let bytes = std::fs::read(&source).expect("read schedule");
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        import(&app, &bytes, &name, None).await;
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path} of {name}");
        check(&name, &body, dir);
    }
}

/// Runs `xmllint --schema` on `xml`: `Ok` or its complaints.
fn xmllint(xsd: &Path, xml: &str) -> Result<(), String> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file.path())
        .output()
        .expect("run xmllint");
    if out.status.success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&out.stderr);
        Err(text.lines().take(10).collect::<Vec<_>>().join("\n"))
    }
}

#[tokio::test]
async fn the_xml_export_validates_against_the_c3voc_schema() {
    let Some(dir) = shared_schedules() else {
        return;
    };
    if std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("xmllint", "xmllint (Debian libxml2-utils) is not installed");
        return;
    }
    let xsd = dir.join("schema/schedule.xml.xsd");
    let mut checked = 0;
    for_each_schedule(&dir, "/schedule.xml", |name, xml, _| {
        if let Err(e) = xmllint(&xsd, xml) {
            panic!("/schedule.xml of {name} is not valid:\n{e}");
        }
        checked += 1;
        // The validator is not a rubber stamp: a guid that is no UUID fails.
        let first_guid = xml.split("<event guid=\"").nth(1).unwrap();
        let first_guid = &first_guid[..36];
        let broken = xml.replacen(first_guid, "not-a-uuid", 1);
        assert!(
            xmllint(&xsd, &broken).is_err(),
            "xmllint accepted a broken guid"
        );
    })
    .await;
    assert_eq!(checked, 3);
}

#[tokio::test]
async fn the_json_export_validates_against_the_c3voc_schema_with_no_errors() {
    let Some(dir) = shared_schedules() else {
        return;
    };
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("schema/schedule.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the c3voc schema compiles");
    let mut checked = 0;
    for_each_schedule(&dir, "/schedule.json", |name, body, _| {
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "/schedule.json of {name}: {} errors, first: {:#?}",
            errors.len(),
            &errors[..errors.len().min(5)]
        );
        checked += 1;
        // Persons as they were before (a name only) fail the schema, as the issue measured.
        let mut old = json.clone();
        let day = &mut old["schedule"]["conference"]["days"][0]["rooms"];
        let first_room = day.as_object_mut().unwrap().values_mut().next().unwrap();
        first_room[0]["persons"] = serde_json::json!([{"public_name": "Name Only"}]);
        assert!(
            validator.iter_errors(&old).count() > 0,
            "{name}: a person without an id passed"
        );
    })
    .await;
    assert_eq!(checked, 3);
}

/// Every `(public_name, id, guid)` of the JSON export.
fn persons(json: &serde_json::Value) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    for day in json["schedule"]["conference"]["days"].as_array().unwrap() {
        for events in day["rooms"].as_object().unwrap().values() {
            for e in events.as_array().unwrap() {
                for p in e["persons"].as_array().unwrap() {
                    out.push((
                        p["public_name"].as_str().unwrap().to_owned(),
                        p["id"].as_i64().unwrap(),
                        p["guid"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn speakers_keep_their_ids_across_sessions_reimports_and_instances() {
    let (a, b) = (spawn_app().await, spawn_app().await);
    a.import_sample().await;
    // The second instance sees the sample shifted to another week: other sessions, times and
    // row ids, the same people.
    b.import_sample_running_now().await;

    let of = |body: String| persons(&serde_json::from_str(&body).unwrap());
    let in_a = of(a.get("/schedule.json").await.1);
    let in_b = of(b.get("/schedule.json").await.1);
    a.import_sample().await;
    let again = of(a.get("/schedule.json").await.1);

    let by_name = |list: &[(String, i64, String)]| -> BTreeMap<String, (i64, String)> {
        let mut map = BTreeMap::new();
        for (name, id, guid) in list {
            let previous = map.insert(name.clone(), (*id, guid.clone()));
            assert!(
                previous.is_none_or(|p| p == (*id, guid.clone())),
                "{name} has two ids in one export"
            );
        }
        map
    };
    let (ma, mb) = (by_name(&in_a), by_name(&in_b));
    assert!(ma.len() > 100, "{} speakers", ma.len());
    assert_eq!(
        ma, mb,
        "the same speakers, ids and guids on another instance"
    );
    assert_eq!(ma, by_name(&again), "and after a re-import");
    let ids: HashSet<i64> = ma.values().map(|v| v.0).collect();
    assert_eq!(ids.len(), ma.len(), "no two speakers share an id");
    // The XML export names the same ids.
    let xml = a.get("/schedule.xml").await.1;
    let (id, guid) = &ma["Sølvi Ångström"];
    assert!(
        xml.contains(&format!(
            "<person id=\"{id}\" guid=\"{guid}\">Sølvi Ångström</person>"
        )),
        "the XML export names Sølvi Ångström with id {id}"
    );
}

/// A schedule with hostile links and addresses in one session.
const HOSTILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <version>1</version>
  <conference><title>Hostile</title><acronym>hostile</acronym><time_zone_name>Europe/Vienna</time_zone_name></conference>
  <day index="1" date="2026-09-15" start="2026-09-15T09:00:00+02:00" end="2026-09-15T10:00:00+02:00">
    <room name="Refereed Track">
      <event guid="0b8c57a4-3a4b-4a8e-9b43-0c2b1d7f6a11" id="1">
        <date>2026-09-15T09:00:00+02:00</date>
        <start>09:00</start>
        <duration>00:45</duration>
        <room>Refereed Track</room>
        <url>javascript:alert(document.cookie)</url>
        <title>Write to organizer@hostile.example for slides</title>
        <track>Evil, Inc.</track>
        <type>Talk</type>
        <abstract>&lt;p&gt;Click &lt;a href="javascript:alert(1)"&gt;here&lt;/a&gt; or &lt;a href="mailto:speaker@hostile.example"&gt;mail me&lt;/a&gt;.&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;</abstract>
        <description>Questions: speaker@hostile.example, or @speaker@social.example on Mastodon.</description>
        <persons><person id="1">carol@hostile.example</person></persons>
      </event>
    </room>
  </day>
</schedule>
"#;

#[tokio::test]
async fn exports_carry_no_script_links_and_no_e_mail_addresses() {
    let app = spawn_app().await;
    import(&app, HOSTILE.as_bytes(), "hostile.xml", None).await;
    let id = app.state.schedule.get().all()[0].id;

    for path in [
        "/schedule.xml".to_owned(),
        "/schedule.json".to_owned(),
        "/api/v1/schedule".to_owned(),
        "/schedule.ics".to_owned(),
        format!("/sessions/{id}.ics"),
        "/tracks/evil-inc.ics".to_owned(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        // Unfolded, so that no address hides across a folded line.
        let body = body.replace("\r\n ", "");
        let lower = body.to_lowercase();
        for bad in [
            "javascript:",
            "mailto:",
            "<script",
            "speaker@hostile.example",
            "organizer@hostile.example",
            "carol@hostile.example",
        ] {
            assert!(!lower.contains(bad), "{path} republishes {bad:?}:\n{body}");
        }
        assert!(
            body.contains("(e-mail address removed)"),
            "{path} says where an address was:\n{body}"
        );
        if path == "/schedule.xml" || path == "/schedule.json" {
            // (The others carry no descriptions: hallway's JSON none, iCalendar the abstract.)
            assert!(
                body.contains("@speaker@social.example"),
                "{path} keeps the fediverse handle"
            );
        }
    }
    // The session's own link points at hallway, not at the script.
    let xml = app.get("/schedule.xml").await.1;
    assert!(
        xml.contains(&format!("<url>{}/sessions/{id}</url>", app.address)),
        "{xml}"
    );
    assert!(!xml.contains("<origin_url>"), "{xml}");
}

#[tokio::test]
async fn real_exports_republish_no_e_mail_addresses() {
    let Some(dir) = shared_schedules() else {
        return;
    };
    let app = spawn_app().await;
    let bytes = std::fs::read(dir.join("voc-merged_36c3-2019_schedule.xml")).unwrap();
    // Addresses found in the fixture's descriptions with grep.
    let addresses = [
        "contact@curtisanne.rocks",
        "kochradio@gmx.de",
        "mls@ct.de",
        "c3blind@nwng.eu",
        "oeffentlich@erlangen.ccc.de",
    ];
    let source = String::from_utf8_lossy(&bytes);
    for a in addresses {
        assert!(source.contains(a), "the fixture has {a}");
    }
    import(&app, &bytes, "36c3.xml", None).await;
    for path in ["/schedule.xml", "/schedule.json", "/schedule.ics"] {
        let body = app.get(path).await.1.replace("\r\n ", "");
        for a in addresses {
            assert!(!body.contains(a), "{path} republishes {a}");
        }
        if path != "/schedule.ics" {
            // (A description's handle; the calendar carries that session's abstract.)
            assert!(body.contains("@DK6TM@chaos.social"), "{path} keeps handles");
        }
    }
}

/// The parsed VEVENTs of an iCalendar body, after checking the file parses as a whole.
fn events(ics: &str) -> Vec<icalendar::Event> {
    icalendar::parser::read_calendar(&icalendar::parser::unfold(ics))
        .unwrap_or_else(|e| panic!("the calendar does not parse: {e}"));
    let cal = icalendar::Calendar::from_str(ics).expect("a calendar");
    assert_eq!(cal.property_value("VERSION"), Some("2.0"));
    cal.events().cloned().collect()
}

fn utc(e: &icalendar::Event, key: &str) -> String {
    e.property_value(key)
        .unwrap_or_else(|| panic!("{key} missing"))
        .to_owned()
}

#[tokio::test]
async fn the_calendars_parse_with_one_event_per_session_at_the_right_instants() {
    let app = spawn_app().await;
    app.import_sample().await;
    let index = app.state.schedule.get();
    let host = "127.0.0.1";

    let (status, all) = app.get("/schedule.ics").await;
    assert_eq!(status, 200);
    let all_events = events(&all);
    assert_eq!(all_events.len(), 270, "one VEVENT per session");
    let uids: HashSet<&str> = all_events.iter().map(|e| e.get_uid().unwrap()).collect();
    assert_eq!(uids.len(), 270, "UIDs are unique");
    for e in &all_events {
        assert!(utc(e, "DTSTART").ends_with('Z'), "UTC start");
        assert!(utc(e, "DTEND").ends_with('Z'), "UTC end");
        assert!(e.get_timestamp().is_some(), "DTSTAMP");
        assert!(e.get_summary().is_some_and(|s| !s.is_empty()), "SUMMARY");
        assert!(e.get_location().is_some_and(|s| !s.is_empty()), "LOCATION");
        assert!(e.get_description().is_some(), "DESCRIPTION");
    }
    for line in all.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
    }

    // Two sessions checked by hand in schedule/sample-conference.xml: the keynote,
    // 2026-09-15T09:00+02:00 for 45 minutes, and the last session, 2026-09-17T18:00+02:00 for
    // 30 minutes.
    for (guid, title, start, end, location) in [
        (
            "e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6",
            "Keynote: Thirty years of plumbing",
            "20260915T070000Z",
            "20260915T074500Z",
            "Refereed Track",
        ),
        (
            "2b04817b-d6e6-586d-b46a-6f5bdc832102",
            "EFI capsule updates — open questions",
            "20260917T160000Z",
            "20260917T163000Z",
            "Microconference 3",
        ),
    ] {
        let uid = format!("{guid}@{host}");
        let e = all_events
            .iter()
            .find(|e| e.get_uid() == Some(uid.as_str()))
            .unwrap_or_else(|| panic!("no VEVENT {uid}"));
        assert_eq!(e.get_summary(), Some(title));
        assert_eq!(utc(e, "DTSTART"), start, "{title}");
        assert_eq!(utc(e, "DTEND"), end, "{title}");
        assert_eq!(e.get_location(), Some(location), "{title}");
        let s = index
            .all()
            .iter()
            .find(|s| s.guid.as_deref() == Some(guid))
            .unwrap();
        let page = format!("{}/sessions/{}", app.address, s.id);
        assert_eq!(e.get_url(), Some(page.as_str()), "URL back to the session");
        let description = e.get_description().unwrap();
        assert!(
            description.starts_with(s.abstract_text.as_deref().unwrap()),
            "{description}"
        );
        assert!(description.ends_with(&page), "{description}");

        // The session's own file: the same event.
        let (status, one) = app.get(&format!("/sessions/{}.ics", s.id)).await;
        assert_eq!(status, 200);
        let one = events(&one);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].get_uid(), Some(uid.as_str()));
        assert_eq!(utc(&one[0], "DTSTART"), start);
    }

    // One track: "Embedded Boot Loaders" has 9 sessions in the sample (grep -c).
    let (status, track) = app.get("/tracks/embedded-boot-loaders.ics").await;
    assert_eq!(status, 200);
    let track = events(&track);
    assert_eq!(track.len(), 9);
    assert!(track
        .iter()
        .all(|e| e.get_categories() == Some(vec!["Embedded Boot Loaders".to_owned()])));
    // "Networking & BPF": 33 sessions, slug without the ampersand.
    let (_, net) = app.get("/tracks/networking-bpf.ics").await;
    assert_eq!(events(&net).len(), 33);

    // The same file twice is byte for byte the same (stable UIDs and DTSTAMP).
    assert_eq!(all, app.get("/schedule.ics").await.1);
}

#[tokio::test]
async fn unknown_tracks_and_sessions_get_the_not_found_page() {
    let app = spawn_app().await;
    app.import_sample().await;
    for path in [
        "/tracks/no-such-track.ics",
        "/sessions/999999.ics",
        "/sessions/abc.ics",
        "/sessions/.ics",
    ] {
        let (status, headers, body) = get_raw(&app, path, &[]).await;
        assert_eq!(status, 404, "{path}");
        assert!(header(&headers, "content-type").starts_with("text/html"));
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("Not found"), "{path}: {body}");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_asks() {
    let app = spawn_app().await;
    app.import_sample().await;
    let id = app.state.schedule.get().all()[0].id;
    // Once, so the session cookie exists and the pages' CSRF token stays the same.
    app.get("/").await;

    let mut sizes = Vec::new();
    for (path, kind) in [
        ("/".to_owned(), "text/html"),
        ("/static/hallway.css".to_owned(), "text/css"),
        ("/schedule.json".to_owned(), "application/json"),
        ("/schedule.xml".to_owned(), "application/xml"),
        ("/schedule.ics".to_owned(), "text/calendar"),
        (format!("/sessions/{id}.ics"), "text/calendar"),
        (format!("/sessions/{id}"), "text/html"),
    ] {
        let (status, h, plain) = get_raw(&app, &path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(header(&h, "content-type").starts_with(kind), "{path}");
        assert_eq!(header(&h, "content-encoding"), "", "{path} unasked");

        let (_, h, gz) = get_raw(&app, &path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(header(&h, "content-encoding"), "gzip", "{path}");
        assert!(
            header(&h, "vary")
                .to_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
        assert_eq!(gunzip(&gz), plain, "{path}: gzip decodes to the plain body");

        let (_, h, br) = get_raw(&app, &path, &[("accept-encoding", "br")]).await;
        assert_eq!(header(&h, "content-encoding"), "br", "{path}");
        assert_eq!(
            unbrotli(&br),
            plain,
            "{path}: brotli decodes to the plain body"
        );

        sizes.push((path, plain.len(), gz.len(), br.len()));
    }
    for (path, plain, gz, br) in &sizes {
        eprintln!("{path}: {plain} bytes plain, {gz} gzip, {br} brotli");
    }
    let (_, plain, gz, br) = sizes.iter().find(|s| s.0 == "/schedule.xml").unwrap();
    assert!(gz * 5 < *plain, "gzip makes /schedule.xml far smaller");
    assert!(br * 5 < *plain, "brotli makes /schedule.xml far smaller");

    // The favicon is already compressed (PNG inside): sent as it is.
    let (_, h, _) = get_raw(&app, "/favicon.ico", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&h, "content-encoding"), "");
}

#[tokio::test]
async fn redirects_stay_empty_and_uncompressed() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    app.log_in_as_guest("Jörg Rödel").await;
    let (_, now) = app.get("/").await;

    let r = app
        .client
        .post(format!("{}/rooms/refereed/join", app.address))
        .header(ACCEPT_ENCODING, "gzip, br")
        .form(&[("csrf", csrf_in(&now).as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/api/join?"), "{location}");
    assert!(r.headers().get("content-encoding").is_none());
    assert!(r.bytes().await.unwrap().is_empty(), "a 303 has no body");
}

#[tokio::test]
async fn exports_are_cacheable_and_answer_if_none_match_with_304() {
    let app = spawn_app().await;
    app.import_sample().await;
    let id = app.state.schedule.get().all()[0].id;

    for path in [
        "/schedule.xml".to_owned(),
        "/schedule.json".to_owned(),
        "/api/v1/schedule".to_owned(),
        "/schedule.ics".to_owned(),
        "/tracks/toolchains.ics".to_owned(),
        format!("/sessions/{id}.ics"),
    ] {
        let (status, h, body) = get_raw(&app, &path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, "cache-control"), "public, max-age=60", "{path}");
        let etag = header(&h, "etag").to_owned();
        assert!(
            etag.starts_with("W/\"") && etag.len() > 20,
            "{path}: {etag}"
        );
        assert!(!body.is_empty());

        for encoding in ["identity", "gzip", "br"] {
            let (status, h, body) = get_raw(
                &app,
                &path,
                &[("if-none-match", &etag), ("accept-encoding", encoding)],
            )
            .await;
            assert_eq!(status, 304, "{path} ({encoding})");
            assert!(body.is_empty(), "{path}: a 304 has no body");
            assert_eq!(header(&h, "etag"), etag, "{path}");
            assert_eq!(header(&h, "cache-control"), "public, max-age=60");
        }
        let (status, _, _) =
            get_raw(&app, &path, &[("if-none-match", "W/\"something-else\"")]).await;
        assert_eq!(status, 200, "{path}: another tag gets the body");
    }

    // A new import changes the content, and the old tag gets the new body.
    let (_, h, _) = get_raw(&app, "/schedule.xml", &[]).await;
    let old = header(&h, "etag").to_owned();
    app.import_sample_running_now().await;
    let (status, h, _) = get_raw(&app, "/schedule.xml", &[("if-none-match", &old)]).await;
    assert_eq!(status, 200);
    assert_ne!(header(&h, "etag"), old);

    // Pages depend on the visitor and the minute: never stored by shared caches. The now page
    // (per-minute page cache) has a validator; the others none.
    for path in ["/", &format!("/sessions/{id}"), "/login", "/no-such-page"] {
        let (_, h, _) = get_raw(&app, path, &[]).await;
        assert_eq!(header(&h, "cache-control"), "private, max-age=0", "{path}");
        if path == "/" {
            assert!(header(&h, "etag").starts_with("W/\""), "{path}");
        } else {
            assert_eq!(header(&h, "etag"), "", "{path}");
        }
    }
}

#[tokio::test]
async fn browsers_find_the_favicon_and_crawlers_the_rules() {
    let app = spawn_app().await;

    let (status, h, icon) = get_raw(&app, "/favicon.ico", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "image/x-icon");
    // ICONDIR: reserved 0, type 1 (icon), one image; its data is a PNG.
    assert_eq!(&icon[..6], &[0, 0, 1, 0, 1, 0]);
    assert_eq!(&icon[22..26], b"\x89PNG");

    let (status, h, robots) = get_raw(&app, "/robots.txt", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").starts_with("text/plain"));
    let robots = String::from_utf8(robots).unwrap();
    let rules: Vec<&str> = robots.lines().collect();
    assert_eq!(rules[0], "User-agent: *");
    for rule in [
        "Disallow: /admin",
        "Disallow: /login",
        "Disallow: /rooms/*/join",
        "Allow: /",
    ] {
        assert!(rules.contains(&rule), "{rule} in\n{robots}");
    }
}

/// A frab XML schedule of `n` sessions over three days in the sample's rooms, 15 minutes each
/// from 09:00 Vienna time, with two speakers and an abstract each.
fn big_schedule(n: usize) -> String {
    let rooms = [
        "Refereed Track",
        "Kernel Summit",
        "Networking & BPF",
        "Toolchains",
        "Microconference 1",
        "Microconference 2",
        "Microconference 3",
    ];
    let tz = chrono_tz::Europe::Vienna;
    let mut events: Vec<Vec<String>> = vec![Vec::new(); 3];
    for i in 0..n {
        let room = rooms[i % rooms.len()];
        let slot = i / rooms.len();
        let (day, slot) = (slot % 3, slot / 3);
        let start = tz
            .with_ymd_and_hms(2026, 9, 15 + day as u32, 9, 0, 0)
            .unwrap()
            + Duration::minutes(15 * slot as i64);
        let guid = format!("00000000-0000-4000-8000-{:012}", i + 1);
        events[day].push(format!(
            r#"<room name="{room_x}"><event guid="{guid}" id="{id}"><date>{date}</date><start>{hm}</start><duration>00:15</duration><room>{room_x}</room><title>Session {id}: scaling the hallway to many rooms</title><track>Track {track}</track><type>Talk</type><abstract>Abstract {id}: what we learned, what we changed and what remains to be done.</abstract><persons><person>Speaker {a}</person><person>Speaker {b}</person></persons></event></room>"#,
            room_x = room.replace('&', "&amp;"),
            guid = guid,
            id = i + 1,
            date = start.to_rfc3339(),
            hm = start.format("%H:%M"),
            track = i % 20,
            a = i % 300,
            b = (i + 7) % 300,
        ));
    }
    let days: String = events
        .iter()
        .enumerate()
        .map(|(d, list)| {
            format!(
                r#"<day index="{}" date="2026-09-{}">{}</day>"#,
                d + 1,
                15 + d,
                list.join("")
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><schedule><version>big</version><conference><title>Big</title><acronym>big2026</acronym><time_zone_name>Europe/Vienna</time_zone_name></conference>{days}</schedule>"#
    )
}

#[tokio::test]
async fn the_now_page_of_a_thousand_sessions_stays_under_50_kb_compressed() {
    let app = spawn_app().await;
    import(&app, big_schedule(1000).as_bytes(), "big.xml", None).await;
    assert_eq!(app.state.schedule.get().all().len(), 1000);
    // The middle of the second day: sessions running in every room, many more ahead.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 9, 16, 10, 0, 0).unwrap());

    let (status, h, plain) = get_raw(&app, "/", &[]).await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&plain).contains("Session "),
        "the page lists sessions"
    );
    let (_, h_gz, gz) = get_raw(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&h_gz, "content-encoding"), "gzip");
    let (_, _, br) = get_raw(&app, "/", &[("accept-encoding", "br")]).await;
    eprintln!(
        "now page, 1000 sessions: {} bytes plain, {} gzip, {} brotli ({})",
        plain.len(),
        gz.len(),
        br.len(),
        header(&h, "content-type")
    );
    assert!(gz.len() < 50 * 1024, "{} bytes gzip", gz.len());
}
