//! An independent client drives the simulator: PyPI `bbbctl==0.5.1` (its
//! own signer: `hashlib.sha1(call + urlencode(query) + secret)`, parameter
//! order and encoding of its own) creates a meeting, joins it (following
//! the redirect to the simulated client page), lists it with getMeetings,
//! and sees tampered URLs rejected.
//!
//! The venv lives in `target/bbbctl-venv` (reused when it already imports
//! bbbctl; env `BBBCTL_VENV` points elsewhere). Without python3, venv/pip
//! or network the test is skipped with a reason, unless `CI=true`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use secrecy::SecretString;

use super::{SimConfig, SimServer};
use crate::bbb::{BbbClient, ChecksumAlgorithm, Endpoint, Role, Timeouts};

const SECRET: &str = "330a8b08c3b4c61533e1d0c5ce1ac88f";
const BBBCTL: &str = "bbbctl==0.5.1";

/// The peer script: argv = API URL, secret.
const SCRIPT: &str = r#"
import sys, urllib.request, urllib.error, urllib.parse
import xml.etree.ElementTree as ET
from bbbctl import BBBApiClient

api, secret = sys.argv[1], sys.argv[2]
c = BBBApiClient(api, secret)

def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as f:
        return f.geturl(), f.read().decode("utf8")

def key_of(url):
    _, body = fetch(url)
    root = ET.fromstring(body)
    return root.findtext("returncode"), root.findtext("messageKey")

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

def location_of(url):
    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.code
        return urllib.parse.unquote(e.headers["Location"])
    raise AssertionError("no redirect")

def one_char(url, old, new):
    assert old in url, (old, url)
    return url.replace(old, new, 1)

# create
r = ET.fromstring(fetch(c.makeurl("create", meetingID="lpc-room-1", name="LPC Room 1",
                                  attendeePW="ap", moderatorPW="mp"))[1])
assert r.findtext("returncode") == "SUCCESS", ET.tostring(r)
ct = r.findtext("createTime")

# join as moderator by role, follow the redirect to the client page
url = c.getJoinLink("lpc-room-1", "Jörg Rödel", role="MODERATOR", createTime=ct)
final, page = fetch(url)
assert "/html5client/join?sessionToken=" in final, final
assert "You are in LPC Room 1 as Jörg Rödel (MODERATOR)" in page, page

# join as viewer by password (pre-2.4 style)
final, page = fetch(c.getJoinLink("lpc-room-1", "Ada Lovelace", password="ap"))
assert "as Ada Lovelace (VIEWER)" in page, page

# getMeetings lists both users with their roles
users = sorted((a.findtext("fullName"), a.findtext("role"))
               for m in c.getMeetings() for a in m.findall("./attendees/attendee"))
assert users == [("Ada Lovelace", "VIEWER"), ("Jörg Rödel", "MODERATOR")], users

# tampered URLs: one character changed, in the query or in the checksum
good = c.makeurl("getMeetingInfo", meetingID="lpc-room-1")
assert key_of(good) == ("SUCCESS", None), key_of(good)
assert key_of(one_char(good, "lpc-room-1", "lpc-room-2")) == ("FAILED", "checksumError")
last = good[-1]
assert key_of(good[:-1] + ("0" if last != "0" else "1")) == ("FAILED", "checksumError")
bad_create = one_char(c.makeurl("create", meetingID="lpc-room-9", name="Nine"), "Nine", "Mine")
assert key_of(bad_create) == ("FAILED", "checksumError")
bad_join = one_char(c.getJoinLink("lpc-room-1", "Eve", role="MODERATOR"), "Eve", "Eva")
loc = location_of(bad_join)
assert "errors=" in loc and "checksumError" in loc, loc
print("bbbctl peer: ok", len(users), "users")
"#;

/// Skips (None) with a reason, or fails under CI=true.
fn skip(reason: &str) -> Option<PathBuf> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("bbbctl peer test cannot run under CI=true: {reason}");
    }
    super::tests::report_skip(&format!("bbbctl: {reason}"));
    None
}

fn imports_bbbctl(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import bbbctl"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The venv's python with bbbctl installed, creating the venv if needed.
fn bbbctl_python() -> Option<PathBuf> {
    let venv = std::env::var_os("BBBCTL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bbbctl-venv"));
    let python = venv.join("bin/python");
    if imports_bbbctl(&python) {
        return Some(python);
    }
    match Command::new("python3").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return skip("python3 not found"),
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return skip(&format!(
                "python3 -m venv failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => return skip(&format!("python3 -m venv: {e}")),
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "--disable-pip-version-check", BBBCTL])
        .output();
    match pip {
        Ok(o) if o.status.success() && imports_bbbctl(&python) => Some(python),
        Ok(o) => skip(&format!(
            "pip install {BBBCTL} failed (no network?): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => skip(&format!("pip: {e}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bbbctl_creates_joins_and_lists_against_sim() {
    let Some(python) = tokio::task::spawn_blocking(bbbctl_python)
        .await
        .expect("venv task")
    else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let sim = SimServer::start(listener, SimConfig::new("sim-py", SECRET))
        .await
        .expect("sim");
    let api = format!("http://127.0.0.1:{}/bigbluebutton/api", sim.port());
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(&python)
            .args(["-c", SCRIPT, &api, SECRET])
            .output(),
    )
    .await
    .expect("peer script timed out")
    .expect("run peer script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bbbctl script failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("bbbctl peer: ok 2 users"), "{stdout}");

    // Our own client sees what bbbctl did.
    let ep = Endpoint::new(
        "sim-py",
        &sim.base_url(),
        SecretString::from(SECRET),
        ChecksumAlgorithm::Sha512,
    );
    let client = BbbClient::new(Timeouts::default()).expect("client");
    let ms = client.get_meetings(&ep).await.expect("getMeetings");
    assert_eq!(ms.len(), 1);
    assert!(ms[0].running);
    let roles: Vec<(String, Role)> = ms[0]
        .attendees
        .iter()
        .map(|a| (a.full_name.clone(), a.role))
        .collect();
    assert!(roles.contains(&("Jörg Rödel".to_owned(), Role::Moderator)));
    assert!(roles.contains(&("Ada Lovelace".to_owned(), Role::Viewer)));
    sim.stop().await;
}
