//! Tests across formats: every shared fixture through [`parse_schedule`],
//! the DST fixture in three formats, detection, and the hostile corpus.

use chrono::{DateTime, NaiveDate, Utc};

use crate::detect::{detect_format, parse_schedule, read_limited};
use crate::error::ParseError;
use crate::model::{ParsedSchedule, ParsedSession, Position, ScheduleFormat};
use crate::options::ParseOptions;
use crate::{
    parse_frab_json, parse_frab_xml, parse_ical, parse_indico_event, parse_indico_timetable,
};

const HOSTILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/schedules/hostile"
);

use crate::test_support::{fixture, utc};

fn parse(name: &str, opts: &ParseOptions) -> Option<ParsedSchedule> {
    let bytes = fixture(name)?;
    let s = parse_schedule(&bytes, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(detect_format(&bytes).expect("detects"), s.format);
    let mut keys: Vec<&str> = s.sessions.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), s.sessions.len(), "{name}: keys unique");
    Some(s)
}

fn find<'s>(s: &'s ParsedSchedule, title: &str, start: &str) -> &'s ParsedSession {
    let start = utc(start);
    s.sessions
        .iter()
        .find(|e| e.title.starts_with(title) && e.start == start)
        .unwrap_or_else(|| panic!("no event '{title}' at {start}"))
}

fn check(e: &ParsedSession, end: &str, room: &str, track: Option<&str>) {
    assert_eq!(e.end, utc(end), "{}", e.title);
    assert_eq!(e.room, room, "{}", e.title);
    assert_eq!(e.track.as_deref(), track, "{}", e.title);
}

fn has_warning(s: &ParsedSchedule, needle: &str) -> bool {
    s.warnings.iter().any(|w| w.message.contains(needle))
}

#[test]
fn fixture_camp2019_json() {
    let Some(s) = parse("frab_camp2019_schedule.json", &ParseOptions::default()) else {
        return;
    };
    assert_eq!(s.format, ScheduleFormat::FrabJson);
    assert_eq!(s.sessions.len(), 79);
    assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Berlin));
    assert_eq!(s.rooms, ["Curie", "Meitner"]);
    let opening = find(&s, "Opening Ceremony", "2019-08-21T09:00:00Z");
    check(opening, "2019-08-21T09:30:00Z", "Curie", Some("CCC"));
    assert_eq!(opening.persons, ["jinxx", "smtw"]);
    assert_eq!(opening.key, "a0a0fcfe-b7fb-46e3-84b6-97a5406016b4");
    // Past midnight, stays in its day.
    let late = find(&s, "Achtung, Datenpannen!", "2019-08-22T21:00:00Z");
    check(
        late,
        "2019-08-22T22:30:00Z",
        "Meitner",
        Some("Entertainment"),
    );
    assert_eq!(late.day, NaiveDate::from_ymd_opt(2019, 8, 22));
}

#[test]
fn fixture_rc3_json_infers_zone() {
    let Some(s) = parse(
        "pretalx_rc3-channels-2020_schedule.json",
        &ParseOptions::default(),
    ) else {
        return;
    };
    assert_eq!(s.sessions.len(), 48);
    assert_eq!(s.rooms.len(), 5);
    assert_eq!(s.rooms[0], "r3s - Monheim/Rhein");
    assert_eq!(s.conference.time_zone.map(|z| z.name()), Some("Etc/GMT-1"));
    assert!(has_warning(&s, "assumed to be UTC+01:00"));
    let first = find(&s, "Der faule Admin automatisiert", "2020-12-27T10:30:00Z");
    check(
        first,
        "2020-12-27T11:10:00Z",
        "r3s - Monheim/Rhein",
        Some("MON r3s Rhein VHS"),
    );
    let last = find(
        &s,
        "Climate Change and the Corona Pandemic",
        "2020-12-30T15:00:00Z",
    );
    check(
        last,
        "2020-12-30T15:40:00Z",
        "hacc München / about:future - München",
        Some("Muc - about_future"),
    );
    // With --timezone the named zone wins and nothing is inferred.
    let opts = ParseOptions {
        fallback_time_zone: Some(chrono_tz::Europe::Berlin),
        ..ParseOptions::default()
    };
    let s = parse("pretalx_rc3-channels-2020_schedule.json", &opts).expect("fixture");
    // `grep -o '"do_not_record": *true'` finds 3 in the file.
    assert_eq!(s.sessions.iter().filter(|e| e.do_not_record).count(), 3);
    assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Berlin));
}

#[test]
fn fixture_chep2009_timetable() {
    let Some(s) = parse("indico_chep2009_timetable.json", &ParseOptions::default()) else {
        return;
    };
    assert_eq!(s.format, ScheduleFormat::IndicoTimetable);
    // 530 nested contributions; 13 breaks skipped.
    assert_eq!(s.sessions.len(), 530);
    assert!(has_warning(&s, "13 break(s) skipped"));
    assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Zurich));
    let c = s
        .sessions
        .iter()
        .find(|e| e.title.starts_with("Lecture archiving on a larger scale"))
        .expect("contribution 355");
    assert_eq!(c.start, utc("2009-03-23T13:40:00Z"));
    check(
        c,
        "2009-03-23T14:00:00Z",
        "Club B",
        Some("Collaborative Tools"),
    );
    assert_eq!(c.persons, ["HERR, Jeremy"]);
    assert_eq!(c.key, "indico:contribution:355");
    assert_eq!(c.day, NaiveDate::from_ymd_opt(2009, 3, 23));
    // Poster contributions: no room anywhere -> the session title.
    let poster = s
        .sessions
        .iter()
        .find(|e| e.source_id.as_deref() == Some("s28c473"))
        .expect("poster");
    assert_eq!(poster.start, utc("2009-03-23T07:00:00Z"));
    check(
        poster,
        "2009-03-23T07:20:00Z",
        "Poster session",
        Some("Poster session"),
    );
}

#[test]
fn fixture_xdc2021_event_export() {
    let Some(s) = parse(
        "indico_xdc2021_event-contributions.json",
        &ParseOptions::default(),
    ) else {
        return;
    };
    assert_eq!(s.format, ScheduleFormat::IndicoEvent);
    assert_eq!(s.sessions.len(), 37);
    assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Warsaw));
    assert_eq!(s.conference.title, "X.Org Developer Conference 2021");
    let c = find(
        &s,
        "Making bare-metal testing accessible to every developer",
        "2021-09-17T14:10:00Z",
    );
    check(
        c,
        "2021-09-17T14:30:00Z",
        "Main Track",
        Some("Talk (half slot) (CLOSED)"),
    );
    assert_eq!(c.persons, ["Martin Peres"]);
    assert_eq!(c.key, "indico:contribution:26");
    assert_eq!(c.day, NaiveDate::from_ymd_opt(2021, 9, 17));
    let mut rooms = s.rooms.clone();
    rooms.sort();
    assert_eq!(
        rooms,
        ["Demos / Lightning talks I", "Main Track", "Workshop"]
    );
}

#[test]
fn fixture_xml_files_via_detection() {
    let opts = ParseOptions {
        fallback_time_zone: Some(chrono_tz::Europe::Brussels),
        ..ParseOptions::default()
    };
    // Opted out of recording: counted with `grep -c '<optout>true'` in each file.
    for (name, count, opted_out) in [
        ("frab_31c3-2014_schedule.xml", 138, 2),
        ("pentabarf_fosdem-2021_schedule.xml", 773, 0),
        ("voc-merged_36c3-2019_schedule.xml", 1351, 48),
        ("pretalx-generated_democon-dst_schedule.xml", 36, 0),
    ] {
        let Some(s) = parse(name, &opts) else {
            continue;
        };
        assert_eq!(s.format, ScheduleFormat::FrabXml);
        assert_eq!(s.sessions.len(), count, "{name}");
        let no_rec = s.sessions.iter().filter(|e| e.do_not_record).count();
        assert_eq!(no_rec, opted_out, "{name}: sessions with <optout>true");
    }
    // 31C3 without --timezone: +01:00 everywhere -> assumed UTC+01:00.
    if let Some(s) = parse("frab_31c3-2014_schedule.xml", &ParseOptions::default()) {
        assert_eq!(s.rooms, ["Saal 1", "Saal 2", "Saal G", "Saal 6"]);
        let c = find(&s, "Citizenfour", "2014-12-27T23:00:00Z");
        check(c, "2014-12-28T01:15:00Z", "Saal 1", Some("Entertainment"));
    }
}

#[test]
fn fixture_democon_ics() {
    let Some(s) = parse(
        "pretalx-generated_democon-dst_schedule.ics",
        &ParseOptions::default(),
    ) else {
        return;
    };
    assert_eq!(s.format, ScheduleFormat::ICalendar);
    assert_eq!(s.sessions.len(), 36);
    // Before the change: 10:00 CEST.
    let a = find(&s, "Adaptive cohesive array", "2026-10-24T08:00:00Z");
    check(a, "2026-10-24T08:30:00Z", "Light Sea Green Room", None);
    assert_eq!(a.key, "pretalx-democon-YUDEFT@localhost");
    // After: 10:00 CET.
    let b = find(
        &s,
        "Up-sized foreground infrastructure",
        "2026-10-25T09:00:00Z",
    );
    check(b, "2026-10-25T09:30:00Z", "Light Sea Green Room", None);
    assert_eq!(
        b.title,
        "Up-sized foreground infrastructure - Rachel Weber, Rachael Johnson, Julia Erickson"
    );
    assert_eq!(b.day, NaiveDate::from_ymd_opt(2026, 10, 25));
}

/// The DST fixture in XML, JSON and iCalendar gives the same slots.
#[test]
fn democon_variants_agree() {
    let opts = ParseOptions::default();
    let (Some(x), Some(j), Some(i)) = (
        parse("pretalx-generated_democon-dst_schedule.xml", &opts),
        parse("pretalx-generated_democon-dst_schedule.json", &opts),
        parse("pretalx-generated_democon-dst_schedule.ics", &opts),
    ) else {
        return;
    };
    type Slot = (DateTime<Utc>, DateTime<Utc>, String, Option<NaiveDate>);
    let slots = |s: &ParsedSchedule| {
        let mut v: Vec<Slot> = s
            .sessions
            .iter()
            .map(|e| (e.start, e.end, e.room.clone(), e.day))
            .collect();
        v.sort();
        v
    };
    assert_eq!(slots(&x), slots(&j));
    assert_eq!(slots(&x), slots(&i));
    assert_eq!(x.rooms, j.rooms);
    for e in &x.sessions {
        let je = j
            .sessions
            .iter()
            .find(|o| o.key == e.key)
            .expect("same guid");
        assert_eq!((je.start, je.end, &je.track), (e.start, e.end, &e.track));
        let ie = i
            .sessions
            .iter()
            .find(|o| o.url == e.url)
            .expect("same url in ics");
        assert!(ie.title.starts_with(&e.title), "{} / {}", ie.title, e.title);
        assert_eq!((ie.start, ie.end), (e.start, e.end), "{}", e.title);
    }
    // After the change (2026-10-25 03:00 CEST -> 02:00 CET) to the minute.
    let after = find(
        &j,
        "Up-sized foreground infrastructure",
        "2026-10-25T09:00:00Z",
    );
    check(
        after,
        "2026-10-25T09:30:00Z",
        "Light Sea Green Room",
        Some("Cross-group"),
    );
}

#[test]
fn detection_and_unknown_formats() {
    let cases: &[(&[u8], Result<ScheduleFormat, &str>)] = &[
        (b"  <schedule/>", Ok(ScheduleFormat::FrabXml)),
        (b"\xef\xbb\xbfBEGIN:VCALENDAR\r\n", Ok(ScheduleFormat::ICalendar)),
        (
            br#"{"schedule": {"conference": {}}}"#,
            Ok(ScheduleFormat::FrabJson),
        ),
        (
            br#"{"_type": "HTTPAPIResult", "results": {}}"#,
            Ok(ScheduleFormat::IndicoTimetable),
        ),
        (
            br#"{"count": 1, "results": []}"#,
            Ok(ScheduleFormat::IndicoEvent),
        ),
        (
            b"title,start\nx,1",
            Err("line 1, column 1: not a frab XML, frab/pretalx JSON, Indico JSON or iCalendar file: it starts with 'title,start"),
        ),
        (
            br#"{"events": []}"#,
            Err("at $: not a frab XML, frab/pretalx JSON, Indico JSON or iCalendar file: JSON without"),
        ),
        (b"", Err("file: not a frab XML")),
    ];
    for (input, want) in cases {
        match (detect_format(input), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, *want),
            (Err(e), Err(want)) => assert!(e.to_string().starts_with(want), "{e}"),
            (got, want) => panic!("{:?}: {got:?} vs {want:?}", String::from_utf8_lossy(input)),
        }
    }
}

#[test]
fn read_limited_stops_early() {
    let data = [b'x'; 100];
    assert_eq!(read_limited(&data[..], 100).expect("fits").len(), 100);
    let err = read_limited(&data[..], 99).expect_err("too big");
    assert_eq!(err.position, Position::Whole);
    assert_eq!(err.message, "input is more than the limit of 99 bytes");
    // An endless reader is cut off after max + 1 bytes.
    let err = read_limited(std::io::repeat(b'a'), 1 << 16).expect_err("endless");
    assert!(err.message.contains("limit"));
}

/// The size and UTF-8 guard (`common::checked_utf8`) gives every parser the same messages;
/// `parse_schedule` words the size limit its own way.
#[test]
fn every_parser_guards_size_and_utf8() {
    type Parser = fn(&[u8], &ParseOptions) -> Result<ParsedSchedule, ParseError>;
    let small = ParseOptions {
        max_bytes: 4,
        ..ParseOptions::default()
    };
    let parsers: [(&str, Parser); 5] = [
        ("frab XML", parse_frab_xml),
        ("frab JSON", parse_frab_json),
        ("Indico timetable", parse_indico_timetable),
        ("Indico event", parse_indico_event),
        ("iCalendar", parse_ical),
    ];
    for (name, parse) in parsers {
        let err = parse(b"12345", &small).expect_err(name);
        assert_eq!(
            err.to_string(),
            "file: input is 5 bytes, more than the limit of 4 bytes",
            "{name}"
        );
        let err = parse(b"{\n \xc3\xa9\xff", &ParseOptions::default()).expect_err(name);
        assert_eq!(
            err.to_string(),
            "line 2, column 3: input is not valid UTF-8",
            "{name}"
        );
    }
    let err = parse_schedule(b"12345", &small).expect_err("too big");
    assert_eq!(
        err.to_string(),
        "file: input is more than the limit of 4 bytes (5 bytes)"
    );
    let err = parse_schedule(b"{\n \xc3\xa9\xff", &ParseOptions::default()).expect_err("UTF-8");
    assert_eq!(
        err.to_string(),
        "line 2, column 3: input is not valid UTF-8"
    );
}

const INDICO_HEAD: &str = r#"{"_type": "HTTPAPIResult", "count": 1, "results": {"7": {"#;

#[test]
fn indico_timetable_dedups_blocks_and_counts_breaks() {
    let block = r#"{"id": "s1", "entryType": "Session", "title": "Toolchains MC", "room": "Room A",
        "startDate": {"date": "2026-09-15", "time": "23:00:00", "tz": "Europe/Vienna"},
        "endDate": {"date": "2026-09-16", "time": "01:00:00", "tz": "Europe/Vienna"},
        "entries": {
          "c5": {"id": "c5", "entryType": "Contribution", "contributionId": 5, "title": "Late talk", "room": "",
                 "startDate": {"date": "2026-09-15", "time": "23:30:00", "tz": "Europe/Vienna"},
                 "endDate": {"date": "2026-09-16", "time": "00:15:00", "tz": "Europe/Vienna"},
                 "presenters": [], "authors": [{"firstName": "Ada", "familyName": "L", "name": "L, Ada"}]},
          "b9": {"id": "b9", "entryType": "Break", "title": "Coffee"}}}"#;
    let top = r#"{"id": "c6", "entryType": "Contribution", "contributionId": 6, "title": "Keynote", "room": "Main",
        "startDate": {"date": "2026-09-15", "time": "09:00:00", "tz": "UTC"}, "duration": 45.0}"#;
    let doc = format!(
        r#"{INDICO_HEAD}"20260915": {{"s1": {block}, "c6": {top}}}, "20260916": {{"s1": {block}}}, "20260917": {{}}}}}}}}"#
    );
    let s = parse_schedule(doc.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_eq!(s.sessions.len(), 2);
    let late = &s.sessions[0];
    assert_eq!(
        (late.key.as_str(), late.room.as_str(), late.track.as_deref()),
        ("indico:contribution:5", "Room A", Some("Toolchains MC"))
    );
    assert_eq!(late.start, utc("2026-09-15T21:30:00Z"));
    assert_eq!(late.persons, ["Ada L"]);
    let key = &s.sessions[1];
    assert_eq!(key.end, utc("2026-09-15T09:45:00Z"));
    assert_eq!(key.track, None);
    assert!(has_warning(&s, "1 break(s) skipped"), "{:?}", s.warnings);
    assert!(has_warning(
        &s,
        "1 entr(y/ies) listed under more than one day"
    ));
    assert!(has_warning(&s, "several time zones"));
}

#[test]
fn indico_event_skips_unscheduled() {
    let doc = r#"{"count": 1, "results": [{"title": "E", "timezone": "Europe/Prague", "contributions": [
        {"id": "1", "db_id": 11, "title": "A", "startDate": {"date": "2026-01-01", "time": "10:00:00", "tz": "UTC"},
         "endDate": {"date": "2026-01-01", "time": "10:30:00", "tz": "UTC"}, "room": "R", "session": "S", "track": null,
         "speakers": [{"fullName": "X, Y"}], "primaryauthors": []},
        {"id": "2", "title": "B", "startDate": null, "endDate": null}]}]}"#;
    let s = parse_schedule(doc.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_eq!(s.sessions.len(), 1);
    assert_eq!(s.sessions[0].persons, ["X, Y"]);
    assert_eq!(s.sessions[0].room, "R");
    let w = s
        .warnings
        .iter()
        .find(|w| w.message.contains("unscheduled"))
        .expect("warning");
    assert_eq!(
        w.position,
        Position::JsonPath("$.results[0].contributions[1]".to_owned())
    );
}

#[test]
fn json_errors_name_the_path() {
    let doc = r#"{"schedule": {"version": "1", "conference": {"title": "T", "time_zone_name": "Europe/Berlin", "days": [
        {"index": 1, "date": "2026-05-04", "rooms": {"Saal 1": [
          {"guid": "g", "title": "A", "date": "2026-05-04T10:00:00+02:00", "duration": "1:xx", "room": "Saal 1"}]}}]}}}"#;
    let err = parse_schedule(doc.as_bytes(), &ParseOptions::default()).expect_err("bad");
    assert_eq!(
        err.to_string(),
        "at $.schedule.conference.days[0].rooms['Saal 1'][0].duration: event 'A': duration '1:xx' is not H:MM, HH:MM or HH:MM:SS"
    );
    let ok = doc.replace("1:xx", "1:02:00").replace(
        r#"{"schedule""#,
        r#"{"generator": {"name": "pretalx"}, "schedule""#,
    );
    let s = parse_schedule(ok.as_bytes(), &ParseOptions::default()).expect("pretalx D:HH:MM");
    assert_eq!(s.sessions[0].end, utc("2026-05-05T10:00:00Z"));
    let ok = doc.replace(r#""duration": "1:xx""#, r#""end": "2026-05-04T11:00:00+02:00", "track": null, "persons": [{"code": "X", "name": "N"}]"#);
    let s = parse_schedule(ok.as_bytes(), &ParseOptions::default()).expect("end");
    assert_eq!(s.sessions[0].end, utc("2026-05-04T09:00:00Z"));
    assert_eq!(s.sessions[0].persons, ["N"]);
}

#[test]
fn ical_floating_needs_a_zone() {
    let doc = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:X\r\nDTSTART:20260704T100000\r\nDURATION:PT45M\r\nLOCATION:R\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let err = parse_schedule(doc.as_bytes(), &ParseOptions::default()).expect_err("floating");
    assert!(
        err.to_string()
            .starts_with("line 6, column 1: event 'X': DTSTART"),
        "{err}"
    );
    assert!(err.message.contains("--timezone ZONE"));
    let opts = ParseOptions {
        fallback_time_zone: Some(chrono_tz::Europe::Berlin),
        ..ParseOptions::default()
    };
    let s = parse_schedule(doc.as_bytes(), &opts).expect("with zone");
    assert_eq!(s.sessions[0].start, utc("2026-07-04T08:00:00Z"));
    assert_eq!(s.sessions[0].end, utc("2026-07-04T08:45:00Z"));
    let utc_doc = doc.replace("20260704T100000", "20260704T100000Z");
    let s = parse_schedule(utc_doc.as_bytes(), &ParseOptions::default()).expect("utc");
    assert_eq!(s.sessions[0].start, utc("2026-07-04T10:00:00Z"));
}

/// Every file in the hostile corpus is rejected with its expected message.
#[test]
fn hostile_corpus_is_rejected() {
    let expected = std::fs::read_to_string(format!("{HOSTILE}/EXPECTED.tsv"))
        .expect("tests/fixtures/schedules/hostile/EXPECTED.tsv");
    let opts = ParseOptions {
        max_bytes: 64 * 1024,
        ..ParseOptions::default()
    };
    let mut n = 0;
    for line in expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (file, want) = line.split_once('\t').expect("file<TAB>message");
        let bytes = std::fs::read(format!("{HOSTILE}/{file}")).expect(file);
        match parse_schedule(&bytes, &opts) {
            Ok(s) => panic!("{file} accepted: {} sessions", s.sessions.len()),
            Err(e) => assert!(
                e.to_string().contains(want),
                "{file}: got '{e}', want '{want}'"
            ),
        }
        n += 1;
    }
    let files = std::fs::read_dir(HOSTILE)
        .expect("hostile dir")
        .filter(|e| {
            e.as_ref()
                .map(|e| e.file_name() != "EXPECTED.tsv")
                .unwrap_or(false)
        })
        .count();
    assert_eq!(n, files, "every corpus file has an EXPECTED.tsv line");
    assert!(n >= 30);
}

#[test]
fn ical_vtimezone_rules_resolve_without_an_iana_name() {
    let vtz = "BEGIN:VTIMEZONE\r\nTZID:Hall Time\r\nBEGIN:STANDARD\r\nDTSTART:20001029T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:20000326T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";
    let ev = |uid: &str, local: &str| {
        format!("BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{uid}\r\nLOCATION:R\r\nDTSTART;TZID=Hall Time:{local}\r\nDURATION:PT30M\r\nEND:VEVENT\r\n")
    };
    let doc = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{vtz}{}{}{}END:VCALENDAR\r\n",
        ev("summer", "20260715T100000"),
        ev("winter", "20261215T100000"),
        ev("repeated", "20261025T023000"),
    );
    let s = parse_schedule(doc.as_bytes(), &ParseOptions::default()).expect("parses");
    let start = |k: &str| {
        s.sessions
            .iter()
            .find(|e| e.key == k)
            .map(|e| e.start)
            .expect("session")
    };
    assert_eq!(start("summer"), utc("2026-07-15T08:00:00Z"));
    assert_eq!(start("winter"), utc("2026-12-15T09:00:00Z"));
    // 02:30 on the DST-end night exists twice: the earlier (CEST) one.
    assert_eq!(start("repeated"), utc("2026-10-25T00:30:00Z"));
    assert!(has_warning(&s, "occurs twice"));
    // No IANA name anywhere: the zone is inferred from the offsets.
    assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Berlin));
}
