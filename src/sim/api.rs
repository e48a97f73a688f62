//! The BBB API surface of the simulator: `/bigbluebutton/api[/{call}]`.
//!
//! Checksums are verified exactly like bbb-web 3.0 does it: on the raw,
//! undecoded query string with the `checksum` parameter removed textually,
//! the algorithm chosen by the checksum length among the configured ones,
//! compared case-insensitively, duplicate `checksum` parameters rejected.
//! Parameters are decoded separately (form-urlencoded, `+` is a space).
//! Every XML answer is HTTP 200 `text/xml;charset=utf-8`; join errors are
//! XML with `redirect=false` (2.7+) and a 302 with `?errors=` otherwise.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::render;
use super::state::{random_lower, CreateOutcome, NewMeeting, Session};
use super::Shared;
use crate::bbb::{checksum, ChecksumAlgorithm, Role};

/// Calls the simulator implements.
const CALLS: [&str; 6] = [
    "create",
    "join",
    "getMeetings",
    "getMeetingInfo",
    "isMeetingRunning",
    "end",
];

/// Calls that also accept POST.
const POST_CALLS: [&str; 5] = [
    "create",
    "getMeetings",
    "getMeetingInfo",
    "isMeetingRunning",
    "end",
];

const MSG_NOT_FOUND: &str = "A meeting with that ID does not exist";
const MSG_MISSING_ID: &str = "You must provide a meeting ID";

/// Result of checksum verification.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChecksumCheck {
    /// Valid.
    Ok,
    /// No (or an empty) checksum: "You must provide the checksum".
    Missing,
    /// Wrong, duplicated, or of a disabled algorithm: "Checksums do not match".
    Mismatch,
}

/// Verifies `raw_query` (undecoded, as received) for `call`, like bbb-web.
pub(crate) fn verify_query(
    call: &str,
    raw_query: &str,
    secret: &str,
    allowed: &[ChecksumAlgorithm],
) -> ChecksumCheck {
    let given: Vec<&str> = raw_query
        .split('&')
        .filter_map(|p| p.strip_prefix("checksum="))
        .collect();
    let given = match given.as_slice() {
        [] => return ChecksumCheck::Missing,
        [one] => *one,
        _ => return ChecksumCheck::Mismatch,
    };
    if given.is_empty() {
        return ChecksumCheck::Missing;
    }
    // bbb-web: plain string replacement of the three forms.
    let rest = raw_query
        .replace(&format!("&checksum={given}"), "")
        .replace(&format!("checksum={given}&"), "")
        .replace(&format!("checksum={given}"), "");
    verify_string(call, &rest, given, secret, allowed)
}

fn verify_string(
    call: &str,
    signed: &str,
    given: &str,
    secret: &str,
    allowed: &[ChecksumAlgorithm],
) -> ChecksumCheck {
    match ChecksumAlgorithm::from_hex_len(given.len()).filter(|a| allowed.contains(a)) {
        Some(alg) if checksum(alg, call, signed, secret).eq_ignore_ascii_case(given) => {
            ChecksumCheck::Ok
        }
        _ => ChecksumCheck::Mismatch,
    }
}

/// An XML response as BBB sends it.
pub(crate) fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/xml;charset=utf-8"))
        .body(body)
}

fn failed(key: &str, message: &str) -> HttpResponse {
    xml(render::failed(key, message))
}

/// `scheme://host[:port]` of the request, for URLs the sim hands out.
pub(crate) fn origin(req: &HttpRequest) -> String {
    let ci = req.connection_info();
    format!("{}://{}", ci.scheme(), ci.host())
}

/// `GET /bigbluebutton/api[/]`.
pub(crate) async fn api_root(req: HttpRequest) -> HttpResponse {
    xml(render::api_version(&origin(&req)))
}

/// Decoded parameters, first occurrence wins.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str, default: bool) -> bool {
        self.get(name)
            .map(|v| v.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(default)
    }
}

/// `/bigbluebutton/api/{call}`, any method.
pub(crate) async fn api_call(
    req: HttpRequest,
    call: web::Path<String>,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> HttpResponse {
    let call = call.into_inner();
    // Fault injection (`/sim/faults`) would hook in here, before anything
    // else: refuse, delay, 500, garbage or wrong-secret answers.
    if !CALLS.contains(&call.as_str()) {
        return failed("unsupportedRequest", "This request is not supported.");
    }
    let is_post = req.method() == actix_web::http::Method::POST;
    if !(req.method() == actix_web::http::Method::GET
        || (is_post && POST_CALLS.contains(&call.as_str())))
    {
        return failed("unsupportedRequest", "This request is not supported.");
    }
    let raw = req.query_string().to_owned();
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let mut body_params: Vec<(String, String)> = Vec::new();
    if is_post && !body.is_empty() {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ct.starts_with("application/x-www-form-urlencoded") {
            body_params = url::form_urlencoded::parse(&body).into_owned().collect();
        } else if !(call == "create"
            && (ct.starts_with("application/xml") || ct.starts_with("text/xml")))
        {
            return failed(
                "unsupportedContentType",
                "POST request Content-Type is missing or unsupported",
            );
        }
    }
    let check = if sim.config.secret.is_empty() {
        ChecksumCheck::Ok
    } else if raw.split('&').any(|p| p.starts_with("checksum=")) || body_params.is_empty() {
        if body_params.iter().any(|(k, _)| k == "checksum") {
            ChecksumCheck::Mismatch
        } else {
            verify_query(&call, &raw, &sim.config.secret, &sim.config.algorithms)
        }
    } else {
        // bbb-web 2.4-2.7: empty URL query, everything in the body: rebuild
        // the signed string from the parameters sorted by name.
        let sums: Vec<&str> = body_params
            .iter()
            .filter(|(k, _)| k == "checksum")
            .map(|(_, v)| v.as_str())
            .collect();
        match sums.as_slice() {
            [] | [""] => ChecksumCheck::Missing,
            [given] => {
                let mut sorted: Vec<&(String, String)> = body_params
                    .iter()
                    .filter(|(k, _)| k != "checksum")
                    .collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in sorted {
                    ser.append_pair(k, v);
                }
                let signed = ser.finish();
                verify_string(
                    &call,
                    &signed,
                    given,
                    &sim.config.secret,
                    &sim.config.algorithms,
                )
            }
            _ => ChecksumCheck::Mismatch,
        }
    };
    params.append(&mut body_params);
    let params = Params(params);
    let checksum_error = match check {
        ChecksumCheck::Ok => None,
        ChecksumCheck::Missing => Some("You must provide the checksum"),
        ChecksumCheck::Mismatch => Some("Checksums do not match"),
    };
    if let Some(msg) = checksum_error {
        tracing::debug!(call, "bbb-sim: checksum rejected");
        if call == "join" {
            return join_error(&sim, &req, &params, "checksumError", msg);
        }
        return failed("checksumError", msg);
    }
    match call.as_str() {
        "create" => create(&sim, &params),
        "join" => join(&sim, &req, &params),
        "getMeetings" => {
            let st = sim.lock();
            xml(render::meetings(st.meetings.values()))
        }
        "getMeetingInfo" => {
            let Some(id) = params.get("meetingID").filter(|s| !s.is_empty()) else {
                return failed("missingParamMeetingID", MSG_MISSING_ID);
            };
            let st = sim.lock();
            match st.find_key(id).and_then(|k| st.meetings.get(&k)) {
                Some(m) => xml(render::meeting_info(m)),
                None => failed("notFound", MSG_NOT_FOUND),
            }
        }
        "isMeetingRunning" => {
            let Some(id) = params.get("meetingID").filter(|s| !s.is_empty()) else {
                return failed("missingParamMeetingID", MSG_MISSING_ID);
            };
            let st = sim.lock();
            let running = st
                .find_key(id)
                .and_then(|k| st.meetings.get(&k))
                .is_some_and(|m| m.running());
            xml(render::running(running))
        }
        _ => end(&sim, &params),
    }
}

fn create(sim: &Shared, p: &Params) -> HttpResponse {
    let Some(id) = p.get("meetingID").filter(|s| !s.trim().is_empty()) else {
        return failed("missingParamMeetingID", MSG_MISSING_ID);
    };
    let len = id.chars().count();
    if !(2..=256).contains(&len) {
        return failed(
            "validationError",
            "Meeting ID must be between 2 and 256 characters",
        );
    }
    if id.contains(',') {
        return failed("validationError", "Meeting ID cannot contain ','");
    }
    // Key not verified against bbb-web; the message is the 2.4+ text.
    let Some(name) = p.get("name").filter(|s| !s.is_empty()) else {
        return failed("missingParamMeetingName", "You must provide a meeting name");
    };
    if !(2..=256).contains(&name.chars().count()) {
        return failed(
            "validationError",
            "Meeting name must be between 2 and 256 characters",
        );
    }
    for pw in ["attendeePW", "moderatorPW"] {
        if let Some(v) = p.get(pw) {
            if !(2..=64).contains(&v.chars().count()) {
                return failed(
                    "validationError",
                    "Password must be between 2 and 64 characters",
                );
            }
        }
    }
    let num = |n: &str| p.get(n).and_then(|v| v.trim().parse::<u32>().ok());
    let metadata: BTreeMap<String, String> =
        p.0.iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("meta_")?;
                let mut chars = name.chars();
                let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
                ok.then(|| (name.to_ascii_lowercase(), v.clone()))
            })
            .collect();
    let req = NewMeeting {
        meeting_id: id.to_owned(),
        name: name.to_owned(),
        attendee_pw: p.get("attendeePW").map(str::to_owned),
        moderator_pw: p.get("moderatorPW").map(str::to_owned),
        voice_bridge: num("voiceBridge").filter(|v| *v > 0),
        dial_number: p.get("dialNumber").map(str::to_owned),
        duration: num("duration").unwrap_or(0),
        max_users: num("maxParticipants").unwrap_or(0),
        record: p.flag("record", false),
        logout_url: p
            .get("logoutURL")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        metadata,
    };
    let (outcome, m) = sim.lock().create(req);
    match outcome {
        CreateOutcome::Created => {
            tracing::debug!(meeting = %m.meeting_id, "bbb-sim: meeting created");
            xml(render::created(&m, "", ""))
        }
        CreateOutcome::Duplicate => xml(render::created(
            &m,
            "duplicateWarning",
            "This conference was already in existence and may currently be in progress.",
        )),
        CreateOutcome::IdNotUnique => failed(
            "idNotUnique",
            "A meeting already exists with that meeting ID.  Please use a different meeting ID.",
        ),
    }
}

fn end(sim: &Shared, p: &Params) -> HttpResponse {
    let Some(id) = p.get("meetingID").filter(|s| !s.is_empty()) else {
        return failed("missingParamMeetingID", MSG_MISSING_ID);
    };
    let mut st = sim.lock();
    let Some(key) = st.find_key(id) else {
        return failed("notFound", MSG_NOT_FOUND);
    };
    if let (Some(pw), Some(m)) = (p.get("password"), st.meetings.get(&key)) {
        if pw != m.moderator_pw {
            return failed(
                "invalidPassword",
                "The supplied moderator password is incorrect",
            );
        }
    }
    // Real BBB ends asynchronously and may keep the meeting around briefly
    // with hasBeenForciblyEnded=true; removing it at once is the simplest
    // behaviour a client must also handle.
    st.remove_meeting(&key);
    tracing::debug!(meeting = %key, "bbb-sim: meeting ended");
    xml(render::ended())
}

/// A join error: XML with redirect=false, else a 302 with `?errors=`.
fn join_error(
    sim: &Shared,
    req: &HttpRequest,
    p: &Params,
    key: &str,
    message: &str,
) -> HttpResponse {
    if !p.flag("redirect", true) {
        return failed(key, message);
    }
    let target = p
        .get("errorRedirectUrl")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            let st = sim.lock();
            let id = p.get("meetingID")?;
            let k = st.find_key(id)?;
            st.meetings.get(&k)?.logout_url.clone()
        })
        .unwrap_or_else(|| format!("{}/", origin(req)));
    let errors = serde_json::json!([{ "message": message, "key": key }]).to_string();
    let encoded: String = url::form_urlencoded::byte_serialize(errors.as_bytes()).collect();
    let sep = if target.contains('?') { '&' } else { '?' };
    HttpResponse::Found()
        .insert_header((header::LOCATION, format!("{target}{sep}errors={encoded}")))
        .finish()
}

fn join(sim: &Shared, req: &HttpRequest, p: &Params) -> HttpResponse {
    let err = |key: &str, msg: &str| join_error(sim, req, p, key, msg);
    let Some(id) = p.get("meetingID").filter(|s| !s.is_empty()) else {
        return err("missingParamMeetingID", MSG_MISSING_ID);
    };
    let full_name = p.get("fullName").unwrap_or("").trim().to_owned();
    if full_name.is_empty() {
        return err("missingParamFullName", "You must provide your name");
    }
    let mut st = sim.lock();
    let Some(m) = st.find_key(id).and_then(|k| st.meetings.get(&k)) else {
        drop(st);
        return err("invalidMeetingIdentifier", MSG_NOT_FOUND);
    };
    if let Some(ct) = p.get("createTime") {
        if ct.trim().parse::<i64>().ok() != Some(m.create_time) {
            drop(st);
            return err(
                "mismatchCreateTimeParam",
                "The createTime parameter submitted mismatches with the current meeting.",
            );
        }
    }
    let role = match p.get("role").and_then(|r| r.parse::<Role>().ok()) {
        Some(r) => r,
        None => match p.get("password") {
            Some(pw) if pw == m.moderator_pw => Role::Moderator,
            Some(pw) if pw == m.attendee_pw => Role::Viewer,
            Some(_) => {
                drop(st);
                return err("Params required", "You must enter a valid password");
            }
            None => {
                drop(st);
                return err(
                    "Params required",
                    "You must either send the valid role of the user, or the password, sould the meeting has one.",
                );
            }
        },
    };
    if m.max_users > 0 && m.attendees.len() >= m.max_users as usize {
        drop(st);
        return err(
            "maxParticipantsReached",
            "The number of participants allowed for this meeting has been reached.",
        );
    }
    let custom: Vec<(String, String)> = p
        .0
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("userdata-")?;
            let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            ok.then(|| (key.to_owned(), v.clone()))
        })
        .collect();
    let internal_user = format!("w_{}", random_lower(12));
    let user_id = p
        .get("userID")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or(internal_user);
    let token = random_lower(16);
    let internal_id = m.internal_id.clone();
    let session = Session {
        meeting_id: m.meeting_id.clone(),
        create_time: m.create_time,
        user_id: user_id.clone(),
        full_name,
        role,
        custom,
    };
    st.sessions.insert(token.clone(), session);
    drop(st);
    let url = format!("{}/html5client/join?sessionToken={token}", origin(req));
    if p.flag("redirect", true) {
        HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .finish()
    } else {
        xml(render::joined(
            &internal_id,
            &user_id,
            &random_lower(12),
            &token,
            &url,
        ))
    }
}
