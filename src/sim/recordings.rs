//! Recordings in the simulator: what BBB's recording pipeline would have published.
//!
//! A real BBB server lists a recording minutes after a meeting that had `record=true` ended.
//! The simulator has no media pipeline, so tests, benchmarks and the demo add recordings
//! through the control API instead, and the BBB calls around recordings answer from that list:
//!
//! - `POST /sim/meetings/{meetingID}/recordings` with a JSON [`RecordingSpec`] → 201
//!   `{"recordID": "…"}`. When the meeting is known to the simulator its name, internal id,
//!   createTime and `meta_*` metadata are taken from it (as bbb-web copies them into the
//!   recording), and a meeting created with `record=false` refuses (409): BBB records nothing
//!   then. 400 for an invalid spec, 409 for a recordID that already exists.
//!   Rust: [`super::SimServer::add_recording`].
//! - `getRecordings` with the filters of bbb-web: `meetingID` and `recordID` (comma lists;
//!   a recordID prefix matches, and recordID wins over meetingID), `state` (comma list, `any`;
//!   default published and unpublished), `meta_<name>=<value>` (every one must match).
//!   The answer has the element paths of `getRecordings-two-recordings.xml` (2.x/3.0
//!   include-recording template), or RecMetaXmlHelper's `noRecordings` when nothing matches.
//! - `publishRecordings` (`recordID`, `publish=true|false`) → `<published>`, and
//!   `deleteRecordings` (`recordID`) → `<deleted>true</deleted>` (the recording's state becomes
//!   `deleted`: listed only for `state=deleted` or `any`); unknown ids answer `notFound` "We
//!   could not find recordings" like `recordings-notFound.xml`.
//! - `GET /playback/{format}/{recordID}`: a small page standing in for the player, so playback
//!   links the simulator hands out open somewhere.

use std::collections::BTreeMap;
use std::sync::Mutex;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use sha1::{Digest, Sha1};

use super::render::{self, Xml};
use super::state::now_ms;
use super::Shared;

/// The recording calls this module answers besides getRecordings (GET only).
pub(crate) const CALLS: [&str; 2] = ["publishRecordings", "deleteRecordings"];

/// A recording to add (the body of `POST /sim/meetings/{meetingID}/recordings`). Every field
/// is optional; JSON names as BBB spells them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingSpec {
    /// `recordID`; default `{sha1(meetingID)}-{startTime}` as bbb-web makes it.
    #[serde(rename = "recordID")]
    pub record_id: Option<String>,
    /// `name`; default the meeting's name, else the meetingID.
    pub name: Option<String>,
    /// Published (default true) or unpublished.
    pub published: Option<bool>,
    /// `startTime`, epoch ms; default the meeting's createTime, else now.
    #[serde(rename = "startTime")]
    pub start_time: Option<i64>,
    /// `endTime`, epoch ms; default start plus the longest format.
    #[serde(rename = "endTime")]
    pub end_time: Option<i64>,
    /// `participants` (default 1).
    pub participants: Option<u32>,
    /// `meta_*` values, names without the prefix (lower-cased like create's); they override
    /// the meeting's.
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    /// Playback formats. Empty (and no shorthand below): one `presentation` format played
    /// by the simulator itself.
    #[serde(default)]
    pub formats: Vec<FormatSpec>,
    /// Shorthand for one format: its type.
    pub format: Option<String>,
    /// Shorthand: its playback URL.
    pub url: Option<String>,
    /// Shorthand: its length in minutes.
    pub length: Option<u64>,
}

/// One playback format of a [`RecordingSpec`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatSpec {
    /// `type` (`presentation`, `podcast`, `video`, …).
    #[serde(rename = "type")]
    pub format_type: String,
    /// `url`; default the simulator's own playback page.
    pub url: Option<String>,
    /// `length` in minutes (default: the recording's duration).
    pub length: Option<u64>,
    /// `processingTime` in ms (default 0).
    #[serde(rename = "processingTime")]
    pub processing_time: Option<u64>,
    /// `size` in bytes, shown only when given.
    pub size: Option<u64>,
    /// `preview/images/image` thumbnails.
    #[serde(default)]
    pub preview: Vec<PreviewSpec>,
}

/// A preview thumbnail of a [`FormatSpec`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewSpec {
    /// The image URL.
    pub url: String,
    /// `alt`.
    pub alt: Option<String>,
    /// `width` (default 176, as BBB's thumbnails).
    pub width: Option<u32>,
    /// `height` (default 136).
    pub height: Option<u32>,
}

/// Why a recording could not be added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddRecordingError {
    /// The spec is not valid (message says why): HTTP 400.
    Invalid(String),
    /// The meeting was created with `record=false`, or the recordID exists: HTTP 409.
    Conflict(String),
}

impl std::fmt::Display for AddRecordingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) | Self::Conflict(m) => f.write_str(m),
        }
    }
}

/// One format as stored (defaults filled in).
#[derive(Clone, Debug)]
struct SimFormat {
    format_type: String,
    url: String,
    length: u64,
    processing_time: u64,
    size: Option<u64>,
    preview: Vec<PreviewSpec>,
}

/// One recording as stored.
#[derive(Clone, Debug)]
struct SimRecording {
    record_id: String,
    meeting_id: String,
    internal_meeting_id: String,
    name: String,
    published: bool,
    deleted: bool,
    start_time: i64,
    end_time: i64,
    participants: u32,
    metadata: BTreeMap<String, String>,
    formats: Vec<SimFormat>,
}

impl SimRecording {
    fn state(&self) -> &'static str {
        match (self.deleted, self.published) {
            (true, _) => "deleted",
            (false, true) => "published",
            (false, false) => "unpublished",
        }
    }
}

/// The recordings of one simulated server.
#[derive(Debug, Default)]
pub(crate) struct Recordings {
    list: Mutex<Vec<SimRecording>>,
}

impl Recordings {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SimRecording>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// bbb-web's rule for `meta_` names: a letter, then letters, digits and dashes.
fn valid_meta_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Adds a recording of `meeting_id` (shared by the HTTP control API and
/// [`super::SimServer::add_recording`]); `origin` is where default playback URLs point.
pub(crate) fn add(
    sim: &Shared,
    origin: &str,
    meeting_id: &str,
    spec: RecordingSpec,
) -> Result<String, AddRecordingError> {
    let invalid = |m: &str| Err(AddRecordingError::Invalid(m.to_owned()));
    if meeting_id.trim().is_empty() {
        return invalid("a recording needs a meetingID");
    }
    if let Some(bad) = spec.meta.keys().find(|k| !valid_meta_name(k)) {
        return Err(AddRecordingError::Invalid(format!(
            "meta name {bad:?} is not [a-zA-Z][a-zA-Z0-9-]*"
        )));
    }
    // What bbb-web copies from the meeting into its recording.
    let meeting = {
        let st = sim.lock();
        st.find_key(meeting_id)
            .and_then(|k| st.meetings.get(&k))
            .map(|m| {
                (
                    m.name.clone(),
                    m.create_time,
                    m.metadata.clone(),
                    m.record,
                    m.meeting_id.clone(),
                )
            })
    };
    if let Some((_, _, _, false, _)) = &meeting {
        return Err(AddRecordingError::Conflict(format!(
            "meeting {meeting_id} was created with record=false: BBB records nothing"
        )));
    }
    let (meeting_name, create_time, mut metadata, external_id) = match meeting {
        Some((name, ct, meta, _, id)) => (Some(name), Some(ct), meta, id),
        None => (None, None, BTreeMap::new(), meeting_id.to_owned()),
    };
    for (k, v) in &spec.meta {
        metadata.insert(k.to_ascii_lowercase(), v.clone());
    }
    let name = spec
        .name
        .clone()
        .or(meeting_name)
        .unwrap_or_else(|| external_id.clone());
    metadata.insert("isBreakout".into(), "false".into());
    metadata.insert("meetingName".into(), name.clone());
    metadata.insert("meetingId".into(), external_id.clone());
    let start_time = spec.start_time.or(create_time).unwrap_or_else(now_ms);
    let mut formats = spec.formats.clone();
    if spec.format.is_some() || spec.url.is_some() || spec.length.is_some() {
        formats.push(FormatSpec {
            format_type: spec.format.clone().unwrap_or_else(|| "presentation".into()),
            url: spec.url.clone(),
            length: spec.length,
            ..FormatSpec::default()
        });
    }
    if formats.is_empty() {
        formats.push(FormatSpec {
            format_type: "presentation".into(),
            ..FormatSpec::default()
        });
    }
    if formats.iter().any(|f| !valid_meta_name(&f.format_type)) {
        return invalid("a format type is a word such as presentation, podcast or video");
    }
    let longest = formats.iter().filter_map(|f| f.length).max();
    let end_time = spec
        .end_time
        .unwrap_or(start_time + longest.unwrap_or(1) as i64 * 60_000);
    if end_time < start_time {
        return invalid("endTime is before startTime");
    }
    let minutes = ((end_time - start_time) / 60_000) as u64;
    let hash = hex::encode(Sha1::digest(external_id.as_bytes()));
    let record_id = spec
        .record_id
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| format!("{hash}-{start_time}"));
    let formats = formats
        .into_iter()
        .map(|f| SimFormat {
            url: f
                .url
                .unwrap_or_else(|| format!("{origin}/playback/{}/{record_id}", f.format_type)),
            length: f.length.unwrap_or(minutes),
            processing_time: f.processing_time.unwrap_or(0),
            size: f.size,
            preview: f.preview,
            format_type: f.format_type,
        })
        .collect();
    let recording = SimRecording {
        internal_meeting_id: record_id.clone(),
        record_id: record_id.clone(),
        meeting_id: external_id,
        name,
        published: spec.published.unwrap_or(true),
        deleted: false,
        start_time,
        end_time,
        participants: spec.participants.unwrap_or(1),
        metadata,
        formats,
    };
    let mut list = sim.recordings.lock();
    if list.iter().any(|r| r.record_id == record_id) {
        return Err(AddRecordingError::Conflict(format!(
            "recording {record_id} exists already"
        )));
    }
    list.push(recording);
    tracing::debug!(record = %record_id, meeting = %meeting_id, "bbb-sim: recording added");
    Ok(record_id)
}

fn param<'a>(p: &'a [(String, String)], name: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn list_of(v: Option<&str>) -> Vec<String> {
    v.map(|v| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// The recordings named by a `recordID` list: exact ids or prefixes, as bbb-web matches them.
fn by_record_ids(r: &SimRecording, ids: &[String]) -> bool {
    ids.iter().any(|id| r.record_id.starts_with(id.as_str()))
}

/// Answers getRecordings, publishRecordings or deleteRecordings (checksum already checked).
pub(crate) fn answer(sim: &Shared, call: &str, p: &[(String, String)]) -> String {
    match call {
        "publishRecordings" => publish(sim, p),
        "deleteRecordings" => delete(sim, p),
        _ => get_recordings(sim, p),
    }
}

fn get_recordings(sim: &Shared, p: &[(String, String)]) -> String {
    let record_ids = list_of(param(p, "recordID"));
    let meeting_ids = list_of(param(p, "meetingID"));
    let states = list_of(param(p, "state"));
    let any_state = states.iter().any(|s| s == "any");
    let meta: Vec<(String, &str)> = p
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("meta_")?.to_ascii_lowercase(), v.as_str())))
        .collect();
    let list = sim.recordings.lock();
    let found: Vec<&SimRecording> = list
        .iter()
        .filter(|r| {
            if !record_ids.is_empty() {
                by_record_ids(r, &record_ids)
            } else {
                meeting_ids.is_empty() || meeting_ids.contains(&r.meeting_id)
            }
        })
        .filter(|r| {
            if any_state {
                true
            } else if states.is_empty() {
                !r.deleted
            } else {
                states.iter().any(|s| s == r.state())
            }
        })
        .filter(|r| {
            meta.iter()
                .all(|(k, v)| r.metadata.get(k).is_some_and(|have| have == v))
        })
        .collect();
    if found.is_empty() {
        return render::no_recordings();
    }
    let mut x = Xml::response("SUCCESS");
    x.open("recordings");
    for r in found {
        recording(&mut x, r);
    }
    x.close("recordings");
    x.finish()
}

/// One `<recording>`, in the element order of the 2.x/3.0 include-recording template.
fn recording(x: &mut Xml, r: &SimRecording) {
    x.open("recording")
        .elem("recordID", &r.record_id)
        .elem("meetingID", &r.meeting_id)
        .elem("internalMeetingID", &r.internal_meeting_id)
        .elem("name", &r.name)
        .elem("isBreakout", "false")
        .elem("published", if r.published { "true" } else { "false" })
        .elem("state", r.state())
        .elem("startTime", &r.start_time.to_string())
        .elem("endTime", &r.end_time.to_string())
        .elem("participants", &r.participants.to_string());
    x.open("metadata");
    for (k, v) in &r.metadata {
        x.elem(k, v);
    }
    x.close("metadata");
    x.open("playback");
    for f in &r.formats {
        x.open("format")
            .elem("type", &f.format_type)
            .elem("url", &f.url)
            .elem("processingTime", &f.processing_time.to_string())
            .elem("length", &f.length.to_string());
        if let Some(size) = f.size {
            x.elem("size", &size.to_string());
        }
        if !f.preview.is_empty() {
            x.open("preview").open("images");
            for i in &f.preview {
                let (w, h) = (i.width.unwrap_or(176), i.height.unwrap_or(136));
                x.elem_with_attrs(
                    "image",
                    &[
                        ("alt", i.alt.as_deref().unwrap_or("")),
                        ("height", &h.to_string()),
                        ("width", &w.to_string()),
                    ],
                    &i.url,
                );
            }
            x.close("images").close("preview");
        }
        x.close("format");
    }
    x.close("playback");
    x.close("recording");
}

const MSG_NOT_FOUND: &str = "We could not find recordings";

fn publish(sim: &Shared, p: &[(String, String)]) -> String {
    let Some(ids) = param(p, "recordID") else {
        return render::failed("missingParamRecordID", "You must specify a recordID.");
    };
    let publish = match param(p, "publish").map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        _ => {
            return render::failed(
                "missingParamPublish",
                "You must specify a publish value true or false.",
            )
        }
    };
    let ids = list_of(Some(ids));
    let mut list = sim.recordings.lock();
    let mut found = false;
    for r in list
        .iter_mut()
        .filter(|r| !r.deleted && ids.contains(&r.record_id))
    {
        r.published = publish;
        found = true;
    }
    if !found {
        return render::failed("notFound", MSG_NOT_FOUND);
    }
    let mut x = Xml::response("SUCCESS");
    x.elem("published", if publish { "true" } else { "false" });
    x.finish()
}

fn delete(sim: &Shared, p: &[(String, String)]) -> String {
    let Some(ids) = param(p, "recordID") else {
        return render::failed("missingParamRecordID", "You must specify a recordID.");
    };
    let ids = list_of(Some(ids));
    let mut list = sim.recordings.lock();
    let mut found = false;
    for r in list
        .iter_mut()
        .filter(|r| !r.deleted && ids.contains(&r.record_id))
    {
        r.deleted = true;
        r.published = false;
        found = true;
    }
    if !found {
        return render::failed("notFound", MSG_NOT_FOUND);
    }
    let mut x = Xml::response("SUCCESS");
    x.elem("deleted", "true");
    x.finish()
}

/// `POST /sim/meetings/{meetingID}/recordings` with a JSON [`RecordingSpec`].
pub(crate) async fn post_recording(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let spec: RecordingSpec = if body.iter().all(u8::is_ascii_whitespace) {
        RecordingSpec::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(s) => s,
            Err(e) => {
                return HttpResponse::BadRequest()
                    .json(serde_json::json!({ "error": e.to_string() }))
            }
        }
    };
    let ci = req.connection_info().clone();
    let origin = format!("{}://{}", ci.scheme(), ci.host());
    match add(&sim, &origin, &path, spec) {
        Ok(id) => HttpResponse::Created().json(serde_json::json!({ "recordID": id })),
        Err(e @ AddRecordingError::Invalid(_)) => {
            HttpResponse::BadRequest().json(serde_json::json!({ "error": e.to_string() }))
        }
        Err(e @ AddRecordingError::Conflict(_)) => {
            HttpResponse::Conflict().json(serde_json::json!({ "error": e.to_string() }))
        }
    }
}

/// `GET /playback/{format}/{recordID}`: the stand-in player page.
pub(crate) async fn playback_page(
    path: web::Path<(String, String)>,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let (format, id) = path.into_inner();
    let list = sim.recordings.lock();
    let Some(r) = list
        .iter()
        .find(|r| r.record_id == id && r.published && !r.deleted)
    else {
        return HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body("no such published recording");
    };
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><p id=\"playback\">Playing {} ({})</p></body></html>\n",
            esc(&r.name),
            esc(&r.name),
            esc(&format)
        ))
}
