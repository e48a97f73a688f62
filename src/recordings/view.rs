//! Recordings as pages list them: when it was recorded (in the visitor's zone), and per
//! format its name, length and playback link. Links go through the pages' one http(s)-only
//! rule (`schedule::published::http_link`): a playback URL of another scheme is named but not
//! linked. Pure: the page hands in the cached recordings and its time writer.

use std::sync::Arc;

use chrono::DateTime;

use crate::recordings::cache::StoredRecording;
use crate::schedule::published::http_link;
use crate::web::time::{Shown, Writer};

/// One playback format of a listed recording.
#[derive(Clone, Debug)]
pub struct PlaybackLine {
    /// "Presentation", "Podcast (audio)", "Video", or BBB's word.
    pub label: String,
    /// "45 min", "under a minute", or empty when BBB gave no length.
    pub length: String,
    /// The http(s) playback link; empty when BBB's URL is not one.
    pub url: String,
}

/// One recording on a page.
#[derive(Clone, Debug)]
pub struct RecordingLine {
    /// BBB's recordID (the element id on the page).
    pub record_id: String,
    /// When it ran.
    pub when: Shown,
    /// False for unpublished recordings (only listed to staff).
    pub published: bool,
    /// The session it belongs to, as (id, title), on room pages; `None` elsewhere or when no
    /// session of the room is its.
    pub session: Option<(i64, String)>,
    /// Its formats.
    pub formats: Vec<PlaybackLine>,
}

/// The label of a BBB playback format type.
pub fn format_label(format_type: &str) -> String {
    match format_type {
        "presentation" => "Presentation".into(),
        "podcast" => "Podcast (audio)".into(),
        "video" => "Video".into(),
        "screenshare" => "Screen share".into(),
        "notes" => "Shared notes".into(),
        "capture" => "Capture".into(),
        other => other.to_owned(),
    }
}

fn length(minutes: Option<u64>) -> String {
    match minutes {
        None => String::new(),
        Some(0) => "under a minute".into(),
        Some(m) => format!("{m} min"),
    }
}

/// The lines of `recordings`, with times written by `times`; `session_of` names the session
/// of each (room pages).
pub fn lines(
    recordings: &[Arc<StoredRecording>],
    times: &Writer,
    session_of: impl Fn(&StoredRecording) -> Option<(i64, String)>,
) -> Vec<RecordingLine> {
    recordings
        .iter()
        .map(|r| {
            let start = DateTime::from_timestamp_millis(r.start_ms).unwrap_or_default();
            let end = DateTime::from_timestamp_millis(r.end_ms.max(r.start_ms)).unwrap_or(start);
            RecordingLine {
                record_id: r.record_id.clone(),
                when: times.range(start, end),
                published: r.published,
                session: session_of(r),
                formats: r
                    .formats
                    .iter()
                    .map(|f| PlaybackLine {
                        label: format_label(&f.format_type),
                        length: length(f.length),
                        url: http_link(Some(&f.url)),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recordings::cache::Format;

    #[test]
    fn formats_are_named_lengths_written_and_only_http_links_kept() {
        let r = Arc::new(StoredRecording {
            server: "bbb1".into(),
            record_id: "r1".into(),
            meeting_id: "m".into(),
            name: "n".into(),
            published: false,
            state: "unpublished".into(),
            start_ms: 1_789_452_000_000,
            end_ms: 1_789_452_000_000 + 45 * 60_000,
            room: None,
            session_key: None,
            session_guid: None,
            formats: vec![
                Format {
                    format_type: "presentation".into(),
                    url: "https://bbb.example/playback/presentation/2.3/r1".into(),
                    length: Some(45),
                },
                Format {
                    format_type: "podcast".into(),
                    url: "javascript:alert(1)".into(),
                    length: Some(0),
                },
                Format {
                    format_type: "x-custom".into(),
                    url: "http://bbb.example/x".into(),
                    length: None,
                },
            ],
        });
        let w = Writer::new(
            chrono_tz::Europe::Vienna,
            DateTime::from_timestamp(0, 0).unwrap(),
        );
        let l = &lines(&[r], &w, |_| None)[0];
        assert!(!l.published);
        let f: Vec<(&str, &str, &str)> = l
            .formats
            .iter()
            .map(|f| (f.label.as_str(), f.length.as_str(), f.url.as_str()))
            .collect();
        assert_eq!(
            f,
            [
                (
                    "Presentation",
                    "45 min",
                    "https://bbb.example/playback/presentation/2.3/r1"
                ),
                ("Podcast (audio)", "under a minute", ""),
                ("x-custom", "", "http://bbb.example/x"),
            ]
        );
        assert!(l.when.utc.contains("UTC") && l.when.local.is_some());
    }
}
