//! The schedule pull keeps a URL's key to itself and follows only safe redirects: a real
//! export server on 127.0.0.1, the real puller, the admin page, the database and the log text.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use hallway::schedule::pull::PullOutcome;
use sqlx::Row;
use tracing::instrument::WithSubscriber;

use crate::helpers::{sample_schedule_path, spawn_app_with};

const SECRET: &str = "s3cr3t-indico-key-4711";

/// An export at `/export.json?ak=…` whose body the test switches, and `/moved` redirecting
/// to it (same host: loopback).
struct Export {
    base: String,
    body: Arc<Mutex<Vec<u8>>>,
}

async fn export_server() -> Export {
    let body = Arc::new(Mutex::new(b"<schedule><day>".to_vec()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let b2 = body.clone();
    let server = HttpServer::new(move || {
        let b = b2.clone();
        App::new()
            .route(
                "/export.xml",
                web::get().to(move || {
                    let b = b.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/xml")
                            .body(b.lock().unwrap().clone())
                    }
                }),
            )
            .route(
                "/moved",
                web::get().to(move || async move {
                    HttpResponse::Found()
                        .insert_header((
                            "location",
                            format!("http://127.0.0.1:{port}/export.xml?ak={SECRET}"),
                        ))
                        .finish()
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    Export {
        base: format!("http://127.0.0.1:{port}"),
        body,
    }
}

/// A log sink for one future: what the app would write to stderr, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_pulled_urls_secret_query_is_in_no_page_row_or_log_line() {
    let export = export_server().await;
    let url = format!("{}/export.xml?ak={SECRET}", export.base);
    let u2 = url.clone();
    let app = spawn_app_with(None, move |raw| raw.schedule.url = Some(u2)).await;
    let puller = app.puller.clone().expect("puller");
    let logs = Captured::default();

    // A broken export first: the failure is logged at WARN and stored as the last pull.
    let failed = puller.pull_once().with_subscriber(logs.subscriber()).await;
    assert!(matches!(&failed, PullOutcome::Failed(_)), "{failed:?}");
    let PullOutcome::Failed(why) = &failed else {
        unreachable!()
    };
    assert!(!why.contains(SECRET), "{why}");
    // Then a good one: it lands in the import history.
    *export.body.lock().unwrap() = std::fs::read(sample_schedule_path()).unwrap();
    let imported = puller.pull_once().with_subscriber(logs.subscriber()).await;
    assert!(
        matches!(&imported, PullOutcome::Imported(_)),
        "{imported:?}"
    );
    // And a broken one again, so the admin page shows a failure message too.
    *export.body.lock().unwrap() = b"<schedule><day>".to_vec();
    let failed_again = puller.pull_once().with_subscriber(logs.subscriber()).await;
    assert!(matches!(failed_again, PullOutcome::Failed(_)));

    let log = logs.text();
    assert!(log.contains("WARN"), "the failure is logged: {log}");
    assert!(log.contains("ak=redacted"), "the log names the URL: {log}");
    assert!(!log.contains(SECRET), "{log}");

    let sources: Vec<String> = sqlx::query("select source from schedule_imports")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("source"))
        .collect();
    assert!(!sources.is_empty());
    for s in &sources {
        assert!(!s.contains(SECRET), "schedule_imports.source: {s}");
        assert!(s.contains("ak=redacted"), "{s}");
    }
    let messages: Vec<String> = sqlx::query("select message from schedule_pulls")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("message"))
        .collect();
    assert!(messages.iter().all(|m| !m.contains(SECRET)), "{messages:?}");

    app.log_in_as_admin().await;
    let (status, page) = app.get("/admin/schedule").await;
    assert_eq!(status, 200);
    assert!(page.contains("FAILED"), "the last pull is shown");
    assert!(page.contains("ak=redacted"), "the source is shown redacted");
    assert!(!page.contains(SECRET), "the admin page leaks the key");
    let out = app.cli(&["schedule", "show", "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
}

#[tokio::test]
async fn a_redirect_to_a_loopback_address_is_refused_unless_allowed() {
    let export = export_server().await;
    *export.body.lock().unwrap() = std::fs::read(sample_schedule_path()).unwrap();
    let moved = format!("{}/moved", export.base);

    let m2 = moved.clone();
    let strict = spawn_app_with(None, move |raw| raw.schedule.url = Some(m2)).await;
    let outcome = strict.puller.clone().unwrap().pull_once().await;
    let PullOutcome::Failed(why) = &outcome else {
        panic!("a redirect to 127.0.0.1 was followed: {outcome:?}")
    };
    assert!(why.contains("internal address 127.0.0.1"), "{why}");
    assert!(!why.contains(SECRET), "{why}");
    assert_eq!(strict.get("/api/v1/schedule").await.1, "[]");

    let allowing = spawn_app_with(None, move |raw| {
        raw.schedule.url = Some(moved);
        raw.schedule.allow_private_redirects = true;
    })
    .await;
    let outcome = allowing.puller.clone().unwrap().pull_once().await;
    assert!(
        matches!(&outcome, PullOutcome::Imported(s) if s.starts_with("270 added")),
        "{outcome:?}"
    );
}
