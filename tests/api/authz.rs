//! Who may do what, on every route: one table of every route the app registers
//! (`hallway::web::route_table()`) × every kind of visitor, run against the real app with its
//! BBB simulators while a session is running. A route the app serves without a row here, or a
//! row for a route the app no longer serves, fails the test and is named in the message.
//!
//! Adding a route: add a row to [`rows`] with the pattern exactly as `configure` registers it,
//! a concrete path, the form it needs (the CSRF token is added), and what each of the eight
//! visitors gets.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::header::{LOCATION, RETRY_AFTER};

use crate::auth::{import_people, Browser};
use crate::helpers::{sample_schedule_path, spawn_app_with_sims, texts, TestApp};

/// What one visitor gets from one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum E {
    /// This status, nothing more asserted (200, 401, 403, 404, 409, 429 with Retry-After).
    S(u16),
    /// 303 to `/login?next=` and the row's login target.
    L,
    /// 303 to a location starting with this.
    To(&'static str),
    /// 303 to BBB's join with exactly one `role=VIEWER`.
    V,
    /// 303 to BBB's join with exactly one `role=MODERATOR`.
    M,
}

const OK: E = E::S(200);
const L: E = E::L;
const V: E = E::V;
const M: E = E::M;
/// 401: the JSON APIs answer "log in or send the token" instead of redirecting.
const NO: E = E::S(401);
const F: E = E::S(403);
const NF: E = E::S(404);
/// 409: the session room is closed now.
const SHUT: E = E::S(409);
const BUSY: E = E::S(429);

/// Everyone gets `e`.
const fn all(e: E) -> [E; 8] {
    [e; 8]
}

/// Login for anonymous visitors, `e` for logged-in non-staff, 200 for staff and admins.
const STAFF: [E; 8] = [L, F, F, F, F, F, OK, OK];
/// Login for anonymous visitors, 403 for everyone but admins.
const fn admin(ok: E) -> [E; 8] {
    [L, F, F, F, F, F, F, ok]
}

/// The visitors, in column order.
const WHO: [&str; 8] = [
    "anonymous",
    "guest",
    "attendee",
    "moderator",
    "track-moderator",
    "speaker",
    "staff",
    "admin",
];

/// What a request carries.
#[derive(Clone, Debug)]
enum Body {
    None,
    /// An urlencoded form; the visitor's CSRF token is added.
    Form(&'static [(&'static str, &'static str)]),
    /// The schedule upload (multipart, token first), as a preview.
    Upload,
}

/// One request to one route, and what each visitor gets.
#[derive(Clone, Debug)]
struct Row {
    /// `GET`, `GET|HEAD`, `POST`, or `*` for the default service.
    methods: &'static str,
    /// The pattern as registered.
    pattern: &'static str,
    /// A concrete path; `{session}`, `{track}`, `{speaker}`, `{token}`, `{used-token}`,
    /// `{closed}`, `{feed}` (the attendee's calendar feed token), `{join-link}` (the
    /// attendee's agenda join link to the running session) and `{who}` are filled in.
    path: &'static str,
    body: Body,
    /// Where a login redirect must come back to (default: `path`).
    next: Option<&'static str>,
    /// Each visitor sends it from a fresh login of their own (the request ends the session).
    fresh: bool,
    expect: [E; 8],
}

fn get(pattern: &'static str, path: &'static str, expect: [E; 8]) -> Row {
    Row {
        methods: "GET",
        pattern,
        path,
        body: Body::None,
        next: None,
        fresh: false,
        expect,
    }
}

fn get_head(pattern: &'static str, path: &'static str, expect: [E; 8]) -> Row {
    Row {
        methods: "GET|HEAD",
        ..get(pattern, path, expect)
    }
}

fn post(
    pattern: &'static str,
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    expect: [E; 8],
) -> Row {
    Row {
        methods: "POST",
        body: Body::Form(form),
        ..get(pattern, path, expect)
    }
}

impl Row {
    fn next(mut self, next: &'static str) -> Self {
        self.next = Some(next);
        self
    }

    fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }
}

const JOIN_NEXT: &[(&str, &str)] = &[("next", "/rooms/refereed")];

/// The table. Columns: anonymous, guest, attendee, moderator, track moderator (of the running
/// session's track), speaker (of the running session), staff, admin. Rows run in this order,
/// each visitor in column order, on one app.
fn rows() -> Vec<Row> {
    vec![
        // Plumbing.
        get_head("/healthz", "/healthz", all(OK)),
        get("/static/{name}", "/static/hallway.css", all(OK)),
        get_head("/favicon.ico", "/favicon.ico", all(OK)),
        get_head("/robots.txt", "/robots.txt", all(OK)),
        // Public exports.
        get_head("/schedule.xml", "/schedule.xml", all(OK)),
        get_head("/schedule.json", "/schedule.json", all(OK)),
        get_head("/api/v1/schedule", "/api/v1/schedule", all(OK)),
        get_head("/schedule.ics", "/schedule.ics", all(OK)),
        get_head("/tracks/{slug}.ics", "/tracks/{track}.ics", all(OK)),
        get_head("/sessions/{id}.ics", "/sessions/{session}.ics", all(OK)),
        // Public pages.
        get_head("/", "/", all(OK)),
        get("/schedule", "/schedule", all(OK)),
        get("/sessions/{id:[0-9]{1,18}}", "/sessions/{session}", all(OK)),
        get("/tracks", "/tracks", all(OK)),
        get("/tracks/{slug:[a-z0-9-]{1,90}}", "/tracks/{track}", all(OK)),
        get("/speakers", "/speakers", all(OK)),
        get(
            "/speakers/{slug:[a-z0-9-]{1,90}}",
            "/speakers/{speaker}",
            all(OK),
        ),
        get("/search", "/search?q=kernel", all(OK)),
        get("/rooms/{slug:[a-z0-9-]{1,90}}", "/rooms/refereed", all(OK)),
        get("/rooms/{slug:[a-z0-9-]{1,90}}", "/rooms/staff", STAFF),
        get(
            "/rooms/{slug:[a-z0-9-]{1,90}}",
            "/rooms/no-such-room",
            all(NF),
        ),
        get("/hackrooms", "/hackrooms", all(OK)),
        get("/staff", "/staff", STAFF),
        get("/timezone", "/timezone", all(OK)),
        // Staff: preview as of another time.
        post(
            "/preview",
            "/preview",
            &[("action", "clear"), ("next", "/")],
            [L, F, F, F, F, F, E::To("/"), E::To("/")],
        ),
        // Schedule administration: admins only (staff see the dashboard, not the schedule).
        get("/admin/schedule", "/admin/schedule", admin(OK)),
        Row {
            body: Body::Upload,
            ..post("/admin/schedule", "/admin/schedule", &[], admin(OK))
        },
        // Logging in and out.
        get("/login", "/login", all(OK)),
        post(
            "/login/guest",
            "/login/guest",
            &[("name", "Gwen Guest"), ("next", "/schedule")],
            all(E::To("/schedule")),
        )
        .fresh(),
        post(
            "/login/code",
            "/login/code",
            &[
                ("email", "nobody-{who}@example.org"),
                ("code", "wrong-code"),
            ],
            all(NO),
        ),
        // Five failures for this address happened before the table: even the right code waits.
        post(
            "/login/code",
            "/login/code",
            &[("email", "locked@example.org"), ("code", "locked-code-1")],
            all(BUSY),
        ),
        get("/login/admin/{token}", "/login/admin/{token}", all(OK)),
        post(
            "/login/admin/{token}",
            "/login/admin/{used-token}",
            &[],
            all(F),
        ),
        post("/logout", "/logout", &[], all(E::To("/"))).fresh(),
        // OpenID Connect and e-mailed links are not configured here (tests/api/oidc.rs and
        // tests/api/login_link.rs run them against a real provider and mail server): their
        // routes answer 404; a link that does not exist is refused for everyone.
        post(
            "/auth/oidc/login",
            "/auth/oidc/login",
            &[("next", "/")],
            all(NF),
        ),
        get(
            "/auth/oidc/callback",
            "/auth/oidc/callback?code=c&state=s",
            all(NF),
        ),
        post(
            "/login/link",
            "/login/link",
            &[("email", "nobody-{who}@example.org")],
            all(NF),
        ),
        get("/login/link/{token}", "/login/link/not-a-token", all(F)),
        post(
            "/login/link/{token}",
            "/login/link/not-a-token",
            &[],
            all(F),
        ),
        // Accounts: admins only.
        get("/admin/users", "/admin/users", admin(OK)),
        post(
            "/admin/guest-mode",
            "/admin/guest-mode",
            &[("mode", "on")],
            admin(E::To("/admin/users?done=Guest+mode+is+on")),
        ),
        post(
            "/admin/users/{id}/end-sessions",
            "/admin/users/nobody/end-sessions",
            &[],
            admin(E::To("/admin/users?done=Ended+0")),
        ),
        // Joining: the BBB role comes from access.
        post(
            "/rooms/{slug}/join",
            "/rooms/refereed/join",
            JOIN_NEXT,
            [L, V, V, V, M, M, M, M],
        )
        .next("/rooms/refereed"),
        post(
            "/rooms/{slug}/join",
            "/rooms/hack1/join",
            JOIN_NEXT,
            [L, V, V, M, V, V, M, M],
        )
        .next("/rooms/refereed"),
        post(
            "/rooms/{slug}/join",
            "/rooms/staff/join",
            JOIN_NEXT,
            [L, F, F, F, F, F, M, M],
        )
        .next("/rooms/refereed"),
        post(
            "/rooms/{slug}/join",
            "/rooms/{closed}/join",
            JOIN_NEXT,
            [L, SHUT, SHUT, SHUT, SHUT, SHUT, M, M],
        )
        .next("/rooms/refereed"),
        post(
            "/rooms/{slug}/join",
            "/rooms/no-such-room/join",
            JOIN_NEXT,
            [L, NF, NF, NF, NF, NF, NF, NF],
        )
        .next("/rooms/refereed"),
        get(
            "/rooms/{slug}/return",
            "/rooms/refereed/return",
            all(E::To("/rooms/refereed")),
        ),
        // The personal agenda. Starring is for everyone (guests keep stars in the cookie).
        get("/agenda", "/agenda", all(OK)),
        post(
            "/agenda/star",
            "/agenda/star",
            &[
                ("session", "{session}"),
                ("action", "star"),
                ("next", "/agenda"),
            ],
            all(E::To("/agenda")),
        ),
        // The feed token is the credential: whoever has it reads the feed, logged in or not.
        get_head("/agenda/{token}.ics", "/agenda/{feed}.ics", all(OK)),
        get_head(
            "/agenda/{token}.ics",
            "/agenda/0123456789abcdefNoSuchSecretNoSuchSecretNoSuchSecretNoSuchS.ics",
            all(NF),
        ),
        // The attendee's join link to the running session: a confirm page, then in as VIEWER
        // on the attendee's behalf, whoever holds it.
        get("/agenda/join/{link}", "/agenda/join/{join-link}", all(OK)),
        post(
            "/agenda/join/{link}",
            "/agenda/join/{join-link}",
            &[],
            all(V),
        ),
        get(
            "/agenda/join/{link}",
            "/agenda/join/0123456789abcdef.1.00",
            all(NF),
        ),
        post(
            "/agenda/join/{link}",
            "/agenda/join/0123456789abcdef.1.00",
            &[],
            all(NF),
        ),
        // A new feed: registered accounts (this one comes after the rows using the old one).
        post(
            "/agenda/feed",
            "/agenda/feed",
            &[],
            [
                L,
                L,
                E::To("/agenda"),
                E::To("/agenda"),
                E::To("/agenda"),
                E::To("/agenda"),
                E::To("/agenda"),
                E::To("/agenda"),
            ],
        )
        .next("/agenda"),
        // The lobby: whoever may join waits there; its event stream follows the room page.
        get(
            "/rooms/{slug}/lobby",
            "/rooms/refereed/lobby",
            [L, OK, OK, OK, OK, OK, OK, OK],
        ),
        get("/rooms/{slug}/lobby", "/rooms/staff/lobby", STAFF),
        get(
            "/rooms/{slug}/lobby",
            "/rooms/{closed}/lobby",
            [L, SHUT, SHUT, SHUT, SHUT, SHUT, OK, OK],
        ),
        get(
            "/rooms/{slug}/lobby",
            "/rooms/no-such-room/lobby",
            [L, NF, NF, NF, NF, NF, NF, NF],
        ),
        get("/rooms/{slug}/events", "/rooms/refereed/events", all(OK)),
        get("/rooms/{slug}/events", "/rooms/staff/events", STAFF),
        get(
            "/rooms/{slug}/events",
            "/rooms/no-such-room/events",
            all(NF),
        ),
        // The status dashboard: staff.
        get("/admin/status", "/admin/status", STAFF),
        get("/admin/status/events", "/admin/status/events", STAFF),
        get("/admin/status/live.js", "/admin/status/live.js", all(OK)),
        get(
            "/api/v1/status",
            "/api/v1/status",
            [NO, NO, NO, NO, NO, NO, OK, OK],
        ),
        get("/metrics", "/metrics", [NO, NO, NO, NO, NO, NO, OK, OK]),
        // Servers and rooms from the dashboard: admins.
        post(
            "/admin/servers/{name}/state",
            "/admin/servers/bbb3/state",
            &[("state", "enabled")],
            admin(E::To("/admin/status?done=")),
        ),
        post(
            "/admin/rooms/{slug}/move",
            "/admin/rooms/hack3/move",
            &[("server", "bbb1")],
            admin(E::To("/admin/status?done=")),
        ),
        post(
            "/admin/rooms/{slug}/start",
            "/admin/rooms/hack2/start",
            &[],
            admin(E::To("/admin/status?done=")),
        ),
        post(
            "/admin/rooms/{slug}/end",
            "/admin/rooms/hack2/end",
            &[],
            admin(E::To("/admin/status?done=")),
        ),
        // Anything else.
        Row {
            methods: "*",
            ..get("(anything else)", "/no-such-page", all(NF))
        },
    ]
}

/// The route keys (`GET /x`) of the app's table and of the test's rows.
fn route_keys() -> BTreeMap<String, &'static str> {
    hallway::web::route_table()
        .into_iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(|m| (format!("{m} {}", r.pattern), r.purpose))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn row_keys(rows: &[Row]) -> BTreeSet<String> {
    rows.iter()
        .flat_map(|r| r.methods.split('|').map(|m| format!("{m} {}", r.pattern)))
        .collect()
}

#[test]
fn every_registered_route_has_a_row_in_the_authorization_table_and_every_row_a_route() {
    let routes = route_keys();
    let rows = row_keys(&rows());
    let mut problems = Vec::new();
    for (key, purpose) in &routes {
        if !rows.contains(key) {
            let (method, pattern) = key.split_once(' ').unwrap_or_default();
            let builder = match method {
                "POST" => format!("post({pattern:?}, \"/a/concrete/path\", &[/* form */], [..])"),
                _ => format!("get({pattern:?}, \"/a/concrete/path\", [..])"),
            };
            problems.push(format!(
                "route `{key}` ({purpose}) has no row in tests/api/authz.rs rows(): add \
                 `{builder},` with what each of {WHO:?} gets"
            ));
        }
    }
    for key in &rows {
        if !routes.contains_key(key) {
            problems.push(format!(
                "tests/api/authz.rs has a row for `{key}`, which the app does not register \
                 (hallway::web::route_table())"
            ));
        }
    }
    // A second registration of the same method and pattern would never be reached.
    let mut seen = BTreeSet::new();
    for r in hallway::web::route_table() {
        for m in &r.methods {
            if !seen.insert(format!("{m} {}", r.pattern)) {
                problems.push(format!(
                    "`{m} {}` ({}) is registered twice: the second is never reached",
                    r.pattern, r.purpose
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        routes.len() > 40,
        "only {} routes: is the table read?",
        routes.len()
    );
}

/// The values a row's path and form are filled in with.
struct Fill(BTreeMap<&'static str, String>);

impl Fill {
    fn apply(&self, s: &str, who: &str) -> String {
        let mut s = s.replace("{who}", who);
        for (k, v) in &self.0 {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
}

/// The accounts of the table, and the app set up so a session is running in `refereed`.
struct World {
    app: TestApp,
    fill: Fill,
    /// E-mail and code of the registered visitors (attendee … staff), by column.
    codes: BTreeMap<usize, (String, String)>,
}

async fn world() -> World {
    let app = spawn_app_with_sims(
        None,
        |raw| {
            // The table logs in many times from one address; the per-address limit has its
            // own test (auth.rs).
            raw.auth.attempts_per_ip_per_minute = 1000;
            let mut empty = raw.rooms[0].clone();
            empty.slug = hallway::rooms::model::RoomSlug::parse("empty-room").unwrap();
            empty.name = "Empty Room".into();
            empty.schedule_rooms = vec!["A Room Nobody Uses".into()];
            raw.rooms.push(empty);
        },
        |_| {},
    )
    .await;
    app.import_sample_running_now().await;
    let running = app.session_running_in("refereed");
    let index = app.state.schedule.get();
    let speaker = running.persons.first().expect("it has a speaker").clone();
    let track = running.track.clone().expect("it has a track");
    // A session room with nothing in its join window now: one the schedule does not use.
    let closed = "empty-room".to_owned();
    let mut fill = BTreeMap::new();
    fill.insert("session", running.id.to_string());
    fill.insert(
        "track",
        index.track_slug(&track).expect("track slug").to_owned(),
    );
    fill.insert(
        "speaker",
        index
            .speaker_slug(&speaker)
            .expect("speaker slug")
            .to_owned(),
    );
    fill.insert("closed", closed);
    let token = |name: &'static str| {
        hallway::auth::store::create_admin_token(
            &app.db,
            name,
            chrono::Duration::hours(1),
            app.clock.now(),
        )
    };
    fill.insert("token", token("Unused Link").await.unwrap());
    let used = token("Used Link").await.unwrap();
    hallway::auth::store::redeem_admin_token(&app.db, &used, app.clock.now())
        .await
        .unwrap()
        .expect("redeemed");
    fill.insert("used-token", used);
    import_people(
        &app,
        &format!(
            "email,name,code,roles,tracks,speaker_of\n\
             att@example.org,Al Attendee,att-code-1,,,\n\
             mod@example.org,Mo Derator,mod-code-1,moderator,,\n\
             trk@example.org,Tia Track,trk-code-1,,{track},\n\
             spk@example.org,Sam Speaker,spk-code-1,,,{speaker}\n\
             ada@example.org,Ada Staff,ada-code-1,staff,,\n\
             locked@example.org,Lou Locked,locked-code-1,,,\n"
        ),
    );
    // The attendee's calendar feed, with their join link to the running session.
    let attendee = hallway::auth::store::person_by_email(&app.db, "att@example.org")
        .await
        .unwrap()
        .expect("the attendee is registered");
    let (feed, feed_token) = hallway::agenda::links::new_feed(&attendee.id);
    hallway::agenda::store::replace_feed(&app.db, &feed, app.clock.now())
        .await
        .unwrap();
    hallway::agenda::store::star(&app.db, &attendee.id, &[running.id], app.clock.now())
        .await
        .unwrap();
    fill.insert("feed", feed_token);
    fill.insert(
        "join-link",
        hallway::agenda::links::join_link(&app.state.link_key, &feed, running.id),
    );
    let codes = [(2, "att"), (3, "mod"), (4, "trk"), (5, "spk"), (6, "ada")]
        .into_iter()
        .map(|(i, who)| (i, (format!("{who}@example.org"), format!("{who}-code-1"))))
        .collect();
    // Someone guesses the locked address's code until the limit (5 in the example).
    let guesser = Browser::new(&app);
    for i in 0..5 {
        let r = guesser
            .code_login("locked@example.org", &format!("guess-{i}"))
            .await;
        assert_eq!(r.status(), 401);
    }
    World {
        app,
        fill: Fill(fill),
        codes,
    }
}

impl World {
    /// A browser logged in as the visitor of column `i`.
    async fn visitor(&self, i: usize) -> Browser {
        let b = Browser::new(&self.app);
        match i {
            0 => {}
            1 => assert_eq!(b.guest("Gus Guest").await.status(), 303),
            7 => b.admin(&self.app).await,
            _ => {
                let (email, code) = &self.codes[&i];
                assert_eq!(b.code_login(email, code).await.status(), 303, "{email}");
            }
        }
        b
    }
}

/// What a response is, in the table's terms, for the failure message.
fn describe(status: u16, location: &str) -> String {
    if location.is_empty() {
        status.to_string()
    } else {
        format!("{status} -> {location}")
    }
}

/// Whether the response matches `e`; `next` is the row's login target.
fn matches(e: E, status: u16, location: &str, retry_after: bool, next: &str) -> bool {
    let roles = || {
        url::Url::parse(location)
            .map(|u| {
                u.query_pairs()
                    .filter(|(k, _)| k == "role")
                    .map(|(_, v)| v.into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    match e {
        E::S(429) => status == 429 && retry_after,
        E::S(s) => status == s,
        E::L => {
            status == 303
                && location
                    == format!(
                        "/login?{}",
                        serde_urlencoded::to_string([("next", next)]).unwrap()
                    )
        }
        E::To(prefix) => status == 303 && location.starts_with(prefix),
        E::V => status == 303 && location.contains("/join?") && roles() == ["VIEWER"],
        E::M => status == 303 && location.contains("/join?") && roles() == ["MODERATOR"],
    }
}

async fn send(
    b: &Browser,
    method: &str,
    url: &str,
    body: &[(String, String)],
    upload: bool,
) -> reqwest::Response {
    let c = &b.client;
    let csrf = || async { b.csrf().await };
    match (method, upload) {
        ("HEAD", _) => c.head(url).send().await.unwrap(),
        ("POST", true) => {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf().await)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(std::fs::read(sample_schedule_path()).unwrap())
                        .file_name("sample.xml"),
                )
                .text("action", "preview");
            c.post(url).multipart(form).send().await.unwrap()
        }
        ("POST", false) => {
            let mut form = vec![("csrf".to_owned(), csrf().await)];
            form.extend_from_slice(body);
            c.post(url).form(&form).send().await.unwrap()
        }
        _ => c.get(url).send().await.unwrap(),
    }
}

#[tokio::test]
async fn every_route_answers_every_kind_of_visitor_as_the_table_says() {
    let w = world().await;
    let mut visitors = Vec::new();
    for i in 0..WHO.len() {
        visitors.push(w.visitor(i).await);
    }
    let mut wrong = Vec::new();
    let mut checked = 0;
    for row in rows() {
        for (i, who) in WHO.iter().enumerate() {
            let path = w.fill.apply(row.path, who);
            // A refused GET comes back to itself after the login; a refused form post to the
            // page its form was on (its Referer; these requests send none: the front page).
            let back = if row.methods == "POST" {
                "/".to_owned()
            } else {
                path.clone()
            };
            let next = row.next.map_or(back, str::to_owned);
            let body: Vec<(String, String)> = match &row.body {
                Body::Form(f) => f
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), w.fill.apply(v, who)))
                    .collect(),
                _ => Vec::new(),
            };
            let fresh;
            let b = if row.fresh {
                fresh = w.visitor(i).await;
                &fresh
            } else {
                &visitors[i]
            };
            for method in row.methods.split('|') {
                let method = if method == "*" { "GET" } else { method };
                let url = format!("{}{path}", w.app.address);
                let r = send(b, method, &url, &body, matches!(row.body, Body::Upload)).await;
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let retry_after = r.headers().contains_key(RETRY_AFTER);
                drop(r);
                checked += 1;
                let e = row.expect[i];
                if !matches(e, status, &location, retry_after, &next) {
                    wrong.push(format!(
                        "{method} {path} as {who}: expected {e:?}, got {}",
                        describe(status, &location)
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} answers are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Nothing in the table logged a visitor out behind its back.
    for (i, b) in visitors.iter().enumerate().skip(1) {
        assert!(
            b.get("/admin/status").await.status() != 303,
            "{} was logged out by the table",
            WHO[i]
        );
    }
}

#[tokio::test]
async fn the_menu_links_exactly_what_each_visitor_may_open() {
    let w = world().await;
    let mut seen = Vec::new();
    for (i, who) in WHO.iter().enumerate() {
        let b = w.visitor(i).await;
        let page = b.page("/").await;
        seen.push((*who, texts(&page, "header nav a")));
    }
    let public = [
        "Now",
        "Schedule",
        "Tracks",
        "Speakers",
        "Hackrooms",
        "My agenda",
    ];
    let with = |extra: &[&'static str]| {
        public
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
    };
    let expected = [
        ("anonymous", with(&[])),
        ("guest", with(&[])),
        ("attendee", with(&[])),
        ("moderator", with(&[])),
        ("track-moderator", with(&[])),
        ("speaker", with(&[])),
        ("staff", with(&["Staff room", "Status"])),
        (
            "admin",
            with(&["Staff room", "Status", "Schedule admin", "Users"]),
        ),
    ];
    assert_eq!(seen, expected);
    // Every link a visitor sees opens for them (the table above says what the rest get).
    for (i, (who, _)) in expected.iter().enumerate() {
        let b = w.visitor(i).await;
        let page = b.page("/").await;
        for href in crate::helpers::attrs(&page, "header nav a", "href") {
            assert_eq!(
                b.get(&href).await.status(),
                200,
                "{who} sees a link to {href} that does not open"
            );
        }
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_answer_falls_through_to_not_found() {
    // As with actix's attribute macros: a route is guarded by its methods, so another method
    // reaches the default 404 rather than a 405 from the first matching pattern.
    let app = crate::helpers::spawn_app().await;
    let c = &app.client;
    let url = |p: &str| format!("{}{p}", app.address);
    assert_eq!(c.post(url("/schedule")).send().await.unwrap().status(), 404);
    assert_eq!(c.get(url("/logout")).send().await.unwrap().status(), 404);
    assert_eq!(c.head(url("/schedule")).send().await.unwrap().status(), 404);
    assert_eq!(c.delete(url("/")).send().await.unwrap().status(), 404);
    assert_eq!(
        c.head(url("/schedule.xml")).send().await.unwrap().status(),
        200
    );
    // One pattern, two routes: the confirmation page and the redemption.
    assert_eq!(
        c.get(url("/login/admin/x")).send().await.unwrap().status(),
        403
    );
    assert_eq!(
        c.put(url("/login/admin/x")).send().await.unwrap().status(),
        404
    );
}
