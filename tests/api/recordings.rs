//! Recordings: BBB's recordings of hallway's meetings reach the session and room pages they
//! belong to through the shared cache, unpublished ones only for staff, and no page calls BBB.

use chrono::Duration;
use hallway::bbb::{BbbClient, Endpoint, Timeouts};
use hallway::recordings::fetch::recordings_once;
use hallway::schedule::import::{self, ImportOptions};
use hallway::schedule::stored::StoredSession;
use hallway::sim::{Failure, Faults, RecordingSpec};

use crate::helpers::{
    attrs, csrf_of, guest_client, sample_schedule_path, spawn_app, texts, TestApp,
};

fn bbb() -> BbbClient {
    BbbClient::new(Timeouts {
        connect: std::time::Duration::from_secs(2),
        total: std::time::Duration::from_secs(5),
    })
    .unwrap()
}

fn endpoint(app: &TestApp, server: &str) -> Endpoint {
    app.state
        .endpoints
        .iter()
        .find(|(name, _)| name.as_str() == server)
        .map(|(_, ep)| ep.clone())
        .expect("configured server")
}

/// The first two talks of the Refereed room, back to back on the same day.
fn two_refereed_talks(app: &TestApp) -> (StoredSession, StoredSession) {
    let index = app.state.schedule.get();
    let now = app.clock.now();
    let talks = index.in_room_between(
        "refereed",
        now - Duration::hours(1),
        now + Duration::hours(12),
    );
    let (a, b) = (talks[0].clone(), talks[1].clone());
    assert_eq!(a.start.date_naive(), b.start.date_naive(), "one day");
    (a, b)
}

/// Joins `talk` in the Refereed room while it runs, as a guest would: hallway creates the
/// talk's own meeting. Returns that meetingID.
async fn join_while_running(
    app: &TestApp,
    client: &reqwest::Client,
    talk: &StoredSession,
) -> String {
    app.clock.set(talk.start + Duration::minutes(1));
    let csrf = csrf_of(client, &app.address).await;
    let r = client
        .post(format!("{}/rooms/refereed/join", app.address))
        .form(&[("csrf", csrf.as_str()), ("session", &talk.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the join goes to BBB");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "meetingID")
        .map(|(_, v)| v.into_owned())
        .expect("a meetingID")
}

/// A recording of `meeting_id` on the first simulator, with one presentation at `url`.
fn record(app: &TestApp, meeting_id: &str, url: &str, published: bool) -> String {
    record_as(app, meeting_id, None, url, published)
}

/// The same with a chosen recordID (BBB makes one per run of a meeting: a second recording of
/// one meeting is a meeting created again).
fn record_as(
    app: &TestApp,
    meeting_id: &str,
    record_id: Option<&str>,
    url: &str,
    published: bool,
) -> String {
    app.sims[0]
        .add_recording(
            meeting_id,
            RecordingSpec {
                record_id: record_id.map(str::to_owned),
                format: Some("presentation".into()),
                url: Some(url.into()),
                length: Some(44),
                published: Some(published),
                ..RecordingSpec::default()
            },
        )
        .expect("the simulator records the meeting")
}

fn reset_calls(app: &TestApp) {
    for s in &app.sims {
        s.reset_calls();
    }
}

fn total_calls(app: &TestApp) -> u64 {
    app.sims.iter().map(|s| s.total_calls()).sum()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let r = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

fn playback_links(html: &str) -> Vec<String> {
    attrs(html, "section.recordings ul.playback a", "href")
}

#[tokio::test]
async fn two_sessions_in_one_room_on_one_day_each_show_only_their_own_recording() {
    // Arrange: two talks in one room, each joined while it runs, each recorded by BBB.
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let (a, b) = two_refereed_talks(&app);
    let guest = guest_client(&app.address, "Ada").await;
    let meeting_a = join_while_running(&app, &guest, &a).await;
    let meeting_b = join_while_running(&app, &guest, &b).await;
    assert_ne!(meeting_a, meeting_b, "one meeting per session");
    record(&app, &meeting_a, "https://video.example.org/talk-a", true);
    record(&app, &meeting_b, "https://video.example.org/talk-b", true);

    // Act: the recordings step, then the change feed, then the pages.
    reset_calls(&app);
    let report = recordings_once(&app.state).await.unwrap();
    assert!(report.leader);
    assert_eq!((report.servers_ok, report.recordings), (app.sims.len(), 2));
    for sim in &app.sims {
        assert_eq!(sim.calls("getRecordings"), 1, "one call per server");
        assert_eq!(sim.total_calls(), 1, "and nothing else");
    }
    app.refresh().await;
    reset_calls(&app);
    let page_a = page(&guest, &app, &format!("/sessions/{}", a.id)).await;
    let page_b = page(&guest, &app, &format!("/sessions/{}", b.id)).await;
    let room = page(&guest, &app, "/rooms/refereed").await;

    // Assert
    assert_eq!(
        playback_links(&page_a),
        ["https://video.example.org/talk-a"]
    );
    assert_eq!(
        playback_links(&page_b),
        ["https://video.example.org/talk-b"]
    );
    let shown = texts(&page_a, "section.recordings li.recording");
    assert!(
        shown[0].contains("Presentation") && shown[0].contains("44 min"),
        "{shown:?}"
    );
    // The room lists both (in recording order, which two creates a millisecond apart do
    // not settle), each with its session.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let sessions = attrs(&room, "section.recordings li.recording", "id");
    assert_eq!(sessions.len(), 2);
    for (talk, url) in [
        (&a, "https://video.example.org/talk-a"),
        (&b, "https://video.example.org/talk-b"),
    ] {
        let item = scraper::Html::parse_document(&room);
        let sel = scraper::Selector::parse("section.recordings li.recording").unwrap();
        let li = item
            .select(&sel)
            .find(|li| li.html().contains(url))
            .expect("the room lists the recording");
        assert!(
            li.html()
                .contains(&format!("href=\"/sessions/{}\"", talk.id)),
            "{url} is listed with its own session"
        );
    }
    assert_eq!(
        sorted(playback_links(&room)),
        [
            "https://video.example.org/talk-a",
            "https://video.example.org/talk-b"
        ]
    );
    assert_eq!(total_calls(&app), 0, "rendering pages never calls BBB");
}

#[tokio::test]
async fn an_unpublished_recording_is_hidden_from_guests_and_shown_to_staff() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let (a, _) = two_refereed_talks(&app);
    let guest = guest_client(&app.address, "Ada").await;
    let meeting = join_while_running(&app, &guest, &a).await;
    record(&app, &meeting, "https://video.example.org/published", true);
    record_as(
        &app,
        &meeting,
        Some("second-run"),
        "https://video.example.org/unpublished",
        false,
    );
    recordings_once(&app.state).await.unwrap();
    app.refresh().await;
    let path = format!("/sessions/{}", a.id);

    let anonymous = reqwest::Client::new();
    for (who, client) in [("guest", &guest), ("anonymous", &anonymous)] {
        let html = page(client, &app, &path).await;
        assert_eq!(
            playback_links(&html),
            ["https://video.example.org/published"],
            "{who}"
        );
        assert!(!html.contains("video.example.org/unpublished"), "{who}");
        let room = page(client, &app, "/rooms/refereed").await;
        assert!(!room.contains("video.example.org/unpublished"), "{who}");
    }
    app.log_in_as_admin().await;
    let html = page(&app.client, &app, &path).await;
    assert_eq!(
        playback_links(&html),
        [
            "https://video.example.org/published",
            "https://video.example.org/unpublished"
        ]
    );
    let marked = texts(&html, "section.recordings li.recording.unpublished .badge");
    assert_eq!(marked, ["Unpublished: only staff see it"]);
}

#[tokio::test]
async fn a_do_not_record_sessions_create_has_record_false_and_every_create_names_its_session() {
    // The sample, running now, with the speakers of its first Refereed talk opted out.
    let app = spawn_app().await;
    let bytes = std::fs::read(sample_schedule_path()).unwrap();
    let (mut parsed, format) =
        import::parse_schedule(&bytes, "sample", &ImportOptions::default()).unwrap();
    import::shift_to_now(&mut parsed, app.clock.now());
    let first = parsed
        .sessions
        .iter_mut()
        .filter(|s| s.room == "Refereed Track")
        .min_by_key(|s| s.start)
        .unwrap();
    first.do_not_record = true;
    import::store_parsed(&app.db, parsed, format, "sample opted out", false, None)
        .await
        .unwrap();
    app.refresh().await;
    let (opted_out, recorded) = two_refereed_talks(&app);
    assert!(opted_out.do_not_record && !recorded.do_not_record);
    let guest = guest_client(&app.address, "Ada").await;

    let unrecorded_meeting = join_while_running(&app, &guest, &opted_out).await;
    let recorded_meeting = join_while_running(&app, &guest, &recorded).await;

    let ep = endpoint(&app, "bbb1");
    let info = bbb()
        .get_meeting_info(&ep, &unrecorded_meeting)
        .await
        .unwrap();
    assert!(!info.recording, "do_not_record: created with record=false");
    let other = bbb()
        .get_meeting_info(&ep, &recorded_meeting)
        .await
        .unwrap();
    assert!(other.recording, "its neighbour is recorded");
    // Both carry their session's tags, which BBB copies into their recordings.
    for (m, s) in [(&info, &opted_out), (&other, &recorded)] {
        assert_eq!(m.metadata["hallway-session-key"], s.key);
        assert_eq!(
            m.metadata.get("hallway-session-guid"),
            s.guid.as_ref(),
            "the schedule's guid"
        );
        assert_eq!(m.metadata["hallway-room"], "refereed");
    }
    // BBB records nothing of a meeting created with record=false.
    assert!(app.sims[0]
        .add_recording(&unrecorded_meeting, RecordingSpec::default())
        .is_err());
    // The session page says so; its neighbour's does not.
    let anonymous = reqwest::Client::new();
    let note = |html: &str| texts(html, "p.not-recorded");
    assert_eq!(
        note(&page(&anonymous, &app, &format!("/sessions/{}", opted_out.id)).await),
        ["Not recorded, at the speakers' request."]
    );
    assert!(note(&page(&anonymous, &app, &format!("/sessions/{}", recorded.id)).await).is_empty());
}

#[tokio::test]
async fn one_instance_fetches_and_the_other_learns_through_the_change_feed_without_calling_bbb() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let (a, _) = two_refereed_talks(&app);
    let guest = guest_client(&app.address, "Ada").await;
    let meeting = join_while_running(&app, &guest, &a).await;
    record(&app, &meeting, "https://video.example.org/talk-a", true);
    let second = app.another_instance().await;
    assert!(recordings_once(&app.state).await.unwrap().leader);

    reset_calls(&app);
    let follower = recordings_once(&second.state).await.unwrap();
    assert!(
        !follower.leader,
        "the lease holder fetches, the other does not"
    );
    second.state.refresh_once().await.unwrap();
    let other_guest = guest_client(&second.address, "Bo").await;
    let html = other_guest
        .get(format!("{}/sessions/{}", second.address, a.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(playback_links(&html), ["https://video.example.org/talk-a"]);
    assert_eq!(total_calls(&app), 0);
}

#[tokio::test]
async fn a_server_that_fails_keeps_its_recordings_and_one_bbb_deleted_disappears_at_the_next_fetch()
{
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let (a, _) = two_refereed_talks(&app);
    let guest = guest_client(&app.address, "Ada").await;
    let meeting = join_while_running(&app, &guest, &a).await;
    let id = record(&app, &meeting, "https://video.example.org/talk-a", true);
    recordings_once(&app.state).await.unwrap();
    app.refresh().await;
    let path = format!("/sessions/{}", a.id);

    app.sims[0].set_faults(Faults {
        failure: Some(Failure::Http500),
        ..Faults::none()
    });
    let report = recordings_once(&app.state).await.unwrap();
    assert_eq!(report.servers_failed, 1);
    assert_eq!(report.changed, 0);
    app.refresh().await;
    assert_eq!(playback_links(&page(&guest, &app, &path).await).len(), 1);

    app.sims[0].clear_faults();
    bbb()
        .delete_recordings(&endpoint(&app, "bbb1"), &[&id])
        .await
        .unwrap();
    assert_eq!(recordings_once(&app.state).await.unwrap().changed, 1);
    app.refresh().await;
    assert!(playback_links(&page(&guest, &app, &path).await).is_empty());
}

#[tokio::test]
async fn on_postgresql_two_instances_share_the_recordings_one_fetched() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let app = crate::helpers::spawn_app_on(Some(db.url.clone())).await;
    app.import_sample_running_now().await;
    let (a, _) = two_refereed_talks(&app);
    let guest = guest_client(&app.address, "Ada").await;
    let meeting = join_while_running(&app, &guest, &a).await;
    record(&app, &meeting, "https://video.example.org/pg", false);
    let second = app.another_instance().await;

    let report = recordings_once(&app.state).await.unwrap();
    assert_eq!((report.leader, report.changed), (true, 1));
    assert_eq!(
        recordings_once(&app.state).await.unwrap().changed,
        0,
        "nothing new: nothing written"
    );
    assert!(!recordings_once(&second.state).await.unwrap().leader);
    second.state.refresh_once().await.unwrap();
    let cached = second
        .state
        .recordings
        .of_room("refereed", hallway::recordings::cache::Visible::All);
    assert_eq!(cached.len(), 1);
    assert!(!cached[0].published);
    assert_eq!(cached[0].session_key.as_deref(), Some(a.key.as_str()));
    assert_eq!(cached[0].formats[0].url, "https://video.example.org/pg");
    drop(app);
    db.drop_now().await;
}

#[tokio::test]
async fn recordings_of_a_server_no_longer_configured_are_dropped_at_the_next_fetch() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let (a, _) = two_refereed_talks(&app);
    let old = hallway::recordings::cache::StoredRecording {
        server: "decommissioned".into(),
        record_id: "old-1".into(),
        meeting_id: "hallway-refereed".into(),
        name: "Old".into(),
        published: true,
        state: "published".into(),
        start_ms: 0,
        end_ms: 60_000,
        room: Some("refereed".into()),
        session_key: Some(a.key.clone()),
        session_guid: None,
        formats: vec![hallway::recordings::cache::Format {
            format_type: "video".into(),
            url: "https://old.example.org/v".into(),
            length: Some(1),
        }],
    };
    hallway::recordings::store::replace_server(&app.db, "decommissioned", vec![old], 0)
        .await
        .unwrap();
    app.refresh().await;
    let path = format!("/sessions/{}", a.id);
    let anonymous = reqwest::Client::new();
    assert_eq!(
        playback_links(&page(&anonymous, &app, &path).await),
        ["https://old.example.org/v"]
    );

    assert_eq!(recordings_once(&app.state).await.unwrap().changed, 1);
    app.refresh().await;
    assert!(playback_links(&page(&anonymous, &app, &path).await).is_empty());
}
