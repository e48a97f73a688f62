//! Boots what production boots: `Application::build` with the example configuration, its BBB
//! servers replaced by simulators, a temporary database, and a cookie-keeping HTTP client.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Mutex, Once};

use chrono::{DateTime, Duration, TimeZone, Utc};
use hallway::app::{Application, BuildOptions};
use hallway::auth::store as auth_store;
use hallway::clock::Clock;
use hallway::config::{RawBbbServer, RawSettings};
use hallway::db::Db;
use hallway::schedule::import::{self, ImportOptions};
use hallway::schedule::pull::Puller;
use hallway::sim::{SimConfig, SimServer};
use hallway::status::poller::Poller;
use secrecy::SecretString;

/// The bundled sample conference.
pub fn sample_schedule_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schedule/sample-conference.xml")
}

/// Where every test app's clock starts: Monday 2026-09-14 12:00 UTC, the day before the sample
/// conference opens (its first sessions start 2026-09-15 07:00 UTC). Nothing is running then,
/// whatever day the suite runs on.
pub fn pinned_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 14, 12, 0, 0).unwrap()
}

/// A running portal with its simulators.
pub struct TestApp {
    /// The configuration the app runs with (simulators and database included).
    pub raw: RawSettings,
    /// The app's shared state (caches, clock), to drive refreshes.
    pub state: actix_web::web::Data<hallway::state::AppState>,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The app's clock, pinned at [`pinned_now`]; tests move it with `set` / `advance`.
    pub clock: Clock,
    /// Client with a cookie jar that does not follow redirects.
    pub client: reqwest::Client,
    /// The status poller, to drive by hand.
    pub poller: Poller,
    /// The schedule puller, when a schedule URL is configured.
    pub puller: Option<Puller>,
    /// The database the app uses.
    pub db: Db,
    /// The simulated BBB servers, by configured name order (bbb1, bbb2, bbb3).
    pub sims: Vec<SimServer>,
    /// A config file pointing at the same database, for CLI tests.
    pub config_path: PathBuf,
    /// The database URL (the config file holds it redacted when it has a password).
    pub db_url: String,
    _dir: tempfile::TempDir,
}

/// Starts simulators and the app on a fresh SQLite database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(None, |_| {}).await
}

/// Starts simulators and the app on `db_url`, or a fresh SQLite file when `None`.
pub async fn spawn_app_on(db_url: Option<String>) -> TestApp {
    spawn_app_with(db_url, |_| {}).await
}

/// Like [`spawn_app_on`], letting the test adjust the configuration first.
pub async fn spawn_app_with(
    db_url: Option<String>,
    adjust: impl FnOnce(&mut RawSettings),
) -> TestApp {
    spawn_app_with_sims(db_url, adjust, |_| {}).await
}

/// Like [`spawn_app_with`], letting the test also adjust each simulator (version, timeouts).
pub async fn spawn_app_with_sims(
    db_url: Option<String>,
    adjust: impl FnOnce(&mut RawSettings),
    adjust_sim: impl Fn(&mut SimConfig),
) -> TestApp {
    hallway::telemetry::init(if std::env::var("TEST_LOG").is_ok() {
        "debug"
    } else {
        "off"
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = RawSettings::example().expect("example config");
    let mut sims = Vec::new();
    for server in raw.bbb.servers.iter_mut() {
        let secret = format!("test-secret-of-{}", server.name);
        let mut config = SimConfig::new(server.name.clone(), secret.clone());
        adjust_sim(&mut config);
        let sim = SimServer::start(TcpListener::bind("127.0.0.1:0").expect("bind sim"), config)
            .await
            .expect("start sim");
        *server = RawBbbServer {
            name: server.name.clone(),
            url: sim.base_url().to_string(),
            secret: SecretString::from(secret),
            checksum: server.checksum,
            version: None,
            balancer: false,
        };
        sims.push(sim);
    }
    let db_url =
        db_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("test.db").display()));
    raw.database.url = db_url.clone();
    raw.server.listen = "127.0.0.1:0".into();
    raw.server.session_key = Some(SecretString::from(
        "a-test-session-key-that-is-long-enough-0123456789".to_string(),
    ));
    raw.bbb.poll_interval_secs = 3600;
    raw.schedule.pull_interval_secs = 3600;
    adjust(&mut raw);
    let config_path = dir.path().join("hallway.toml");
    // The CLI sees the same configuration (secrets are not needed for schedule commands).
    let mut cli_raw = raw.clone();
    cli_raw.server.session_key = None;
    std::fs::write(
        &config_path,
        cli_raw.to_redacted_toml().expect("config as TOML"),
    )
    .expect("write config");
    let settings = raw.clone().parse().expect("settings");
    // A pinned clock, and no background loops: tests call poll_once / pull_once themselves, so
    // nothing polls or pulls behind their back.
    let clock = Clock::fixed(pinned_now());
    let app = Application::build_with(
        settings,
        BuildOptions {
            clock: clock.clone(),
            background_jobs: false,
        },
    )
    .await
    .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let poller = app.poller();
    let puller = app.puller();
    let db = app.db().clone();
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        raw,
        address,
        state,
        clock,
        client,
        poller,
        puller,
        db,
        sims,
        config_path,
        db_url,
        _dir: dir,
    }
}

impl TestApp {
    /// Imports the sample conference as it is (September 2026).
    pub async fn import_sample(&self) {
        import::import_file(&self.db, &sample_schedule_path(), &ImportOptions::default())
            .await
            .expect("sample imports");
        self.refresh().await;
    }

    /// Runs the change-mechanism step the 1-second loop would run: caches of shared state
    /// (schedule, placements, meetings) reload what changed.
    pub async fn refresh(&self) {
        self.state
            .refresh_once()
            .await
            .expect("refresh shared state");
    }

    /// Imports the sample conference shifted so that its first sessions run at the app's
    /// (pinned) now.
    pub async fn import_sample_running_now(&self) {
        let bytes = std::fs::read(sample_schedule_path()).expect("read sample");
        let (mut parsed, format) =
            import::parse_schedule(&bytes, "sample", &ImportOptions::default())
                .expect("sample parses");
        import::shift_to_now(&mut parsed, self.clock.now());
        import::store_parsed(&self.db, parsed, format, "sample shifted", false, None)
            .await
            .expect("sample stores");
        self.refresh().await;
    }

    /// The session running in `room` at the app's now (the sample shifted by
    /// [`TestApp::import_sample_running_now`] has one in `refereed`).
    pub fn session_running_in(&self, room: &str) -> hallway::schedule::stored::StoredSession {
        let now = self.clock.now();
        self.state
            .schedule
            .get()
            .in_room_between(room, now, now + Duration::seconds(1))
            .into_iter()
            .next()
            .cloned()
            .unwrap_or_else(|| panic!("a session runs in {room} now"))
    }

    /// GET a path, returning status and body.
    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("GET");
        let status = r.status();
        (status, r.text().await.expect("body"))
    }

    /// POST a form, returning the raw response.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.address, path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// The CSRF token of this client's session (fetched from the now page).
    pub async fn csrf(&self) -> String {
        let (_, body) = self.get("/login").await;
        csrf_in(&body)
    }

    /// Logs this client in as a guest.
    pub async fn log_in_as_guest(&self, name: &str) {
        let csrf = self.csrf().await;
        let r = self
            .post_form(
                "/login/guest",
                &[("csrf", &csrf), ("name", name), ("next", "/")],
            )
            .await;
        assert_eq!(r.status(), 303, "guest login should redirect");
    }

    /// Logs this client in as an admin through a fresh one-time link.
    pub async fn log_in_as_admin(&self) {
        let token = auth_store::create_admin_token(
            &self.db,
            "Test Organizer",
            Duration::hours(1),
            self.clock.now(),
        )
        .await
        .expect("token");
        let (status, body) = self.get(&format!("/login/admin/{token}")).await;
        assert_eq!(status, 200);
        let r = self
            .post_form(
                &format!("/login/admin/{token}"),
                &[("csrf", &csrf_in(&body))],
            )
            .await;
        assert_eq!(r.status(), 303, "admin login should redirect");
    }

    /// One status round as the job loop runs it: poll every simulator, update the registry.
    pub async fn status_round(&self) {
        hallway::rooms::lifecycle::status_round(&self.state).await;
    }

    /// A second instance of the portal on the same configuration: the same database and
    /// simulators, the same (pinned) clock, its own port and caches. What two
    /// instances behind a load balancer are.
    pub async fn another_instance(&self) -> Instance {
        let app = Application::build_with(
            self.raw.clone().parse().expect("settings"),
            BuildOptions {
                clock: self.clock.clone(),
                background_jobs: false,
            },
        )
        .await
        .expect("build the second instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        Instance { address, state }
    }

    /// Runs the `hallway` binary with this app's config file.
    pub fn cli(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .env("HALLWAY__DATABASE__URL", &self.db_url)
            .env("RUST_LOG", "error")
            .output()
            .expect("run hallway")
    }
}

/// The first CSRF token in a page.
pub fn csrf_in(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("input[name=csrf]").expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("page has a CSRF token")
        .to_owned()
}

/// Texts of the elements matching `selector`.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Attribute values of the elements matching `selector`.
pub fn attrs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// True when tests that need an optional peer must run (CI), false when they may skip.
pub fn required() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// Skips the calling test because `peer` (chromium, postgresql, bbbctl, ../shared) is missing,
/// or fails it when [`required`] (CI=true). The caller returns right after.
///
/// libtest captures `eprintln!` of passing tests, so a skip reported that way looks green.
/// Instead the line is written straight to the process's stderr (libtest captures only the
/// print macros), so it shows while the tests run, and is repeated after the summary:
///
/// ```text
/// test result: ok. 42 passed; 0 failed; ...
/// SKIPPED browser::the_browser_zone_is_detected_and_times_are_shown_in_it: chromium: ...
/// ```
pub fn skip(peer: &str, reason: &str) {
    assert!(
        !required(),
        "CI=true but the {peer} peer is missing: {reason}"
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let line = format!("SKIPPED {test}: {peer}: {reason}");
    let _ = writeln!(std::io::stderr(), "{line}");
    SKIPS.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `atexit` is the C library's; `print_skips` is a plain `extern "C" fn` that
        // only reads a static and writes to stderr, which stays valid until the process ends.
        unsafe {
            atexit(print_skips);
        }
    });
}

static SKIPS: Mutex<Vec<String>> = Mutex::new(Vec::new());

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

/// Runs when the test binary exits, after libtest printed its summary.
extern "C" fn print_skips() {
    let skips = SKIPS.lock().unwrap_or_else(|e| e.into_inner());
    let mut err = std::io::stderr().lock();
    for line in skips.iter() {
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(
        err,
        "{} test(s) passed without running: see docs/TESTING.md",
        skips.len()
    );
}

/// Another instance of the portal beside a [`TestApp`].
pub struct Instance {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// Its shared state.
    pub state: actix_web::web::Data<hallway::state::AppState>,
}

/// Logs a fresh cookie-keeping client in as a guest on `base`.
pub async fn guest_client(base: &str, name: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let page = c.get(format!("{base}/login")).send().await.unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    let r = c
        .post(format!("{base}/login/guest"))
        .form(&[("csrf", csrf.as_str()), ("name", name), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    c
}

/// Logs a fresh cookie-keeping client in on `base` through a one-time admin link made for
/// `name` in `app`'s database (admins join every room as MODERATOR).
pub async fn admin_link_client(app: &TestApp, base: &str, name: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let token = auth_store::create_admin_token(&app.db, name, Duration::hours(1), app.clock.now())
        .await
        .unwrap();
    let url = format!("{base}/login/admin/{token}");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(&url)
        .form(&[("csrf", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    c
}

/// The CSRF token of `c`'s session on `base`.
pub async fn csrf_of(c: &reqwest::Client, base: &str) -> String {
    csrf_in(
        &c.get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
}
