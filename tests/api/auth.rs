//! Accounts against the real app: the registration list (CLI import, code login), speakers and
//! track moderators in their rooms, guest mode, revocable sessions, and one test per attack.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};

use crate::helpers::{attrs, csrf_in, spawn_app, spawn_app_with, TestApp};

/// A browser of its own: a cookie jar the test can read and copy.
pub struct Browser {
    pub base: String,
    pub jar: Arc<Jar>,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        Self {
            base: app.address.clone(),
            jar,
            client,
        }
    }

    /// The Cookie header this browser sends.
    pub fn cookies(&self) -> String {
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    pub async fn csrf(&self) -> String {
        csrf_in(&self.page("/login").await)
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts with the page's CSRF token added.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }

    pub async fn guest(&self, name: &str) -> reqwest::Response {
        self.submit("/login/guest", &[("name", name), ("next", "/")])
            .await
    }

    pub async fn code_login(&self, email: &str, code: &str) -> reqwest::Response {
        self.submit(
            "/login/code",
            &[("email", email), ("code", code), ("next", "/")],
        )
        .await
    }

    pub async fn admin(&self, app: &TestApp) {
        let token = hallway::auth::store::create_admin_token(
            &app.db,
            "Test Organizer",
            chrono::Duration::hours(1),
            app.clock.now(),
        )
        .await
        .unwrap();
        let body = self.page(&format!("/login/admin/{token}")).await;
        let r = self
            .post(
                &format!("/login/admin/{token}"),
                &[("csrf", &csrf_in(&body))],
            )
            .await;
        assert_eq!(r.status(), 303);
    }

    /// Status of `GET /admin/status` (200 staff, 303 to login otherwise).
    pub async fn staff_status(&self) -> u16 {
        self.get("/admin/status").await.status().as_u16()
    }
}

/// GET with exactly this Cookie header, no jar.
async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    get_at(&app.address, path, cookie).await
}

/// GET `path` of the instance at `base` with the Cookie header `cookie`, redirects not followed.
async fn get_at(base: &str, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}{path}"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// The Set-Cookie line of the response `r` for the cookie `name`.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| {
            v.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('='))
        })
        .map(str::to_owned)
}

pub const REGISTRATION: &str = "email,name,code,roles,tracks,speaker_of\n\
    ada@example.org,Ada Park,ada-code-1,staff,,\n\
    mod@example.org,Mo Derator,mod-code-1,moderator,,\n\
    joe@example.org,Joe Attendee,joe-code-1,,,\n";

/// Imports `csv` through the CLI, asserting success.
pub fn import_people(app: &TestApp, csv: &str) -> String {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), csv).unwrap();
    let out = app.cli(&["users", "import", file.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_registration_list_imports_all_or_nothing_with_line_numbers_and_updates_on_reimport() {
    let app = spawn_app().await;
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        file.path(),
        "email,name,code,roles\nada@example.org,Ada Park,ada-code-1,staff\nbroken,Bob,bob-code-1,\n",
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let bad = app.cli(&["users", "import", path]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("line 3: 'broken' is not an e-mail address"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let b = Browser::new(&app);
    assert_eq!(
        b.code_login("ada@example.org", "ada-code-1").await.status(),
        401,
        "the good row of a bad file was not imported"
    );

    let out = import_people(&app, REGISTRATION);
    assert!(out.contains("add ada@example.org"), "{out}");
    assert!(out.contains("made 3 change(s), 0 unchanged"), "{out}");
    // Codes are stored hashed.
    let stored: Vec<String> = sqlx::query_scalar("select code_hash from people")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(
        stored.iter().all(|h| h.starts_with("$argon2id$")),
        "{stored:?}"
    );

    // A dry run shows the update and changes nothing; the real run updates.
    let renamed = REGISTRATION.replace("Joe Attendee,joe-code-1", "Joe Renamed,");
    std::fs::write(file.path(), &renamed).unwrap();
    let dry = app.cli(&["users", "import", path, "--dry-run"]);
    let dry_out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry_out.contains("update joe@example.org: name"),
        "{dry_out}"
    );
    assert!(
        dry_out.contains("would make 1 change(s), 2 unchanged"),
        "{dry_out}"
    );
    let r = b.code_login("JOE+lpc@Example.org", "joe-code-1").await;
    assert_eq!(r.status(), 303, "case-insensitive, +tag stripped");
    assert!(b.page("/").await.contains("Joe Attendee"));
    let out = import_people(&app, &renamed);
    assert!(out.contains("made 1 change(s)"), "{out}");
    let b2 = Browser::new(&app);
    assert_eq!(
        b2.code_login("joe@example.org", "joe-code-1")
            .await
            .status(),
        303,
        "an empty code keeps the old one"
    );
    assert!(b2.page("/").await.contains("Joe Renamed"));
}

#[tokio::test]
async fn speakers_and_track_moderators_are_moderators_in_their_running_session_only() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let running = app.session_running_in("refereed");
    let speaker = running.persons.first().expect("it has a speaker").clone();
    let track = running.track.clone().expect("it has a track");
    let csv = format!(
        "email,name,code,roles,tracks,speaker_of\n\
         spk@example.org,Sam Speaker,spk-code-1,,,{speaker}\n\
         trk@example.org,Tia Track,trk-code-1,,{track},\n\
         att@example.org,Al Attendee,att-code-1,,,\n"
    );
    import_people(&app, &csv);
    for (email, code, role) in [
        ("spk@example.org", "spk-code-1", "MODERATOR"),
        ("trk@example.org", "trk-code-1", "MODERATOR"),
        ("att@example.org", "att-code-1", "VIEWER"),
    ] {
        let b = Browser::new(&app);
        assert_eq!(b.code_login(email, code).await.status(), 303, "{email}");
        let r = b.submit("/rooms/refereed/join", &[]).await;
        assert_eq!(r.status(), 303, "{email}");
        let loc = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert_eq!(loc.matches("role=").count(), 1, "{loc}");
        assert!(loc.contains(&format!("role={role}")), "{email}: {loc}");
    }
    // A guest typing the speaker's name stays a viewer.
    let g = Browser::new(&app);
    assert_eq!(g.guest("Sam Speaker").await.status(), 303);
    let r = g.submit("/rooms/refereed/join", &[]).await;
    assert!(r.headers()[LOCATION]
        .to_str()
        .unwrap()
        .contains("role=VIEWER"));
}

#[tokio::test]
async fn an_open_redirect_via_next_is_refused() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let login = b.page("/login?next=https://evil.example/").await;
    let nexts = attrs(&login, "input[name=next]", "value");
    assert_eq!(
        nexts,
        ["/", "/"],
        "the login forms do not carry the foreign next"
    );
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
    ] {
        let r = b
            .submit("/login/guest", &[("name", "Ada Guest"), ("next", next)])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()[LOCATION], "/", "{next:?}");
    }
}

#[tokio::test]
async fn a_missing_wrong_or_other_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    let a = Browser::new(&app);
    let b = Browser::new(&app);
    let b_token = b.csrf().await;
    let _ = a.csrf().await;
    let missing = a.post("/login/guest", &[("name", "Eve")]).await;
    let wrong = a
        .post("/login/guest", &[("name", "Eve"), ("csrf", "forged")])
        .await;
    let other = a
        .post("/login/guest", &[("name", "Eve"), ("csrf", &b_token)])
        .await;
    assert_eq!(missing.status(), 400);
    assert_eq!(wrong.status(), 403);
    assert_eq!(other.status(), 403);
    assert!(!a.page("/").await.contains("Eve"), "nobody was logged in");
    // The same holds for logout and for admin actions.
    a.admin(&app).await;
    let r = a.post("/logout", &[("csrf", &b_token)]).await;
    assert_eq!(r.status(), 403);
    let r = a
        .post("/admin/guest-mode", &[("csrf", &b_token), ("mode", "off")])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(a.staff_status().await, 200, "still logged in");
}

/// The value of cookie `name` in a Cookie header.
fn cookie_value(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .map(str::trim)
        .find_map(|c| c.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

#[tokio::test]
async fn forged_tampered_and_expired_cookies_count_as_logged_out() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    b.admin(&app).await;
    let cookie = b.cookies();
    assert_eq!(
        get_with_cookie(&app, "/admin/status", &cookie)
            .await
            .status(),
        200
    );
    let sid = cookie_value(&cookie, "hallway_login").expect("login cookie");
    // Tampered: one character of the session id changed.
    let mut bytes = sid.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("hallway_login={}", String::from_utf8(bytes).unwrap());
    // Guessed: a well-formed id nobody was given.
    let guessed = "hallway_login=AAAAAAAAAAAAAAAAAAAAAA".to_owned();
    // Forged: what an unsigned session cookie of the oldest kind would say.
    let forged = format!(
        "hallway_session={}",
        "{\"user\":\"{\\\"id\\\":\\\"x\\\",\\\"name\\\":\\\"Eve\\\",\\\"role\\\":\\\"admin\\\"}\"}"
    );
    for c in [tampered, guessed, forged] {
        let r = get_with_cookie(&app, "/admin/status", &c).await;
        assert_eq!(r.status(), 303, "{c}");
        assert!(r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
    }
    // Expired: the staff idle limit (4 h in the example) passes on the server's clock.
    app.clock.advance(chrono::Duration::hours(4));
    let r = get_with_cookie(&app, "/admin/status", &cookie).await;
    assert_eq!(r.status(), 303, "an idle admin session ends server-side");
    let cleared = set_cookie(&r, "hallway_login")
        .is_some_and(|v| v.starts_with("hallway_login=;") && v.contains("Max-Age=0"));
    assert!(cleared, "the ended session's login cookie is removed");
}

#[tokio::test]
async fn a_login_cookie_holds_only_the_session_id_and_a_guest_carries_no_session_cookie() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    b.csrf().await;
    assert!(
        cookie_value(&b.cookies(), "hallway_session").is_some(),
        "a visitor who is not logged in keeps the form token in the session cookie"
    );
    let r = b.guest("Gina").await;
    assert_eq!(r.status(), 303);
    let login = set_cookie(&r, "hallway_login").expect("a login cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(login.contains(attribute), "{attribute} in {login}");
    }
    let cookies = b.cookies();
    let sid = cookie_value(&cookies, "hallway_login").unwrap();
    assert_eq!(sid.len(), 22, "128 random bits, URL-safe base64: {sid}");
    assert!(
        cookie_value(&cookies, "hallway_session").is_none(),
        "the emptied session cookie was removed, not rewritten: {login}"
    );
    // The database knows the session by its id's hash and holds who it is.
    let stored = hallway::auth::store::live_session(
        &app.db,
        &hallway::auth::store::hash(&sid),
        app.clock.now(),
    )
    .await
    .unwrap()
    .expect("the session row");
    assert_eq!(stored.user.name, "Gina");
    assert!(b.page("/").await.contains("Gina"));
    // Forms of a logged-in visitor carry the session's token, and posting them works.
    let token = csrf_in(&b.page("/").await);
    assert_eq!(token, app.state.sessions.csrf_for(&sid));
    let r = b.post("/logout", &[("csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    assert!(cookie_value(&b.cookies(), "hallway_login").is_none());
}

#[tokio::test]
async fn another_instance_knows_a_login_from_its_id_and_reads_a_recent_use_before_ending_it() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let b = Browser::new(&app);
    b.admin(&app).await;
    let cookie = b.cookies();
    let status_on = |base: String, cookie: String| async move {
        get_at(&base, "/admin/status", &cookie).await.status()
    };
    assert_eq!(status_on(other.address.clone(), cookie.clone()).await, 200);
    // Used on the first instance for 3 h in steps (the staff idle limit is 4 h): each use
    // after a minute is written back to the session's row.
    let sid = cookie_value(&cookie, "hallway_login").unwrap();
    let hash = hallway::auth::store::hash(&sid);
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::hours(1));
        assert_eq!(status_on(app.address.clone(), cookie.clone()).await, 200);
    }
    let used = app.clock.now().timestamp();
    let mut seen = 0;
    for _ in 0..100 {
        seen = hallway::auth::store::live_session(&app.db, &hash, app.clock.now())
            .await
            .unwrap()
            .unwrap()
            .last_seen;
        if seen == used {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen, used, "the last use reached the database");
    // 4 h after the second instance last saw it, the session is idle there, but not in
    // the database: it stays logged in.
    app.clock
        .advance(chrono::Duration::hours(1) + chrono::Duration::minutes(1));
    assert_eq!(status_on(other.address.clone(), cookie.clone()).await, 200);
    // Logged out on the first instance, the second refuses it after its refresh.
    let token = csrf_in(&b.page("/").await);
    assert_eq!(b.post("/logout", &[("csrf", &token)]).await.status(), 303);
    other.state.refresh_once().await.unwrap();
    assert_eq!(status_on(other.address.clone(), cookie).await, 303);
}

#[tokio::test]
async fn a_login_kept_in_the_session_cookie_by_an_earlier_version_moves_to_the_server() {
    use actix_web::cookie::{Cookie, CookieJar, Key};
    let app = spawn_app().await;
    let now = app.clock.now();
    let sid = "LegacySessionId0123456";
    let user = hallway::auth::user::SessionUser::new(
        "admin-legacy",
        "Lea Legacy",
        hallway::auth::user::UserRole::Admin,
    );
    hallway::auth::store::insert_session(
        &app.db,
        &hallway::auth::store::hash(sid),
        &user,
        now,
        now + chrono::Duration::hours(12),
    )
    .await
    .unwrap();
    // What the earlier version wrote: the session state (a map of JSON strings), encrypted
    // as actix-session's private cookie under the configured key.
    let record = serde_json::json!({
        "sid": sid,
        "user": {"id": "admin-legacy", "name": "Lea Legacy", "role": "admin"},
        "created_at": now.timestamp(),
        "last_seen": now.timestamp(),
    });
    let state = serde_json::json!({ "auth": record.to_string(), "csrf": "\"old-token\"" });
    use secrecy::ExposeSecret;
    let secret = app
        .raw
        .server
        .session_key
        .clone()
        .expect("the test config sets a key");
    let key = Key::derive_from(secret.expose_secret().as_bytes());
    let mut jar = CookieJar::new();
    jar.private_mut(&key)
        .add(Cookie::new("hallway_session", state.to_string()));
    let value = jar.get("hallway_session").unwrap().value().to_owned();
    let r = get_with_cookie(&app, "/admin/status", &format!("hallway_session={value}")).await;
    assert_eq!(r.status(), 200, "still logged in after the upgrade");
    let login = set_cookie(&r, "hallway_login")
        .map(|v| {
            v["hallway_login=".len()..]
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .expect("the login moves to a login cookie");
    assert_eq!(login, sid);
    let r = get_with_cookie(&app, "/admin/status", &format!("hallway_login={sid}")).await;
    assert_eq!(r.status(), 200, "the login cookie alone is the login now");
}

#[tokio::test]
async fn an_id_found_dead_is_refused_from_memory_without_asking_the_database_again() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    b.admin(&app).await;
    let copied = b.cookies();
    let token = csrf_in(&b.page("/").await);
    assert_eq!(b.post("/logout", &[("csrf", &token)]).await.status(), 303);
    let guessed = "hallway_login=AAAAAAAAAAAAAAAAAAAAAA";
    let refused = |r: reqwest::Response| {
        r.status() == 303
            && r.headers()[LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login")
    };
    // Each new connection may land on either worker: both meet both ids.
    for _ in 0..8 {
        for c in [copied.as_str(), guessed] {
            assert!(
                refused(get_with_cookie(&app, "/admin/status", c).await),
                "{c}"
            );
        }
    }
    // With the database gone, both are still refused as logged out, from memory, rather than
    // answered with a database error.
    app.db.pool().close().await;
    for _ in 0..8 {
        for c in [copied.as_str(), guessed] {
            assert!(
                refused(get_with_cookie(&app, "/admin/status", c).await),
                "{c}"
            );
        }
    }
}

#[tokio::test]
async fn behind_https_the_login_cookie_is_a_secure_host_only_cookie() {
    let app = spawn_app_with(None, |raw| {
        raw.server.public_url = Some("https://hallway.example.org/".into());
    })
    .await;
    // By hand: a cookie jar keeps Secure cookies for https pages only.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let session = set_cookie(&login, "hallway_session")
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("the form token's session cookie");
    let token = csrf_in(&login.text().await.unwrap());
    let r = client
        .post(format!("{}/login/guest", app.address))
        .header(COOKIE, &session)
        .form(&[("csrf", token.as_str()), ("name", "Hanna")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("hallway_login="))
        .expect("a login cookie")
        .to_owned();
    assert!(set.starts_with("__Host-hallway_login="), "{set}");
    for attribute in ["Secure", "Path=/", "HttpOnly"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(!set.contains("Domain"), "{set}");
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = get_at(&app.address, "/", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hanna"), "the host-only cookie logs in");
    // A plain-named cookie planted from elsewhere is not the login behind https.
    let planted = cookie.replacen("__Host-", "", 1);
    let page = get_with_cookie(&app, "/", &planted)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Hanna"));
}

#[tokio::test]
async fn the_session_cookie_goes_out_as_plain_base64_and_an_escaped_one_still_reads() {
    let app = spawn_app().await;
    // Standard base64 has a '/' or '=' in almost every cookie of this length; visit until one
    // does, so that there is something an escaping server would have written as %2F or %3D.
    let mut value = String::new();
    let mut token = String::new();
    for _ in 0..20 {
        let b = Browser::new(&app);
        token = b.csrf().await;
        value = cookie_value(&b.cookies(), "hallway_session").expect("session cookie");
        if value.contains(['/', '=']) {
            break;
        }
    }
    assert!(
        value.contains(['/', '=']),
        "no cookie with '/' or '=' in 20 visits"
    );
    assert!(
        value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
        "the cookie value is plain base64, nothing escaped: {value}"
    );
    let plain = format!("hallway_session={value}");
    let escaped = format!(
        "hallway_session={}",
        value.replace('/', "%2F").replace('=', "%3D")
    );
    for cookie in [plain, escaped] {
        let r = get_with_cookie(&app, "/login", &cookie).await;
        assert_eq!(r.status(), 200, "{cookie}");
        assert_eq!(csrf_in(&r.text().await.unwrap()), token, "{cookie}");
    }
}

#[tokio::test]
async fn a_cookie_replayed_after_logout_no_longer_works() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    b.admin(&app).await;
    let copied = b.cookies();
    assert_eq!(
        get_with_cookie(&app, "/admin/status", &copied)
            .await
            .status(),
        200
    );
    let csrf = csrf_in(&b.page("/").await);
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let replay = get_with_cookie(&app, "/admin/status", &copied).await;
    assert_eq!(
        replay.status(),
        303,
        "the copied cookie still opens the dashboard"
    );
    let revoked: i64 =
        sqlx::query_scalar("select count(*) from auth_sessions where revoked_at is not null")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn guest_login_while_guest_mode_is_off_is_refused_and_logged_in_guests_lose_access() {
    let app = spawn_app().await;
    let guest = Browser::new(&app);
    assert_eq!(guest.guest("Gus Guest").await.status(), 303);
    assert!(guest.page("/").await.contains("Gus Guest"));

    let admin = Browser::new(&app);
    admin.admin(&app).await;
    let users = admin.page("/admin/users").await;
    assert!(
        users.contains("Guest mode is <strong>on</strong>"),
        "{users}"
    );
    let r = admin
        .post(
            "/admin/guest-mode",
            &[("csrf", &csrf_in(&users)), ("mode", "off")],
        )
        .await;
    assert_eq!(r.status(), 303);

    let page = guest.page("/").await;
    assert!(!page.contains("Gus Guest"), "the guest is still logged in");
    let r = guest.guest("Gus Again").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Guest access is closed"));
    assert!(!guest.page("/login").await.contains("guest-login"));
    let audit = admin.page("/admin/users").await;
    assert!(audit.contains("guest-mode off"), "the switch is audited");
    // Not an admin: no switch.
    let joe = Browser::new(&app);
    import_people(&app, REGISTRATION);
    assert_eq!(
        joe.code_login("joe@example.org", "joe-code-1")
            .await
            .status(),
        303
    );
    assert_eq!(
        joe.submit("/admin/guest-mode", &[("mode", "on")])
            .await
            .status(),
        403
    );
    assert_eq!(joe.get("/admin/users").await.status(), 403);
}

#[tokio::test]
async fn brute_forcing_a_registration_code_hits_the_rate_limit() {
    let app = spawn_app().await;
    import_people(&app, REGISTRATION);
    let b = Browser::new(&app);
    // The example allows 5 failures per address per 15 minutes.
    for i in 0..5 {
        let r = b.code_login("ada@example.org", &format!("guess-{i}")).await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = b.code_login("Ada+x@example.org", "ada-code-1").await;
    assert_eq!(r.status(), 429, "even the right code waits");
    let retry: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Another browser (same address) is limited the same: the counter is in the database.
    let other = Browser::new(&app);
    assert_eq!(
        other
            .code_login("ada@example.org", "ada-code-1")
            .await
            .status(),
        429
    );
    // After the window, the right code works.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        b.code_login("ada@example.org", "ada-code-1").await.status(),
        303
    );
}

#[tokio::test]
async fn login_attempts_per_address_are_limited_and_forwarded_for_counts_only_from_trusted_proxies()
{
    let app = spawn_app_with(None, |raw| {
        raw.auth.attempts_per_ip_per_minute = 3;
    })
    .await;
    let b = Browser::new(&app);
    let csrf = b.csrf().await;
    let attempt = |ip: &'static str| {
        let b = &b;
        let csrf = csrf.clone();
        async move {
            b.client
                .post(format!("{}/login/code", b.base))
                .header("x-forwarded-for", ip)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", "x@example.org"),
                    ("code", "nope-nope"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // No trusted proxies: a client cannot dodge the limit with a made-up header.
    assert_eq!(attempt("203.0.113.1").await, 401);
    assert_eq!(attempt("203.0.113.2").await, 401);
    assert_eq!(attempt("203.0.113.3").await, 401);
    assert_eq!(attempt("203.0.113.4").await, 429);

    let proxied = spawn_app_with(None, |raw| {
        raw.auth.attempts_per_ip_per_minute = 1;
        raw.auth.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let p = Browser::new(&proxied);
    let csrf = p.csrf().await;
    let post = |ip: &'static str| {
        let p = &p;
        let csrf = csrf.clone();
        async move {
            p.client
                .post(format!("{}/login/code", p.base))
                .header("x-forwarded-for", ip)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", "x@example.org"),
                    ("code", "nope-nope"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post("198.51.100.1").await, 401);
    assert_eq!(
        post("198.51.100.2").await,
        401,
        "another client behind the proxy"
    );
    assert_eq!(post("198.51.100.1").await, 429);
}

#[tokio::test]
async fn a_guest_name_posing_as_staff_is_refused() {
    let app = spawn_app().await;
    import_people(&app, REGISTRATION);
    let b = Browser::new(&app);
    for name in [
        "Ada Park",
        "  mo   DERATOR ",
        "Eve (moderator)",
        "Program Committee",
        "Eve\u{202e}nimda",
    ] {
        let r = b.guest(name).await;
        assert_eq!(r.status(), 400, "{name:?}");
        let body = r.text().await.unwrap();
        assert!(body.contains("role=\"alert\""), "{body}");
    }
    assert_eq!(
        b.guest("Joe Attendee").await.status(),
        303,
        "attendee names are not reserved"
    );
}

#[tokio::test]
async fn an_admin_ends_all_sessions_of_a_user() {
    let app = spawn_app().await;
    import_people(&app, REGISTRATION);
    let laptop = Browser::new(&app);
    let phone = Browser::new(&app);
    for b in [&laptop, &phone] {
        assert_eq!(
            b.code_login("ada@example.org", "ada-code-1").await.status(),
            303
        );
        assert_eq!(b.staff_status().await, 200, "staff see the dashboard");
    }
    let admin = Browser::new(&app);
    admin.admin(&app).await;
    let users = admin.page("/admin/users").await;
    let id: String = sqlx::query_scalar("select id from people where email = 'ada@example.org'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        users.contains(&format!("/admin/users/{id}/end-sessions")),
        "{users}"
    );
    let r = admin
        .post(
            &format!("/admin/users/{id}/end-sessions"),
            &[("csrf", &csrf_in(&users))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()[LOCATION].to_str().unwrap().contains("Ended+2"));
    assert_eq!(laptop.staff_status().await, 303);
    assert_eq!(phone.staff_status().await, 303);
    assert_eq!(admin.staff_status().await, 200);
    // Cookies are HttpOnly and SameSite=Lax (Secure needs an https public URL).
    let r = Browser::new(&app).get("/login").await;
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
}

#[tokio::test]
async fn an_encoded_or_disguised_next_never_leaves_the_site() {
    let app = spawn_app().await;
    let base = reqwest::Url::parse(&app.address).unwrap();
    let stays_here = |location: &str| {
        base.join(location)
            .is_ok_and(|u| u.host_str() == base.host_str() && u.port() == base.port())
    };
    let b = Browser::new(&app);
    for next in [
        "%2F%2Fevil.example",
        "/%2F/evil.example",
        "%2F%5Cevil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "https:%2F%2Fevil.example",
        "https:evil.example",
        "/%09/evil.example",
        "\\/evil.example",
        "/\\/evil.example",
        "//evil.example%2F",
        "/\u{3000}/evil.example",
        "http://127.0.0.1@evil.example/",
        "javascript:alert(1)",
    ] {
        // Through the login page's link (the query carries the value once more encoded)…
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let login = b.page(&format!("/login?{query}")).await;
        for shown in attrs(&login, "input[name=next]", "value") {
            assert!(stays_here(&shown), "{next:?} became next={shown:?}");
        }
        // …and posted straight to the login.
        let r = b
            .submit("/login/guest", &[("name", "Ada Guest"), ("next", next)])
            .await;
        assert_eq!(r.status(), 303);
        let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            stays_here(&location),
            "{next:?} sent the browser to {location:?}"
        );
    }
    // A page that needs a login sends the visitor back to where they were, on this site.
    let r = Browser::new(&app).get("/admin/status?done=1").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()[LOCATION],
        "/login?next=%2Fadmin%2Fstatus%3Fdone%3D1"
    );
}

/// Posts the schedule upload with `csrf` as its first part (None: no token part at all).
async fn upload_with(b: &Browser, csrf: Option<&str>, action: &str) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    if let Some(t) = csrf {
        form = form.text("csrf", t.to_owned());
    }
    let sample = std::fs::read(crate::helpers::sample_schedule_path()).unwrap();
    form = form
        .part(
            "file",
            reqwest::multipart::Part::bytes(sample).file_name("sample.xml"),
        )
        .text("action", action.to_owned());
    b.client
        .post(format!("{}/admin/schedule", b.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_or_preview_without_this_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    let admin = Browser::new(&app);
    admin.admin(&app).await;
    let other = Browser::new(&app);
    other.admin(&app).await;
    let others_token = other.csrf().await;
    let own = admin.csrf().await;
    assert_eq!(upload_with(&admin, None, "import").await.status(), 400);
    assert_eq!(
        upload_with(&admin, Some("forged"), "import").await.status(),
        403
    );
    assert_eq!(
        upload_with(&admin, Some(&others_token), "import")
            .await
            .status(),
        403
    );
    // The token must come first: one sent after the file is no token.
    let late = reqwest::multipart::Form::new()
        .text("action", "import")
        .text("csrf", own.clone());
    let r = admin
        .client
        .post(format!("{}/admin/schedule", admin.base))
        .multipart(late)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Not a multipart body at all.
    let r = admin
        .post(
            "/admin/schedule",
            &[("csrf", own.as_str()), ("action", "import")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        admin.page("/api/v1/schedule").await,
        "[]",
        "nothing was imported"
    );
    // With its own token the same upload goes through.
    let r = upload_with(&admin, Some(&own), "import").await;
    assert_eq!(r.status(), 200);
    assert_ne!(admin.page("/api/v1/schedule").await, "[]");

    // The preview form goes through the same check.
    for token in ["forged", others_token.as_str()] {
        let r = admin
            .post(
                "/preview",
                &[
                    ("csrf", token),
                    ("action", "set"),
                    ("at", "2026-09-15T09:00"),
                ],
            )
            .await;
        assert_eq!(r.status(), 403);
    }
    assert!(!admin.page("/").await.contains("<strong>Preview as of"));
}

#[tokio::test]
async fn a_form_post_that_needs_a_login_comes_back_to_the_page_the_form_was_on() {
    let app = crate::helpers::spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let page = format!("{}/schedule", app.address);
    let csrf = crate::helpers::csrf_of(&client, &app.address).await;
    let answer = client
        .post(format!("{}/admin/guest-mode", app.address))
        .header("referer", &page)
        .form(&[("csrf", csrf.as_str()), ("mode", "off")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 303);
    assert_eq!(
        answer.headers()["location"].to_str().unwrap(),
        "/login?next=%2Fschedule",
        "not the POST-only path, which the browser would then GET and not find"
    );
}
