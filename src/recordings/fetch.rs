//! The recordings step: ask every BBB server for hallway's recordings and store what they
//! list. Run by the `recordings` loop every [`INTERVAL`] on one instance at a time (the
//! `recordings` job lease); tests call [`recordings_once`] directly.

use std::time::Duration;

use futures::future::join_all;

use crate::bbb::{Recording, RecordingsQuery};
use crate::db::to_db_time;
use crate::recordings::cache::{Format, StoredRecording};
use crate::recordings::store;
use crate::rooms::meeting::{ROOM_META, SESSION_GUID_META, SESSION_KEY_META};
use crate::rooms::store as room_store;
use crate::state::AppState;

/// How often the loop asks. Recordings appear minutes after a session (BBB processes them
/// first), so a few minutes' delay costs nothing and keeps the load at one call per server.
pub const INTERVAL: Duration = Duration::from_secs(120);

/// What one step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// False when another instance holds the lease (nothing was asked).
    pub leader: bool,
    /// Servers that answered.
    pub servers_ok: usize,
    /// Servers that did not (their recordings stay as they were).
    pub servers_failed: usize,
    /// Recordings the answering servers listed.
    pub recordings: usize,
    /// Servers whose stored recordings changed.
    pub changed: usize,
}

/// The query: every recording of a meeting hallway created (they all carry `bbb-origin`),
/// published or not.
fn query() -> RecordingsQuery {
    RecordingsQuery {
        states: vec!["published".into(), "unpublished".into()],
        meta: vec![("bbb-origin".into(), "hallway".into())],
        ..RecordingsQuery::default()
    }
}

/// A listed recording as the cache keeps it: the room from the tag or hallway's meetingID.
fn to_stored(state: &AppState, server: &str, r: Recording) -> StoredRecording {
    let tag = |name: &str| {
        r.metadata
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let room = tag(ROOM_META).or_else(|| {
        state
            .rooms
            .room_of_meeting(&r.meeting_id)
            .map(|room| room.slug.to_string())
    });
    StoredRecording {
        server: server.to_owned(),
        session_key: tag(SESSION_KEY_META),
        session_guid: tag(SESSION_GUID_META),
        room,
        formats: r
            .playback
            .into_iter()
            .map(|f| Format {
                format_type: f.format_type,
                url: f.url,
                length: f.length,
            })
            .collect(),
        record_id: r.record_id,
        meeting_id: r.meeting_id,
        name: r.name,
        published: r.published,
        state: r.state,
        start_ms: r.start_time,
        end_ms: r.end_time,
    }
}

/// One step: if this instance holds the `recordings` lease, one getRecordings per configured
/// server (concurrently), and each answering server's recordings replace its stored ones.
pub async fn recordings_once(state: &AppState) -> Result<FetchReport, sqlx::Error> {
    let now = to_db_time(state.clock.now());
    let until = now + 2 * INTERVAL.as_secs() as i64;
    if !room_store::try_job_lease(&state.db, "recordings", &state.instance_id, now, until).await? {
        return Ok(FetchReport::default());
    }
    let q = query();
    let mut servers: Vec<_> = state.endpoints.iter().collect();
    servers.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    let answers = join_all(servers.iter().map(|(name, ep)| {
        let q = &q;
        async move { (name.as_str(), state.bbb.get_recordings(ep, q).await) }
    }))
    .await;
    let mut report = FetchReport {
        leader: true,
        ..FetchReport::default()
    };
    for (server, answer) in answers {
        match answer {
            Ok(list) => {
                report.servers_ok += 1;
                let mut rows: Vec<StoredRecording> = list
                    .into_iter()
                    .map(|r| to_stored(state, server, r))
                    .collect();
                rows.sort_by(|a, b| a.record_id.cmp(&b.record_id));
                rows.dedup_by(|a, b| a.record_id == b.record_id);
                report.recordings += rows.len();
                if store::replace_server(&state.db, server, rows, now).await? {
                    report.changed += 1;
                }
            }
            Err(e) => {
                report.servers_failed += 1;
                tracing::warn!(
                    server,
                    error = %crate::telemetry::error_chain(&e),
                    "fetching recordings failed; keeping the ones listed before"
                );
            }
        }
    }
    // A server taken out of the configuration: its recordings go with it.
    for gone in store::servers(&state.db).await? {
        if !servers.iter().any(|(name, _)| name.as_str() == gone) {
            store::replace_server(&state.db, &gone, Vec::new(), now).await?;
            report.changed += 1;
        }
    }
    Ok(report)
}
