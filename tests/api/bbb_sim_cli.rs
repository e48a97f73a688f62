//! `hallway bbb-sim` as a process, driven by an independent client (PyPI `bbbctl`) and by our
//! own client: what the demo and benchmarks start is what real BBB clients accept.
//!
//! Uses the venv `target/bbbctl-venv` (made by .ci/run or by the library's bbbctl test; env
//! `BBBCTL_VENV` points elsewhere). Reported as SKIPPED without it, unless `CI=true`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::skip;

const SCRIPT: &str = r#"
import sys, urllib.request, urllib.error
import xml.etree.ElementTree as ET
from bbbctl import BBBApiClient
api, secret = sys.argv[1], sys.argv[2]
c = BBBApiClient(api, secret)
def get(url):
    with urllib.request.urlopen(url, timeout=10) as f:
        return f.geturl(), f.read().decode("utf8")
r = ET.fromstring(get(c.makeurl("create", meetingID="plumbers-mc1", name="Microconference 1"))[1])
assert r.findtext("returncode") == "SUCCESS", ET.tostring(r)
final, page = get(c.getJoinLink("plumbers-mc1", "Zoë Nakamura-Brandt", role="VIEWER", createTime=r.findtext("createTime")))
assert "You are in Microconference 1 as Zoë Nakamura-Brandt (VIEWER)" in page, page
names = [a.findtext("fullName") for m in c.getMeetings() for a in m.findall("./attendees/attendee")]
assert names == ["Zoë Nakamura-Brandt"], names
bad = c.makeurl("getMeetings").replace("checksum=", "checksum=0", 1)[:-1]
assert ET.fromstring(get(bad)[1]).findtext("messageKey") == "checksumError"
print("bbbctl ok")
"#;

fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("BBBCTL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bbbctl-venv"));
    let py = venv.join("bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import bbbctl"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(py);
    }
    skip(
        "bbbctl",
        &format!(
            "no bbbctl venv at {} (run .ci/run or the lib tests first)",
            py.display()
        ),
    );
    None
}

#[tokio::test]
async fn the_bbb_sim_command_serves_bbbctl_and_our_client() {
    let Some(py) = python() else { return };
    let secret = "4f2a9c1e7b3d5a60";
    // Port 0: the simulator binds a free port itself and prints the address it bound, so no
    // other process can take the port between a probe and the bind.
    let log = tempfile::NamedTempFile::new().expect("log file");
    let mut sim = tokio::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
        .args(["bbb-sim", "--listen", "127.0.0.1:0", "--secret", secret])
        .stdout(Stdio::piped())
        .stderr(log.reopen().expect("log file"))
        .kill_on_drop(true)
        .spawn()
        .expect("start hallway bbb-sim");
    let mut stdout = BufReader::new(sim.stdout.take().expect("piped stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), stdout.next_line()).await;
    let base = match first {
        Ok(Ok(Some(line))) => line
            .strip_prefix("bbb-sim listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from hallway bbb-sim: {line}"))
            .to_owned(),
        Ok(_) => panic!(
            "hallway bbb-sim exited ({:?}) before listening: {}",
            sim.wait().await,
            std::fs::read_to_string(log.path()).unwrap_or_default()
        ),
        Err(_) => panic!("hallway bbb-sim printed no address within 30 s"),
    };
    // The socket is bound before the address is printed: the API answers at once.
    let root = reqwest::get(format!("{base}api"))
        .await
        .unwrap_or_else(|e| panic!("hallway bbb-sim at {base} does not answer: {e}"));
    assert_eq!(root.status(), 200, "{base}api");

    let out = Command::new(&py)
        .args(["-c", SCRIPT, &format!("{base}api"), secret])
        .output()
        .unwrap();

    assert!(
        out.status.success(),
        "bbbctl against hallway bbb-sim: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let client = hallway::bbb::BbbClient::new(hallway::bbb::Timeouts::default()).unwrap();
    let ep = hallway::bbb::Endpoint::new(
        "cli-sim",
        &url::Url::parse(&base).unwrap(),
        secrecy::SecretString::from(secret.to_string()),
        hallway::bbb::ChecksumAlgorithm::Sha512,
    );
    let meetings = client.get_meetings(&ep).await.expect("our client agrees");
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].attendees[0].full_name, "Zoë Nakamura-Brandt");
}
