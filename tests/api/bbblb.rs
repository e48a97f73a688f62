//! An upstream load balancer: hallway in front of the real BBBLB (PyPI `bbblb` 0.0.18), BBBLB
//! in front of two https simulators. A room pinned to the balancer is sent there, BBBLB places
//! it on one of its backends, and the dashboard shows its status from getMeetingInfo, because
//! BBBLB's getMeetings answers internalError.
//!
//! Peer: a venv with `bbblb[server]` and `greenlet` on Python ≥ 3.13 (`BBBLB_VENV`, default
//! `target/bbblb-venv`; `.ci/run` makes it). The launcher `tests/bbblb/serve.py` binds port 0
//! and prints the port; the simulators serve https with a CA made at start, which BBBLB trusts
//! through `SSL_CERT_FILE`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hallway::config::RawBbbServer;
use hallway::sim::{SimConfig, SimServer};
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{skip, spawn_app_with, texts};

const LB_SECRET: &str = "bbblb-api-secret-0123456789-0123456789-0123";
const TENANT_SECRET: &str = "hallway-tenant-secret-0123456789";

fn venv() -> PathBuf {
    std::env::var_os("BBBLB_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bbblb-venv"))
}

/// BBBLB running on its own port, its state in `dir`.
struct Balancer {
    _child: Child,
    port: u16,
}

/// A command of the venv (`bin/NAME`) with BBBLB's configuration in its environment.
fn lb_cmd(venv: &Path, name: &str, dir: &Path, ca_file: &Path) -> Command {
    let mut c = Command::new(venv.join("bin").join(name));
    c.env(
        "BBBLB_DB",
        format!("sqlite:///{}", dir.join("lb.db").display()),
    )
    .env("BBBLB_PATH_DATA", dir.join("data"))
    .env("BBBLB_SECRET", LB_SECRET)
    // The CLI needs one; the launcher sets the real host:port before the app starts.
    .env("BBBLB_DOMAIN", "127.0.0.1:1")
    .env("BBBLB_POLL_INTERVAL", "1")
    .env("SSL_CERT_FILE", ca_file)
    .kill_on_drop(true);
    c
}

async fn run_ok(mut c: Command, what: &str) {
    let out = c.output().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sets BBBLB up in front of `sims` (backends with these secrets) and starts it.
async fn start_balancer(venv: &Path, dir: &Path, sims: &[SimServer], secrets: &[&str]) -> Balancer {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let ca_file = dir.join("sim-cas.pem");
    let cas: String = sims
        .iter()
        .map(|s| s.certificate_pem().expect("tls sim").to_owned())
        .collect();
    std::fs::write(&ca_file, cas).unwrap();
    let mut migrate = lb_cmd(venv, "bbblb", dir, &ca_file);
    migrate.args(["db", "migrate"]);
    run_ok(migrate, "bbblb db migrate").await;
    for (sim, secret) in sims.iter().zip(secrets) {
        let mut c = lb_cmd(venv, "bbblb", dir, &ca_file);
        c.args(["server", "create", "--secret", secret])
            .arg(format!("127.0.0.1:{}", sim.port()));
        run_ok(c, "bbblb server create").await;
    }
    let launcher = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bbblb/serve.py");
    let mut serve = lb_cmd(venv, "python", dir, &ca_file);
    serve
        .arg(&launcher)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = serve.spawn().expect("start bbblb");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("bbblb prints its port")
        .expect("read")
        .expect("a line");
    let port: u16 = first
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"));
    let mut tenant = lb_cmd(venv, "bbblb", dir, &ca_file);
    tenant
        .args(["tenant", "create", "--realm"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--secret", TENANT_SECRET, "hallway"]);
    run_ok(tenant, "bbblb tenant create").await;
    // BBBLB takes a backend after 5 good polls in a row (1 s apart here): wait for them.
    for _ in 0..600 {
        if sims.iter().all(|s| s.calls("getMeetings") >= 7) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Balancer {
        _child: child,
        port,
    }
}

/// A client logged in as staff through a one-time admin link.
async fn staff(app: &crate::helpers::TestApp) -> reqwest::Client {
    crate::helpers::admin_link_client(app, &app.address, "Stella Staff").await
}

/// Presses Join on `slug` and returns where hallway sent the browser.
async fn press_join(base: &str, c: &reqwest::Client, slug: &str) -> String {
    let csrf = crate::helpers::csrf_of(c, base).await;
    let r = c
        .post(format!("{base}/rooms/{slug}/join"))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "join {slug}: {}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// (sim index, role) of every attendee called `name` on the simulators.
async fn where_is(sims: &[SimServer], name: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    for (i, sim) in sims.iter().enumerate() {
        let http = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(sim.certificate_pem().unwrap().as_bytes()).unwrap(),
            )
            .build()
            .unwrap();
        let state: serde_json::Value = http
            .get(format!("https://127.0.0.1:{}/sim/state", sim.port()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for m in state["meetings"].as_array().unwrap() {
            for a in m["attendees"].as_array().unwrap() {
                if a["fullName"] == name {
                    found.push((
                        i,
                        m["meetingID"].as_str().unwrap().to_owned(),
                        a["role"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn a_join_through_bbblb_lands_in_a_meeting_on_one_backend_with_the_right_role_and_the_dashboard_shows_it(
) {
    let venv = venv();
    if !venv.join("bin/bbblb").exists() {
        skip(
            "bbblb",
            &format!(
                "no BBBLB venv at {} (Python 3.13: python -m venv V && V/bin/pip install \
                 'bbblb[server]==0.0.18' greenlet; or set BBBLB_VENV)",
                venv.display()
            ),
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let secrets = [
        "backend-secret-one-0123456789",
        "backend-secret-two-0123456789",
    ];
    let mut backends = Vec::new();
    for (i, secret) in secrets.iter().enumerate() {
        let mut config = SimConfig::new(format!("backend{}", i + 1), *secret);
        config.tls = true;
        backends.push(
            SimServer::start(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), config)
                .await
                .unwrap(),
        );
    }
    let lb = start_balancer(&venv, dir.path(), &backends, &secrets).await;
    let lb_url = format!("http://127.0.0.1:{}/bigbluebutton/", lb.port);
    let app = spawn_app_with(None, |raw| {
        raw.bbb.servers.push(RawBbbServer {
            name: "bbblb".into(),
            url: lb_url.clone(),
            secret: SecretString::from(TENANT_SECRET.to_owned()),
            checksum: hallway::bbb::ChecksumAlgorithm::Sha256,
            version: None,
            balancer: true,
        });
        for r in raw.rooms.iter_mut().filter(|r| r.slug.as_str() == "hack1") {
            r.server = "bbblb".into();
        }
    })
    .await;
    app.import_sample_running_now().await;
    let trusting = {
        let mut b = reqwest::Client::builder();
        for s in &backends {
            b = b.add_root_certificate(
                reqwest::Certificate::from_pem(s.certificate_pem().unwrap().as_bytes()).unwrap(),
            );
        }
        b.build().unwrap()
    };

    let ada = crate::helpers::guest_client(&app.address, "Ada Park").await;
    let to = press_join(&app.address, &ada, "hack1").await;
    assert!(to.starts_with(&lb_url), "sent to the balancer: {to}");
    let page = trusting.get(&to).send().await.unwrap();
    let landed = page.url().clone();
    let text = page.text().await.unwrap();
    let admin = staff(&app).await;
    let mod_to = press_join(&app.address, &admin, "hack1").await;
    let mod_page = trusting
        .get(&mod_to)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(text.contains("as Ada Park (VIEWER)"), "{landed}: {text}");
    assert!(
        mod_page.contains("as Stella Staff (MODERATOR)"),
        "{mod_page}"
    );
    let ada_at = where_is(&backends, "Ada Park").await;
    assert_eq!(ada_at.len(), 1, "in one meeting on one backend: {ada_at:?}");
    let (backend, meeting, role) = &ada_at[0];
    assert_eq!(role, "VIEWER");
    assert!(meeting.starts_with("hallway-hack1"), "{meeting}");
    assert_eq!(
        where_is(&backends, "Stella Staff").await,
        vec![(*backend, meeting.clone(), "MODERATOR".to_owned())],
        "the moderator is in the same meeting"
    );
    assert_eq!(
        landed.port(),
        Some(backends[*backend].port()),
        "the browser ended on that backend"
    );

    // Status: BBBLB's getMeetings fails; the room's meeting comes from getMeetingInfo.
    app.status_round().await;
    app.status_round().await;
    let body = admin
        .get(format!("{}/admin/status", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let note = texts(&body, "tr[data-server=bbblb] small.balancer")
        .pop()
        .expect("the balancer's row says what it is");
    assert!(
        note.starts_with("load balancer: the balancer's meeting list is unavailable")
            && note.contains("internalError"),
        "{note}"
    );
    let row = texts(&body, "tr[data-room=hack1]").pop().unwrap();
    assert!(row.contains("RUNNING"), "{row}");
    assert!(
        row.contains("Ada Park") && row.contains("Stella Staff (moderator)"),
        "{row}"
    );
    let server = texts(&body, "tr[data-room=hack1] td.server").pop().unwrap();
    assert_eq!(
        server,
        format!("bbblb via 127.0.0.1:{}", backends[*backend].port())
    );
    let health = texts(&body, "tr[data-server=bbblb] td.health")
        .pop()
        .unwrap();
    assert!(health.starts_with("UP"), "{health}");
    // hallway does no placement or failover for it: the room stays, however bbblb fares.
    let room = app.state.rooms.get("hack1").unwrap().clone();
    assert_eq!(app.state.placements.server_of(&room).as_str(), "bbblb");
    assert!(
        backends[*backend].calls("getMeetingInfo") >= 1,
        "BBBLB asked the backend for the meeting hallway asked it about"
    );
}
