//! OpenID Connect against a real provider: panva's `oidc-provider` (tests/oidc/provider.mjs,
//! installed by `npm ci --prefix tests/oidc`), driven without a browser: the portal's button →
//! the provider's login form → its consent page → the portal's callback. Without node or the
//! npm packages the tests skip off CI and fail under CI=true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use hallway::config::RawOidc;
use reqwest::header::{COOKIE, LOCATION};
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::auth::{import_people, Browser};
use crate::helpers::{attrs, csrf_in, skip, spawn_app_with, texts, TestApp};

const CLIENT_ID: &str = "hallway";
const CLIENT_SECRET: &str = "hallway-test-client-secret";

/// A running `tests/oidc/provider.mjs`.
struct Provider {
    issuer: String,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    _child: Child,
}

fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

impl Provider {
    /// Starts the provider (not serving yet: every request gets 503), or skips the test.
    async fn start() -> Option<Provider> {
        let dir = script_dir();
        if !dir.join("node_modules/oidc-provider/package.json").exists() {
            skip(
                "oidc-provider",
                "tests/oidc/node_modules is missing (npm ci --prefix tests/oidc)",
            );
            return None;
        }
        let child = tokio::process::Command::new("node")
            .arg(dir.join("provider.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                skip("node", &format!("cannot run node: {e}"));
                return None;
            }
        };
        let stdin = child.stdin.take().expect("provider stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("provider stdout")).lines();
        let first = stdout
            .next_line()
            .await
            .expect("provider output")
            .expect("the provider printed its address");
        let issuer = first
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected provider output: {first}"))
            .to_owned();
        Some(Provider {
            issuer,
            stdin,
            stdout,
            _child: child,
        })
    }

    /// Registers the portal at `base` as the client and starts answering.
    async fn serve(&mut self, base: &str) {
        self.stdin
            .write_all(format!("{base}\n").as_bytes())
            .await
            .expect("write to provider");
        self.stdin.flush().await.expect("flush");
        let line = self.stdout.next_line().await.expect("provider output");
        assert_eq!(line.as_deref(), Some("ready"));
    }
}

/// The portal's `[oidc]` section for the provider at `issuer`: groups map to roles, and
/// `track-mods` to moderating `track`.
fn oidc_config(issuer: &str, track: &str) -> RawOidc {
    RawOidc {
        issuer: Some(issuer.to_owned()),
        display_name: "Test SSO".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SecretString::from(CLIENT_SECRET)),
        scopes: vec!["email".into(), "profile".into(), "groups".into()],
        roles_claim: Some("groups".into()),
        roles: BTreeMap::from([
            ("moderators".into(), "moderator".into()),
            ("crew".into(), "staff".into()),
            ("organizers".into(), "admin".into()),
        ]),
        tracks: BTreeMap::from([("track-mods".into(), vec![track.to_owned()])]),
    }
}

/// A provider serving a portal whose sample conference runs now in `refereed`. Returns the
/// app, the provider, the running session's first speaker and its track.
async fn portal_with_provider() -> Option<(TestApp, Provider, String)> {
    portal_with_provider_on(None).await
}

/// [`portal_with_provider`] on the database `db_url` (a fresh SQLite file when `None`).
async fn portal_with_provider_on(db_url: Option<String>) -> Option<(TestApp, Provider, String)> {
    let mut provider = Provider::start().await?;
    // The configuration is read at start, before the import: the track is the sample's,
    // checked right below.
    let track = "Refereed Track".to_owned();
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(db_url, |raw| raw.oidc = oidc_config(&issuer, &track)).await;
    app.import_sample_running_now().await;
    provider.serve(&app.address).await;
    let running = app.session_running_in("refereed");
    assert_eq!(
        running.track.as_deref(),
        Some(track.as_str()),
        "the sample's running session is in the mapped track"
    );
    let speaker = running.persons.first().expect("it has a speaker").clone();
    Some((app, provider, speaker))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Presses "Log in with Test SSO" and returns the provider's authorization URL.
async fn press_login_button(b: &Browser) -> String {
    let page = b.page("/login?next=/rooms/refereed").await;
    assert_eq!(
        texts(&page, "#oidc-login button"),
        ["Log in with Test SSO"],
        "the login page offers the provider"
    );
    assert!(
        page.contains("id=\"code-login\""),
        "the local way stays available"
    );
    let r = b
        .post(
            "/auth/oidc/login",
            &[("csrf", &csrf_in(&page)), ("next", "/rooms/refereed")],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

/// The first form of a provider page: its action and fields, `login` and a password typed in.
fn form_of(body: &str, login: &str) -> (String, Vec<(String, String)>) {
    let action = attrs(body, "form", "action")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a provider page without a form: {body}"));
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("form input").unwrap();
    let fields = doc
        .select(&sel)
        .filter_map(|input| {
            let name = input.value().attr("name")?.to_owned();
            let value = match name.as_str() {
                "login" => login.to_owned(),
                "password" => "any-password".to_owned(),
                _ => input.value().attr("value").unwrap_or_default().to_owned(),
            };
            Some((name, value))
        })
        .collect();
    (action, fields)
}

/// Follows the provider's redirects and fills its pages (login form with `login`, then
/// consent) until it sends the browser back to the portal; returns that callback URL
/// (not fetched).
async fn through_provider(b: &Browser, start: &str, login: &str) -> String {
    through_provider_showing(b, start, login, &["login", "consent"]).await
}

/// [`through_provider`], where the provider shows the pages `forms` (by their `prompt`).
async fn through_provider_showing(b: &Browser, start: &str, login: &str, forms: &[&str]) -> String {
    let callback = format!("{}/auth/oidc/callback", b.base);
    let mut url = reqwest::Url::parse(start).unwrap();
    let mut forms_seen = Vec::new();
    for _ in 0..20 {
        let r = b.client.get(url.clone()).send().await.unwrap();
        let r = if r.status() == 200 {
            let (action, fields) = form_of(&r.text().await.unwrap(), login);
            forms_seen.push(
                fields
                    .iter()
                    .find(|(n, _)| n == "prompt")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
            b.client
                .post(url.join(&action).unwrap())
                .form(&fields)
                .send()
                .await
                .unwrap()
        } else {
            r
        };
        assert!(
            r.status().is_redirection(),
            "provider answered {} at {url}",
            r.status()
        );
        let next = url.join(&location(&r)).unwrap();
        if next.as_str().starts_with(&callback) {
            assert_eq!(forms_seen, forms, "the provider's pages");
            return next.to_string();
        }
        url = next;
    }
    panic!("the provider never sent the browser back");
}

/// The BBB role and name in `b`'s join of room `slug`.
async fn join_as(b: &Browser, slug: &str) -> (String, String) {
    let r = b.submit(&format!("/rooms/{slug}/join"), &[]).await;
    assert_eq!(r.status(), 303, "join {slug}");
    let join = reqwest::Url::parse(&location(&r)).unwrap();
    let q: BTreeMap<String, String> = join.query_pairs().into_owned().collect();
    assert_eq!(
        join.query_pairs().filter(|(k, _)| k == "role").count(),
        1,
        "exactly one role in {join}"
    );
    (q["role"].clone(), q["fullName"].clone())
}

#[tokio::test]
async fn people_log_in_through_the_provider_with_their_name_and_the_role_of_their_groups() {
    let Some((app, _provider, speaker)) = portal_with_provider().await else {
        return;
    };
    import_people(
        &app,
        &format!(
            "email,name,code,roles,tracks,speaker_of\n\
             spk@example.org,Listed Speaker,spk-code-1,,,{speaker}\n"
        ),
    );
    // login, name, BBB role in the running session, in a hackroom, /admin/status, /admin/users
    for (login, name, session_role, hack_role, staff_page, users_page) in [
        ("ann", "Ann Attendee", "VIEWER", "VIEWER", 403, 403),
        ("mo", "Mo Derator", "VIEWER", "MODERATOR", 403, 403),
        ("tia", "Tia Track", "MODERATOR", "VIEWER", 403, 403),
        ("sam", "Sam Staff", "MODERATOR", "MODERATOR", 200, 403),
        ("ada", "Ada Admin", "MODERATOR", "MODERATOR", 200, 200),
        ("spk", "Sol Speaker", "MODERATOR", "VIEWER", 403, 403),
        ("eve", "Eve Unverified", "VIEWER", "VIEWER", 403, 403),
    ] {
        let b = Browser::new(&app);
        let authorize = press_login_button(&b).await;
        assert!(authorize.starts_with(&app_issuer(&app)), "{authorize}");
        let q: BTreeMap<String, String> = reqwest::Url::parse(&authorize)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!q["state"].is_empty() && !q["nonce"].is_empty());
        assert_eq!(
            q["redirect_uri"],
            format!("{}/auth/oidc/callback", app.address)
        );
        assert_eq!(q["scope"], "openid email profile groups");
        let callback = through_provider(&b, &authorize, login).await;
        let r = b.client.get(&callback).send().await.unwrap();
        assert_eq!(r.status(), 303, "{login}");
        assert_eq!(location(&r), "/rooms/refereed", "back where they started");
        assert!(b.page("/").await.contains(name), "{login} sees their name");
        assert_eq!(
            join_as(&b, "refereed").await,
            (session_role.to_owned(), name.to_owned()),
            "{login} in the running session"
        );
        assert_eq!(
            join_as(&b, "hack1").await.0,
            hack_role,
            "{login} in a hackroom"
        );
        assert_eq!(
            b.staff_status().await,
            staff_page,
            "{login} on the dashboard"
        );
        assert_eq!(
            b.get("/admin/users").await.status().as_u16(),
            users_page,
            "{login} on the users page"
        );
    }
    // The speaker was matched to the registration list by the verified address (normalised
    // from "Spk+Conf@Example.org"), the unverified look-alike was not.
    let ids: Vec<(String, String)> =
        sqlx::query_as("select name, user_id from auth_sessions order by created_at")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let listed: String = sqlx::query_scalar("select id from people where email = $1")
        .bind("spk@example.org")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let id_of = |n: &str| ids.iter().find(|(name, _)| name == n).unwrap().1.clone();
    assert_eq!(id_of("Sol Speaker"), listed);
    assert!(id_of("Eve Unverified").starts_with("oidc-"));
    assert!(id_of("Ann Attendee").starts_with("oidc-"));
    // Guests cannot pose as the provider's staff, who are on no registration list.
    let g = Browser::new(&app);
    assert_eq!(g.guest("Sam Staff").await.status(), 400);
    assert_eq!(g.guest("Ann Attendee").await.status(), 303);
}

fn app_issuer(app: &TestApp) -> String {
    app.raw.oidc.issuer.clone().unwrap()
}

#[tokio::test]
async fn a_tampered_state_another_issuer_and_a_replayed_callback_are_refused() {
    let Some((app, _provider, _)) = portal_with_provider().await else {
        return;
    };
    // Tampered: the provider's answer with another state.
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "ann").await;
    let mut tampered = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, format!("{v}x"))
            } else {
                (k, v)
            }
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let r = b.client.get(tampered).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("did not start in this browser"), "{body}");
    assert!(!b.page("/").await.contains("Ann Attendee"), "not logged in");

    // Mixed up: a callback that names another issuer (RFC 9207) is refused.
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "ann").await;
    let mut mixed = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = mixed
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "iss" {
                (k, "https://evil.example".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    assert!(pairs.iter().any(|(k, _)| k == "iss"), "{callback}");
    mixed.query_pairs_mut().clear().extend_pairs(pairs);
    let r = b.client.get(mixed).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("could not be verified"));

    // Replayed: a good callback works once; the same callback again, even with the cookie
    // from before it (which still names its state), is refused.
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "sam").await;
    let before = b.cookies();
    assert_eq!(b.client.get(&callback).send().await.unwrap().status(), 303);
    assert_eq!(b.client.get(&callback).send().await.unwrap().status(), 400);
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&callback)
        .header(COOKIE, before)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400, "the login's state is single use");
    let logins: i64 = sqlx::query_scalar("select count(*) from auth_sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 1, "only the first callback logged in");
}

#[tokio::test]
async fn logout_ends_the_session_and_continues_at_the_providers_end_session_endpoint() {
    let Some((app, _provider, _)) = portal_with_provider().await else {
        return;
    };
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "sam").await;
    assert_eq!(b.client.get(&callback).send().await.unwrap().status(), 303);
    assert_eq!(b.staff_status().await, 200);
    let copied = b.cookies();
    let csrf = csrf_in(&b.page("/").await);
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let end = reqwest::Url::parse(&location(&r)).unwrap();
    assert_eq!(
        format!("{}{}", end.origin().ascii_serialization(), end.path()),
        format!("{}/session/end", app_issuer(&app)),
        "the browser goes on to the provider's end-session endpoint"
    );
    let q: BTreeMap<String, String> = end.query_pairs().into_owned().collect();
    assert_eq!(q["post_logout_redirect_uri"], format!("{}/", app.address));
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["id_token_hint"].split('.').count(), 3, "an id token");
    // The copied cookie no longer works here.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/admin/status", app.address))
        .header(COOKIE, copied)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303, "the copied cookie still works");
    // The provider accepts the hint and sends the browser back to the portal.
    let page = b.client.get(end.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (action, mut fields) = form_of(&page.text().await.unwrap(), "");
    fields.push(("logout".into(), "yes".into()));
    let mut r = b
        .client
        .post(end.join(&action).unwrap())
        .form(&fields)
        .send()
        .await
        .unwrap();
    let mut at = end.join(&action).unwrap();
    for _ in 0..5 {
        if !r.status().is_redirection() {
            break;
        }
        let next = at.join(&location(&r)).unwrap();
        if next.as_str().starts_with(&app.address) {
            assert_eq!(next.as_str(), format!("{}/", app.address));
            return;
        }
        at = next;
        r = b.client.get(at.clone()).send().await.unwrap();
    }
    panic!("the provider did not send the browser back after logout");
}

#[tokio::test]
async fn a_provider_that_is_down_and_a_denied_consent_give_clear_pages() {
    let Some(mut provider) = Provider::start().await else {
        return;
    };
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(None, |raw| {
        raw.oidc = oidc_config(&issuer, "Refereed Track")
    })
    .await;
    // Down: the provider answers 503 to discovery.
    let b = Browser::new(&app);
    let page = b.page("/login").await;
    let r = b
        .post(
            "/auth/oidc/login",
            &[("csrf", &csrf_in(&page)), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), 502);
    let body = r.text().await.unwrap();
    assert!(body.contains("We could not reach Test SSO"), "{body}");
    assert!(body.contains("<header"), "in the layout");
    // Up again: the next press works, no restart needed.
    provider.serve(&app.address).await;
    let authorize = press_login_button(&b).await;
    assert!(authorize.starts_with(&issuer));

    // Denied: "Cancel" on the provider's login page comes back as error=access_denied.
    let form = b.client.get(&authorize).send().await.unwrap();
    let mut url = reqwest::Url::parse(&authorize)
        .unwrap()
        .join(&location(&form))
        .unwrap();
    let login_page = b.client.get(url.clone()).send().await.unwrap();
    let body = login_page.text().await.unwrap();
    let abort = attrs(&body, "a", "href")
        .into_iter()
        .find(|h| h.contains("abort"))
        .unwrap_or_else(|| panic!("no cancel link on {body}"));
    url = url.join(&abort).unwrap();
    let callback = loop {
        let r = b.client.get(url.clone()).send().await.unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
        url = url.join(&location(&r)).unwrap();
        if url.as_str().starts_with(&app.address) {
            break url.clone();
        }
    };
    assert!(
        callback.query().unwrap().contains("error=access_denied"),
        "{callback}"
    );
    let r = b.client.get(callback).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("was cancelled or not allowed"), "{body}");
}

#[tokio::test]
async fn a_code_the_provider_will_not_exchange_gives_a_clear_page_and_no_session() {
    let Some(mut provider) = Provider::start().await else {
        return;
    };
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(None, |raw| {
        raw.oidc = oidc_config(&issuer, "Refereed Track");
        raw.oidc.client_secret = Some(SecretString::from("not-the-client-secret"));
    })
    .await;
    provider.serve(&app.address).await;
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "ada").await;
    let r = b.client.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("could not be verified"), "{body}");
    assert!(!body.contains("not-the-client-secret"));
    assert!(!body.contains("invalid_client"), "causes stay in the log");
    let logins: i64 = sqlx::query_scalar("select count(*) from auth_sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 0);
}

#[tokio::test]
async fn behind_a_reverse_proxy_the_provider_returns_to_the_public_url_with_its_path_prefix() {
    let Some(mut provider) = Provider::start().await else {
        return;
    };
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(None, |raw| {
        raw.oidc = oidc_config(&issuer, "Refereed Track");
        raw.server.public_url = Some("http://portal.example.org/conf/".into());
    })
    .await;
    provider.serve("http://portal.example.org/conf").await;
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let q: BTreeMap<String, String> = reqwest::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(
        q["redirect_uri"],
        "http://portal.example.org/conf/auth/oidc/callback"
    );
    // The provider knows that address: it shows its login form instead of an error.
    let r = b.client.get(&authorize).send().await.unwrap();
    assert_eq!(r.status(), 303, "the provider accepted the redirect URI");
}

#[tokio::test]
async fn a_login_started_on_one_instance_finishes_on_another_and_two_tabs_both_work() {
    let Some((app, _provider, _)) = portal_with_provider().await else {
        return;
    };
    // A second instance behind the same public URL (the load balancer's).
    let mut raw = app.raw.clone();
    raw.server.public_url = Some(format!("{}/", app.address));
    let other = hallway::app::Application::build_with(
        raw.parse().unwrap(),
        hallway::app::BuildOptions {
            clock: app.clock.clone(),
            background_jobs: false,
        },
    )
    .await
    .unwrap();
    let other_address = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());

    let b = Browser::new(&app);
    let first_tab = press_login_button(&b).await;
    let second_tab = press_login_button(&b).await;
    // The second tab logs in; its callback reaches the other instance.
    let callback = through_provider(&b, &second_tab, "sam").await;
    let elsewhere = callback.replacen(&app.address, &other_address, 1);
    let r = b.client.get(&elsewhere).send().await.unwrap();
    assert_eq!(r.status(), 303, "the other instance finished the login");
    assert_eq!(b.staff_status().await, 200, "and the session works here");
    // The first tab still works (the provider remembers the login and the consent).
    let callback = through_provider_showing(&b, &first_tab, "sam", &[]).await;
    assert_eq!(b.client.get(&callback).send().await.unwrap().status(), 303);
    let logins: i64 = sqlx::query_scalar("select count(*) from auth_sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn on_postgresql_a_login_works_once_and_logout_reaches_the_provider() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let Some((app, _provider, _)) = portal_with_provider_on(Some(db.url.clone())).await else {
        db.drop_now().await;
        return;
    };
    let b = Browser::new(&app);
    let authorize = press_login_button(&b).await;
    let callback = through_provider(&b, &authorize, "ada").await;
    let before = b.cookies();
    assert_eq!(b.client.get(&callback).send().await.unwrap().status(), 303);
    assert_eq!(b.get("/admin/users").await.status(), 200);
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&callback)
        .header(COOKIE, before)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    assert_eq!(Browser::new(&app).guest("Ada Admin").await.status(), 400);
    let csrf = csrf_in(&b.page("/").await);
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert!(location(&r).starts_with(&format!("{}/session/end?", app_issuer(&app))));
    assert_eq!(b.get("/admin/users").await.status(), 303);
    db.drop_now().await;
}
