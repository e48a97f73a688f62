//! Tests of the simulator's recordings, driven over HTTP with the real [`BbbClient`] and
//! compared with the fixtures in `shared/fixtures/bbb`.

use super::tests::{client, element_paths, ep, fixture, get_text, room, start};
use super::{AddRecordingError, FormatSpec, PreviewSpec, RecordingSpec, SimServer};
use crate::bbb::{BbbClient, ChecksumAlgorithm, CreateMeeting, Endpoint, RecordingsQuery};

/// A recorded meeting with hallway-like metadata.
fn recorded(id: &str, session: &str) -> CreateMeeting {
    CreateMeeting {
        record: true,
        meta: vec![
            ("bbb-origin".into(), "hallway".into()),
            ("hallway-session-guid".into(), session.into()),
        ],
        ..room(id)
    }
}

async fn create(c: &BbbClient, e: &Endpoint, m: &CreateMeeting) {
    c.create(e, m).await.expect("create");
}

fn presentation(url: &str, minutes: u64) -> FormatSpec {
    FormatSpec {
        format_type: "presentation".into(),
        url: Some(url.into()),
        length: Some(minutes),
        processing_time: Some(7177),
        preview: vec![PreviewSpec {
            url: format!("{url}/thumb-1.png"),
            alt: Some("Welcome to".into()),
            ..PreviewSpec::default()
        }],
        ..FormatSpec::default()
    }
}

fn query(f: impl FnOnce(&mut RecordingsQuery)) -> RecordingsQuery {
    let mut q = RecordingsQuery::default();
    f(&mut q);
    q
}

async fn ids(c: &BbbClient, e: &Endpoint, q: &RecordingsQuery) -> Vec<String> {
    let mut v: Vec<String> = c
        .get_recordings(e, q)
        .await
        .expect("getRecordings")
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn added_recordings_are_listed_in_the_shape_of_the_fixture_with_the_meetings_metadata() {
    let sim = start().await;
    let e = ep(&sim, ChecksumAlgorithm::Sha256);
    let c = client();
    create(&c, &e, &recorded("talk-a", "guid-a")).await;
    // Through the HTTP control API, as scripts use it.
    let body = serde_json::json!({
        "startTime": 1_530_718_721_124_i64,
        "endTime": 1_530_718_721_124_i64 + 45 * 60_000,
        "participants": 3,
        "meta": {"extra": "x"},
        "formats": [
            {"type": "podcast", "url": "https://bbb.example/podcast/a/audio.ogg", "length": 44},
            {"type": "presentation", "url": "https://bbb.example/playback/presentation/2.3/a",
             "length": 45, "processingTime": 7177,
             "preview": [{"url": "https://bbb.example/thumb-1.png", "alt": "Welcome to"}]}
        ]
    });
    let r = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/sim/meetings/talk-a/recordings",
            sim.port()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let added: serde_json::Value = r.json().await.unwrap();
    let record_id = added["recordID"].as_str().unwrap().to_owned();
    assert!(record_id.ends_with("-1530718721124"), "{record_id}");

    let raw = get_text(&e.signed_url("getRecordings", &[("meetingID", "talk-a")])).await;
    if let Some(fx) = fixture("getRecordings-two-recordings.xml") {
        assert_eq!(element_paths(&raw), element_paths(&fx), "getRecordings");
    }
    let list = c
        .get_recordings(&e, &query(|q| q.meeting_ids = vec!["talk-a".into()]))
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let rec = &list[0];
    assert_eq!(rec.record_id, record_id);
    assert_eq!(rec.internal_meeting_id, record_id);
    assert_eq!(rec.meeting_id, "talk-a");
    assert_eq!(rec.name, "LPC Room 1", "the meeting's name");
    assert!(rec.published && rec.state == "published" && !rec.is_breakout);
    assert_eq!(rec.participants, Some(3));
    assert_eq!(rec.end_time - rec.start_time, 45 * 60_000);
    // The meeting's meta_ values (lower-cased by create), the spec's, and BBB's own keys.
    assert_eq!(rec.metadata["hallway-session-guid"], "guid-a");
    assert_eq!(rec.metadata["bbb-origin"], "hallway");
    assert_eq!(rec.metadata["extra"], "x");
    assert_eq!(rec.metadata["meetingId"], "talk-a");
    let types: Vec<(&str, Option<u64>)> = rec
        .playback
        .iter()
        .map(|f| (f.format_type.as_str(), f.length))
        .collect();
    assert_eq!(types, [("podcast", Some(44)), ("presentation", Some(45))]);
    assert_eq!(
        rec.playback[1].preview[0].alt.as_deref(),
        Some("Welcome to")
    );
    assert_eq!(rec.playback[1].preview[0].width, Some(176));
    sim.stop().await;
}

#[tokio::test]
async fn get_recordings_filters_like_bbb_web() {
    let sim = start().await;
    let e = ep(&sim, ChecksumAlgorithm::Sha1);
    let c = client();
    for (id, guid) in [
        ("talk-a", "guid-a"),
        ("talk-b", "guid-b"),
        ("talk-c", "guid-c"),
    ] {
        create(&c, &e, &recorded(id, guid)).await;
    }
    let add = |m: &str, rid: &str, published: bool| {
        sim.add_recording(
            m,
            RecordingSpec {
                record_id: Some(rid.into()),
                published: Some(published),
                formats: vec![presentation("https://bbb.example/p", 30)],
                ..RecordingSpec::default()
            },
        )
        .expect("add")
    };
    add("talk-a", "rec-a1", true);
    add("talk-a", "rec-a2", false);
    add("talk-b", "rec-b1", true);
    add("talk-c", "other-c1", true);

    // Default: published and unpublished, every meeting.
    assert_eq!(
        ids(&c, &e, &RecordingsQuery::default()).await,
        ["other-c1", "rec-a1", "rec-a2", "rec-b1"]
    );
    // meetingID is a comma list.
    let q = query(|q| q.meeting_ids = vec!["talk-a".into(), "talk-b".into()]);
    assert_eq!(ids(&c, &e, &q).await, ["rec-a1", "rec-a2", "rec-b1"]);
    // state.
    let q = query(|q| {
        q.meeting_ids = vec!["talk-a".into()];
        q.states = vec!["published".into()];
    });
    assert_eq!(ids(&c, &e, &q).await, ["rec-a1"]);
    // recordID prefixes, and recordID wins over meetingID.
    let q = query(|q| {
        q.record_ids = vec!["rec-".into()];
        q.meeting_ids = vec!["talk-c".into()];
    });
    assert_eq!(ids(&c, &e, &q).await, ["rec-a1", "rec-a2", "rec-b1"]);
    // meta_ filters on the meeting's metadata; every one must match.
    let q = query(|q| q.meta = vec![("hallway-session-guid".into(), "guid-b".into())]);
    assert_eq!(ids(&c, &e, &q).await, ["rec-b1"]);
    let q = query(|q| {
        q.meta = vec![
            ("bbb-origin".into(), "hallway".into()),
            ("hallway-session-guid".into(), "nope".into()),
        ]
    });
    assert!(ids(&c, &e, &q).await.is_empty());
    // Nothing matching: noRecordings, shaped like the fixture.
    let none = get_text(&e.signed_url("getRecordings", &[("meetingID", "nobody")])).await;
    if let Some(fx) = fixture("getRecordings-noRecordings.xml") {
        assert_eq!(element_paths(&none), element_paths(&fx));
    }
    assert_eq!(sim.calls("getRecordings"), 7, "one call per query above");
    sim.stop().await;
}

#[tokio::test]
async fn publish_and_delete_change_what_is_listed_and_unknown_ids_are_not_found() {
    let sim = start().await;
    let e = ep(&sim, ChecksumAlgorithm::Sha1);
    let c = client();
    create(&c, &e, &recorded("talk-a", "guid-a")).await;
    let id = sim
        .add_recording("talk-a", RecordingSpec::default())
        .expect("add");
    assert!(!c.publish_recordings(&e, &[&id], false).await.unwrap());
    let listed = c
        .get_recordings(&e, &RecordingsQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (listed[0].published, listed[0].state.as_str()),
        (false, "unpublished")
    );
    assert!(c.publish_recordings(&e, &[&id], true).await.unwrap());
    c.delete_recordings(&e, &[&id]).await.unwrap();
    assert!(ids(&c, &e, &RecordingsQuery::default()).await.is_empty());
    let q = query(|q| q.states = vec!["deleted".into()]);
    assert_eq!(ids(&c, &e, &q).await, vec![id.clone()]);

    let err = c.delete_recordings(&e, &["nope"]).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = c.publish_recordings(&e, &["nope"], true).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let raw = get_text(&e.signed_url("deleteRecordings", &[("recordID", "nope")])).await;
    if let Some(fx) = fixture("recordings-notFound.xml") {
        assert_eq!(element_paths(&raw), element_paths(&fx));
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(
            squash(&raw),
            squash(&fx),
            "notFound as the fixture writes it"
        );
    }
    let missing = get_text(&e.signed_url("publishRecordings", &[("recordID", &id)])).await;
    assert!(missing.contains("<messageKey>missingParamPublish</messageKey>"));
    sim.stop().await;
}

#[tokio::test]
async fn a_meeting_created_with_record_false_gets_no_recording_and_default_playback_opens() {
    let sim: SimServer = start().await;
    let e = ep(&sim, ChecksumAlgorithm::Sha1);
    let c = client();
    create(&c, &e, &room("unrecorded")).await;
    let err = sim
        .add_recording("unrecorded", RecordingSpec::default())
        .unwrap_err();
    assert!(matches!(err, AddRecordingError::Conflict(_)), "{err}");
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "http://127.0.0.1:{}/sim/meetings/unrecorded/recordings",
            sim.port()
        ))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let bad = http
        .post(format!(
            "http://127.0.0.1:{}/sim/meetings/x/recordings",
            sim.port()
        ))
        .json(&serde_json::json!({"meta": {"1bad": "v"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // A meeting the simulator no longer knows (ended long ago) can still get one.
    let id = sim
        .add_recording(
            "gone-meeting",
            RecordingSpec {
                length: Some(20),
                ..RecordingSpec::default()
            },
        )
        .expect("add");
    let list = c
        .get_recordings(&e, &query(|q| q.record_ids = vec![id.clone()]))
        .await
        .unwrap();
    assert_eq!(list[0].playback[0].format_type, "presentation");
    assert_eq!(list[0].playback[0].length, Some(20));
    let page = reqwest::get(&list[0].playback[0].url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Playing gone-meeting"));
    // Duplicate ids conflict.
    let dup = sim.add_recording(
        "gone-meeting",
        RecordingSpec {
            record_id: Some(id),
            ..RecordingSpec::default()
        },
    );
    assert!(matches!(dup, Err(AddRecordingError::Conflict(_))));
    sim.stop().await;
}
