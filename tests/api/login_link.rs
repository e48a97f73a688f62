//! "Email me a login link" against a real SMTP server: PyPI `aiosmtpd` (tests/smtp/sink.py, in
//! the venv `target/smtp-venv` or `SMTP_VENV` that `.ci/run` makes), which writes every message
//! it accepts, parsed by Python's e-mail package, to a folder the test reads; STARTTLS,
//! implicit TLS and SMTP AUTH with a private CA made by the openssl CLI. Without the venv (or
//! openssl) the tests skip off CI and fail under CI=true.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use hallway::config::RawSmtp;
use reqwest::header::RETRY_AFTER;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin};

use crate::auth::{import_people, Browser};
use crate::helpers::{csrf_in, skip, spawn_app_with, texts, TestApp};

/// A running `tests/smtp/sink.py`.
struct Sink {
    port: u16,
    dir: tempfile::TempDir,
    _stdin: ChildStdin,
    _child: Child,
}

fn venv_python() -> PathBuf {
    let venv = std::env::var("SMTP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv"));
    venv.join("bin/python")
}

impl Sink {
    /// Starts the SMTP server, or skips the test.
    async fn start() -> Option<Sink> {
        Sink::start_with(&[]).await
    }

    /// Starts the SMTP server with `args` (TLS, authentication: see tests/smtp/sink.py).
    async fn start_with(args: &[&str]) -> Option<Sink> {
        let python = venv_python();
        let ok = std::process::Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            skip(
                "aiosmtpd",
                &format!("{} cannot import aiosmtpd (see .ci/run)", python.display()),
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("mail folder");
        let mut child = tokio::process::Command::new(&python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py"))
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP server");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines
            .next_line()
            .await
            .expect("SMTP server output")
            .expect("the SMTP server printed its port");
        let port = first
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected SMTP server output: {first}"));
        Some(Sink {
            port,
            dir,
            _stdin: stdin,
            _child: child,
        })
    }

    /// Every message received so far, oldest first.
    fn messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
            .collect()
    }
}

/// A portal that mails through `sink`, with a registration list.
async fn portal(sink: &Sink) -> TestApp {
    portal_on(sink, None).await
}

/// [`portal`] on the database `db_url` (a fresh SQLite file when `None`).
async fn portal_on(sink: &Sink, db_url: Option<String>) -> TestApp {
    let port = sink.port;
    let app = spawn_app_with(db_url, |raw| {
        raw.conference.name = Some("Test Conf".into());
        raw.smtp = RawSmtp {
            host: Some("127.0.0.1".into()),
            port: Some(port),
            tls: "none".into(),
            from: "Test Conf <noreply@example.org>".into(),
            ..RawSmtp::default()
        };
    })
    .await;
    import_people(
        &app,
        "email,name,code,roles,tracks,speaker_of\n\
         joerg@example.org,Jörg Rödel,joerg-code-1,,,\n",
    );
    app
}

/// Waits until the portal has dealt with `n` link requests in all (sent or not).
async fn handled(app: &TestApp, n: u64) {
    let mut rx = app.state.mailer.as_ref().expect("a mailer").handled();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        rx.wait_for(|done| *done >= n),
    )
    .await
    .expect("the link requests were dealt with")
    .expect("mailer alive");
}

/// Asks for a link for `email`: the response.
async fn ask(b: &Browser, email: &str) -> reqwest::Response {
    b.submit("/login/link", &[("email", email), ("next", "/")])
        .await
}

/// The login link in a message.
fn link_in(message: &serde_json::Value) -> String {
    let body = message["body"].as_str().unwrap();
    body.split_whitespace()
        .find(|w| w.contains("/login/link/"))
        .unwrap_or_else(|| panic!("no link in {body}"))
        .to_owned()
}

#[tokio::test]
async fn a_login_link_arrives_by_mail_for_registered_addresses_only_and_logs_in_once() {
    let Some(sink) = Sink::start().await else {
        return;
    };
    let app = portal(&sink).await;
    let b = Browser::new(&app);
    let login = b.page("/login").await;
    assert_eq!(
        texts(&login, "#link-login button"),
        ["Email me a login link"]
    );

    // An unknown address: the same page, and no mail.
    let r = ask(&b, "nobody@example.org").await;
    assert_eq!(r.status(), 200);
    let unknown = texts(&r.text().await.unwrap(), "#link-sent");
    handled(&app, 1).await;
    assert!(
        sink.messages().is_empty(),
        "a mail went to an unknown address"
    );

    // A registered one, typed with capitals and a +tag: the same page, and one mail.
    let r = ask(&b, "Joerg+LPC@Example.org").await;
    assert_eq!(r.status(), 200);
    let known = texts(&r.text().await.unwrap(), "#link-sent");
    assert_eq!(
        known[0].replace("Joerg+LPC@Example.org", "X"),
        unknown[0].replace("nobody@example.org", "X"),
        "the answer tells nothing about registration"
    );
    handled(&app, 2).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["joerg@example.org"]));
    assert_eq!(mail["mail_from"], "noreply@example.org");
    assert_eq!(mail["subject"], "Your login link for Test Conf");
    assert!(mail["body"].as_str().unwrap().contains("Hello Jörg Rödel"));
    let link = link_in(mail);
    assert!(
        link.starts_with(&format!("{}/login/link/", app.address)),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap();
    let stored: i64 = sqlx::query_scalar("select count(*) from login_links where token_hash = $1")
        .bind(hallway::auth::store::hash(token))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1, "stored hashed only");

    // Opening the link (a mail scanner does that too) logs nobody in: it asks first.
    let path = &link[app.address.len()..];
    let reader = Browser::new(&app);
    let confirm = reader.page(path).await;
    assert!(confirm.contains("Log in as Jörg Rödel"), "{confirm}");
    assert!(!reader.page("/").await.contains("Jörg Rödel"));
    let confirm_again = reader.page(path).await;
    let r = reader
        .post(path, &[("csrf", &csrf_in(&confirm_again))])
        .await;
    assert_eq!(r.status(), 303);
    assert!(reader.page("/").await.contains("Jörg Rödel"), "logged in");

    // Used: refused, on the page and on the button.
    let other = Browser::new(&app);
    let r = other.get(path).await;
    assert_eq!(r.status(), 403);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("already been used or has expired"));
    let r = other.submit(path, &[]).await;
    assert_eq!(r.status(), 403);
    assert!(!other.page("/").await.contains("Jörg Rödel"));
}

#[tokio::test]
async fn an_expired_link_is_refused_and_links_per_address_are_limited() {
    let Some(sink) = Sink::start().await else {
        return;
    };
    let app = portal(&sink).await;
    let b = Browser::new(&app);
    assert_eq!(ask(&b, "joerg@example.org").await.status(), 200);
    handled(&app, 1).await;
    let link = link_in(&sink.messages()[0]);
    let path = link[app.address.len()..].to_owned();
    let page = b.page(&path).await;
    let csrf = csrf_in(&page);
    // Sixteen minutes later the link is over, even with its confirmation page open.
    app.clock.advance(chrono::Duration::minutes(16));
    let r = b.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(b.get(&path).await.status(), 403);
    assert!(!b.page("/").await.contains("Jörg Rödel"));

    // Three links per address and window (the default; the first request's window is over),
    // counted for any address alike.
    for email in ["joerg@example.org", "nobody@example.org"] {
        for _ in 0..3 {
            assert_eq!(ask(&b, email).await.status(), 200, "{email}");
        }
        let r = ask(&b, email).await;
        assert_eq!(r.status(), 429, "{email}");
        assert!(r.headers().contains_key(RETRY_AFTER));
    }
    handled(&app, 7).await;
    assert_eq!(
        sink.messages().len(),
        4,
        "only the registered address got mail"
    );
}

#[tokio::test]
async fn on_postgresql_a_login_link_works_once() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let Some(sink) = Sink::start().await else {
        db.drop_now().await;
        return;
    };
    let app = portal_on(&sink, Some(db.url.clone())).await;
    let b = Browser::new(&app);
    assert_eq!(ask(&b, "joerg@example.org").await.status(), 200);
    handled(&app, 1).await;
    let link = link_in(&sink.messages()[0]);
    let path = link[app.address.len()..].to_owned();
    let csrf = csrf_in(&b.page(&path).await);
    assert_eq!(b.post(&path, &[("csrf", &csrf)]).await.status(), 303);
    assert!(b.page("/").await.contains("Jörg Rödel"));
    assert_eq!(Browser::new(&app).submit(&path, &[]).await.status(), 403);
    db.drop_now().await;
}

/// A private CA and a certificate for localhost / 127.0.0.1 signed by it (openssl CLI), in
/// `dir`: (ca.pem, leaf.pem, leaf.key).
fn private_ca(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ok = run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem"],
        &["-days", "2", "-subj", "/CN=hallway test CA"],
    ]
    .concat())
        && run(&[
            &["req"][..],
            &ec,
            &["-keyout", "leaf.key", "-out", "leaf.csr"],
            &["-subj", "/CN=localhost"],
        ]
        .concat())
        && run(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ]);
    if !ok {
        skip("openssl", "the openssl command could not make a test CA");
        return None;
    }
    Some((
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
    ))
}

#[tokio::test]
async fn links_go_out_over_starttls_or_implicit_tls_with_credentials_and_a_verified_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = private_ca(certs.path()) else {
        return;
    };
    let (ca, cert, key) = (
        ca.to_str().unwrap().to_owned(),
        cert.to_str().unwrap().to_owned(),
        key.to_str().unwrap().to_owned(),
    );
    for mode in ["starttls", "tls"] {
        let args = [
            "--tls",
            mode,
            "--cert",
            &cert,
            "--key",
            &key,
            "--user",
            "hallway",
            "--password",
            "mail-secret-1",
        ];
        let Some(sink) = Sink::start_with(&args).await else {
            return;
        };
        for trusted in [false, true] {
            let port = sink.port;
            let ca = ca.clone();
            let app = spawn_app_with(None, |raw| {
                raw.smtp = RawSmtp {
                    host: Some("localhost".into()),
                    port: Some(port),
                    tls: mode.into(),
                    from: "Test Conf <noreply@example.org>".into(),
                    username: Some("hallway".into()),
                    password: Some(secrecy::SecretString::from("mail-secret-1")),
                    ca_file: trusted.then_some(ca),
                    ..RawSmtp::default()
                };
            })
            .await;
            import_people(
                &app,
                "email,name,code,roles,tracks,speaker_of\n\
                 joerg@example.org,Jörg Rödel,joerg-code-1,,,\n",
            );
            let b = Browser::new(&app);
            assert_eq!(ask(&b, "joerg@example.org").await.status(), 200);
            handled(&app, 1).await;
            let mails = sink.messages();
            if trusted {
                assert_eq!(mails.len(), 1, "{mode}: one mail");
                assert_eq!(mails[0]["tls"], true, "{mode}");
                assert_eq!(mails[0]["authenticated"], true, "{mode}");
                assert!(link_in(&mails[0]).contains("/login/link/"));
            } else {
                assert!(
                    mails.is_empty(),
                    "{mode}: a certificate of an unknown CA was accepted"
                );
            }
        }
    }
}
