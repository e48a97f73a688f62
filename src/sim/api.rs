//! The BBB API surface of the simulator: `/bigbluebutton/api[/{call}]`.
//!
//! Checksums are verified exactly like bbb-web 3.0 does it: on the raw,
//! undecoded query string with the `checksum` parameter removed textually,
//! the algorithm chosen by the checksum length among the configured ones,
//! compared case-insensitively in constant time, duplicate `checksum`
//! parameters rejected. Parameters are decoded separately (form-urlencoded,
//! `+` is a space). Every XML answer is HTTP 200 `text/xml;charset=utf-8`;
//! join errors are XML or a 302 with `?errors=` by version and stage (see
//! [`join_error`]). Every request is counted by call name, then injected
//! faults (`super::faults`) are applied, in [`api_root`] and [`api_call`],
//! the only entry points of BBB API requests.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use subtle::ConstantTimeEq;

use super::faults::{ConnSocket, Failure, GARBAGE, HTTP500_PAGE};
use super::render;
use super::state::{random_lower, CreateOutcome, NewMeeting, Session};
use super::Shared;
use crate::bbb::{checksum, ChecksumAlgorithm, Role, ServerVersion};

/// Calls the simulator implements.
const CALLS: [&str; 8] = [
    "create",
    "join",
    "getMeetings",
    "getMeetingInfo",
    "isMeetingRunning",
    "end",
    "getRecordings",
    "sendChatMessage",
];

/// Calls that also accept POST.
const POST_CALLS: [&str; 6] = [
    "create",
    "getMeetings",
    "getMeetingInfo",
    "isMeetingRunning",
    "end",
    "getRecordings",
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
    // bbb-web: the algorithm by the checksum's length, and only one that
    // `supportedChecksumAlgorithms` names; any other length is a mismatch.
    let Some(alg) = ChecksumAlgorithm::from_hex_len(given.len()).filter(|a| allowed.contains(a))
    else {
        return ChecksumCheck::Mismatch;
    };
    let expected = checksum(alg, call, signed, secret);
    // Hex is case-insensitive (2.5.8+); lowering the caller's own input
    // leaks nothing. The comparison itself takes the same time wherever
    // the first differing byte is.
    let given = given.to_ascii_lowercase();
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        ChecksumCheck::Ok
    } else {
        ChecksumCheck::Mismatch
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

/// What the fault stage decided for a request.
enum FaultOutcome {
    /// Answer normally.
    Normal,
    /// Answer normally, then cut the body in half.
    Truncate,
    /// Answer as if the checksum were wrong.
    ChecksumError,
}

/// Applies the injected faults for `call`: sleeps for the latency, then
/// either answers instead of the handler (`Err`) or tells it how to go on.
async fn apply_faults(
    req: &HttpRequest,
    sim: &Shared,
    call: &str,
) -> Result<FaultOutcome, HttpResponse> {
    let faults = sim.faults();
    if faults.is_none() || !faults.applies_to(call) {
        return Ok(FaultOutcome::Normal);
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.latency_ms)).await;
    }
    match faults.failure {
        None => Ok(FaultOutcome::Normal),
        Some(Failure::Refuse) => {
            match req.conn_data::<ConnSocket>() {
                Some(sock) => sock.kill(),
                None => tracing::warn!("bbb-sim: cannot refuse, connection socket unknown"),
            }
            // Never reaches the client; close the connection in any case.
            Err(HttpResponse::ServiceUnavailable()
                .insert_header((header::CONNECTION, "close"))
                .finish())
        }
        Some(Failure::Http500) => Err(HttpResponse::InternalServerError()
            .insert_header((header::CONTENT_TYPE, "text/html"))
            .body(HTTP500_PAGE)),
        Some(Failure::GarbageXml) => Err(xml(GARBAGE.to_owned())),
        Some(Failure::TruncatedXml) => Ok(FaultOutcome::Truncate),
        Some(Failure::ChecksumError) => Ok(FaultOutcome::ChecksumError),
    }
}

/// Cuts a response body in half (keeping status and headers).
async fn truncate(resp: HttpResponse) -> HttpResponse {
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = match actix_web::body::to_bytes(resp.into_body()).await {
        Ok(b) => b,
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    let mut out = HttpResponse::build(status);
    for (k, v) in &headers {
        if k != header::CONTENT_LENGTH {
            out.insert_header((k.clone(), v.clone()));
        }
    }
    out.body(body.slice(..body.len() / 2))
}

/// `GET /bigbluebutton/api[/]`.
pub(crate) async fn api_root(req: HttpRequest, sim: web::Data<Shared>) -> HttpResponse {
    sim.count_call("apiVersion");
    let outcome = match apply_faults(&req, &sim, "apiVersion").await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let resp = xml(render::api_version(&origin(&req), sim.config.version));
    match outcome {
        FaultOutcome::Truncate => truncate(resp).await,
        FaultOutcome::Normal | FaultOutcome::ChecksumError => resp,
    }
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
    sim.count_call(&call);
    let outcome = match apply_faults(&req, &sim, &call).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let resp = handle_call(
        &req,
        &call,
        &body,
        &sim,
        matches!(outcome, FaultOutcome::ChecksumError),
    );
    match outcome {
        FaultOutcome::Truncate => truncate(resp).await,
        FaultOutcome::Normal | FaultOutcome::ChecksumError => resp,
    }
}

/// The call itself; `wrong_secret` makes every checksum fail.
fn handle_call(
    req: &HttpRequest,
    call: &str,
    body: &web::Bytes,
    sim: &Shared,
    wrong_secret: bool,
) -> HttpResponse {
    if !CALLS.contains(&call) && !super::recordings::CALLS.contains(&call) {
        return failed("unsupportedRequest", "This request is not supported.");
    }
    // sendChatMessage came with BBB 3.0; older bbb-web has no such action.
    if call == "sendChatMessage" && sim.config.version < ServerVersion::V3_0 {
        return failed("unsupportedRequest", "This request is not supported.");
    }
    let is_post = req.method() == actix_web::http::Method::POST;
    if !(req.method() == actix_web::http::Method::GET || (is_post && POST_CALLS.contains(&call))) {
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
            body_params = url::form_urlencoded::parse(body).into_owned().collect();
        } else if !(call == "create"
            && (ct.starts_with("application/xml") || ct.starts_with("text/xml")))
        {
            return failed(
                "unsupportedContentType",
                "POST request Content-Type is missing or unsupported",
            );
        }
    }
    let duplicated = body_params
        .iter()
        .any(|(k, _)| params.iter().any(|(q, _)| q == k));
    let check = if wrong_secret || duplicated {
        // bbb-web 3.0 rejects a parameter given in both URL and body.
        ChecksumCheck::Mismatch
    } else if sim.config.secret.is_empty() {
        ChecksumCheck::Ok
    } else if raw.split('&').any(|p| p.starts_with("checksum=")) || body_params.is_empty() {
        if body_params.iter().any(|(k, _)| k == "checksum") {
            ChecksumCheck::Mismatch
        } else {
            verify_query(call, &raw, &sim.config.secret, &sim.config.algorithms)
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
                    call,
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
            return join_error(
                sim,
                req,
                &params,
                JoinStage::Validation,
                "checksumError",
                msg,
            );
        }
        return failed("checksumError", msg);
    }
    match call {
        "create" => create(sim, &params),
        "join" => join(sim, req, &params),
        "sendChatMessage" => xml(super::chat::send(sim, &params.0)),
        "getRecordings" | "publishRecordings" | "deleteRecordings" => {
            xml(super::recordings::answer(sim, call, &params.0))
        }
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
        _ => end(sim, &params),
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
        expire_if_no_user_joined: expiry_minutes(sim, p, "meetingExpireIfNoUserJoinedInMinutes"),
        expire_when_last_user_left: expiry_minutes(
            sim,
            p,
            "meetingExpireWhenLastUserLeftInMinutes",
        ),
        metadata,
    };
    let (outcome, m) = sim.lock().create(req, sim.lifecycle());
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

/// A per-meeting expiry create parameter (BBB 2.5+): whole minutes;
/// ParamsProcessorUtil keeps the server default when it is absent or not
/// an integer. Older servers ignore it.
fn expiry_minutes(sim: &Shared, p: &Params, name: &str) -> Option<std::time::Duration> {
    if sim.config.version < ServerVersion::new(2, 5) {
        return None;
    }
    let minutes = p.get(name)?.trim().parse::<u64>().ok()?;
    Some(std::time::Duration::from_secs(minutes * 60))
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
    // Like real BBB the meeting stays visible for a while, forcibly ended;
    // `expire` removes it after `ended_meeting_linger`.
    st.end_meeting(&key);
    tracing::debug!(meeting = %key, "bbb-sim: meeting ended");
    xml(render::ended())
}

/// Where bbb-web decides a refused join. The stage decides whether
/// `redirect=false` gets XML (ApiController `join`, 2.7+/3.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JoinStage {
    /// `validateRequest` (checksum, missing meetingID or fullName, unknown
    /// or forcibly ended meeting): answered with `invalid(…,
    /// REDIRECT_RESPONSE, errorRedirectUrl)` before the `redirect` parameter
    /// is read, so always a 302, also with `redirect=false`.
    Validation,
    /// Checks after it (createTime, maxParticipants): `invalid(…,
    /// redirectClient, errorRedirectUrl)`, so XML with `redirect=false` on
    /// 2.7+; before 2.7 (PR #17202) every join error was a redirect.
    Controller,
}

/// A refused join, delivered like bbb-web: XML FAILED, or a 302 to
/// [`join_error_location`].
fn join_error(
    sim: &Shared,
    req: &HttpRequest,
    p: &Params,
    stage: JoinStage,
    key: &str,
    message: &str,
) -> HttpResponse {
    let v = sim.config.version;
    if stage == JoinStage::Controller && v.join_errors_as_xml() && !p.flag("redirect", true) {
        return failed(key, message);
    }
    let location = join_error_location(v, &format!("{}/", origin(req)), p, key, message);
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The Location of a join error redirect, as bbb-web's
/// `respondWithRedirect` builds it: the join request's `errorRedirectUrl`
/// (2.7+), else the join request's `logoutURL` (its `%%MEETINGID%%`,
/// `%%USERID%%`, `%%USERNAME%%` cleared, as 3.0's `subLogoutParams(…, "",
/// "", "")`), else the server's default logout URL (`default`: the server
/// URL). Not the meeting's logoutURL from create. `errors=` plus the JSON
/// array `[{"message":…,"key":…}]` (org.json's order, as seen from live
/// servers) is appended to the target's query, and the query is rebuilt
/// the way `java.net.URI`'s five-argument constructor quotes it: see
/// [`java_uri_query`].
fn join_error_location(
    version: ServerVersion,
    default_logout: &str,
    p: &Params,
    key: &str,
    message: &str,
) -> String {
    let non_empty = |name: &str| p.get(name).filter(|s| !s.is_empty()).map(str::to_owned);
    let target = non_empty("errorRedirectUrl")
        .filter(|_| version.join_errors_as_xml())
        .or_else(|| {
            non_empty("logoutURL").map(|u| {
                u.replace("%%MEETINGID%%", "")
                    .replace("%%USERID%%", "")
                    .replace("%%USERNAME%%", "")
            })
        })
        .unwrap_or_else(|| default_logout.to_owned());
    let errors = serde_json::json!([{ "message": message, "key": key }]).to_string();
    let (rest, fragment) = match target.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (target.as_str(), None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    // URI.getQuery() decodes the old query; the constructor quotes it again.
    let query = match query {
        Some(q) => format!("{}&errors={errors}", percent_decode(q)),
        None => format!("errors={errors}"),
    };
    let mut out = format!("{base}?{}", java_uri_query(&query));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&java_uri_query(&percent_decode(f)));
    }
    out
}

/// Quotes a decoded query like `java.net.URI`'s multi-argument
/// constructors: ASCII letters and digits, the marks `-_.!~*'()` and the
/// reserved `;/?:@&=+$,[]` stay, every other byte becomes `%XX`
/// (uppercase). So `[`, `]`, `:` and `,` of the JSON stay literal and a
/// space is `%20`: `?errors=[%7B%22message%22:%22You%20can%20not…%22,…%7D]`
/// as in issue #20178. (Java keeps non-ASCII letters unquoted; they are
/// percent-encoded as UTF-8 here, as `URI.toASCIIString` would.)
pub(super) fn java_uri_query(decoded: &str) -> String {
    let mut out = String::with_capacity(decoded.len() + 16);
    for b in decoded.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,[]".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` decoding as `java.net.URI.getQuery()` does it (no `+` rule).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn join(sim: &Shared, req: &HttpRequest, p: &Params) -> HttpResponse {
    use JoinStage::{Controller, Validation};
    let err = |stage: JoinStage, key: &str, msg: &str| join_error(sim, req, p, stage, key, msg);
    let v = sim.config.version;
    let Some(id) = p.get("meetingID").filter(|s| !s.is_empty()) else {
        return err(Validation, "missingParamMeetingID", MSG_MISSING_ID);
    };
    let full_name = p.get("fullName").unwrap_or("").trim().to_owned();
    if full_name.is_empty() {
        return err(
            Validation,
            "missingParamFullName",
            "You must provide your name",
        );
    }
    let mut st = sim.lock();
    let Some(m) = st.find_key(id).and_then(|k| st.meetings.get(&k)) else {
        drop(st);
        return err(Validation, "invalidMeetingIdentifier", MSG_NOT_FOUND);
    };
    if m.forcibly_ended() {
        drop(st);
        return err(
            Validation,
            "meetingForciblyEnded",
            "You can not join a meeting that has already been forcibly ended",
        );
    }
    if let Some(ct) = p.get("createTime") {
        if ct.trim().parse::<i64>().ok() != Some(m.create_time) {
            drop(st);
            return err(
                Controller,
                "mismatchCreateTimeParam",
                "The createTime parameter submitted mismatches with the current meeting.",
            );
        }
    }
    // Before 2.4 bbb-web knew no `role` parameter.
    let role_param = p.get("role").filter(|_| v >= ServerVersion::V2_4);
    let role = match role_param.and_then(|r| r.parse::<Role>().ok()) {
        Some(r) => r,
        None => match p.get("password") {
            Some(pw) if pw == m.moderator_pw => Role::Moderator,
            Some(pw) if pw == m.attendee_pw => Role::Viewer,
            // ≤ 2.3: one key for a wrong and a missing password, redirected
            // like every join error of that controller.
            _ if v < ServerVersion::V2_4 => {
                drop(st);
                return err(
                    Validation,
                    "invalidPassword",
                    "You either did not supply a password or the password supplied is neither the attendee or moderator password for this conference.",
                );
            }
            // 2.4+: the controller renders XML itself, even for browsers.
            Some(_) => return failed("Params required", "You must enter a valid password"),
            None => return failed(
                "Params required",
                "You must either send the valid role of the user, or the password, sould the meeting has one.",
            ),
        },
    };
    let user_param = p.get("userID").filter(|s| !s.is_empty());
    if m.is_full_for(user_param) {
        drop(st);
        return err(
            Controller,
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
