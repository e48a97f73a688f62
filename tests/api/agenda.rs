//! The personal agenda: stars for guests and accounts, `/agenda` in the visitor's zone with
//! overlaps and the join banner, the calendar feed and its personal join links.

use std::str::FromStr;

use chrono::Duration;
use icalendar::Component;

use crate::auth::{import_people, Browser};
use crate::helpers::{attrs, spawn_app, texts, TestApp};

const PEOPLE: &str = "email,name,code,roles,tracks,speaker_of\n\
    att@example.org,Al Attendee,att-code-1,,,\n\
    ada@example.org,Ada Staff,ada-code-1,staff,,\n";

/// Stars (or unstars) session `id` from its own page, as a browser without JavaScript would.
async fn star(b: &Browser, id: i64, action: &str) -> reqwest::Response {
    b.submit(
        "/agenda/star",
        &[
            ("session", &id.to_string()),
            ("action", action),
            ("next", &format!("/sessions/{id}")),
        ],
    )
    .await
}

/// The titles `/agenda` lists.
async fn agenda_titles(b: &Browser) -> Vec<String> {
    texts(&b.page("/agenda").await, "article.session .card-title")
}

/// The first `n` sessions of the schedule, by start.
fn first_sessions(app: &TestApp, n: usize) -> Vec<hallway::schedule::stored::StoredSession> {
    let index = app.state.schedule.get();
    let mut all: Vec<_> = index.all().to_vec();
    all.sort_by_key(|s| (s.start, s.id));
    all.into_iter().take(n).collect()
}

/// Two sessions that run at the same time (in different rooms), and one that overlaps neither.
fn overlapping_pair_and_a_loner(
    app: &TestApp,
) -> (
    hallway::schedule::stored::StoredSession,
    hallway::schedule::stored::StoredSession,
    hallway::schedule::stored::StoredSession,
) {
    let index = app.state.schedule.get();
    let all = index.all();
    let (a, b) = all
        .iter()
        .flat_map(|a| all.iter().map(move |b| (a, b)))
        .find(|(a, b)| a.id < b.id && a.start < b.end && b.start < a.end)
        .expect("the sample has parallel sessions");
    let loner = all
        .iter()
        .find(|c| {
            c.id != a.id
                && c.id != b.id
                && (c.end <= a.start.min(b.start) || c.start >= a.end.max(b.end))
        })
        .expect("a session at another time");
    (a.clone(), b.clone(), loner.clone())
}

#[tokio::test]
async fn a_guest_stars_a_session_sees_it_marked_and_on_the_agenda_and_unstars_it() {
    let app = spawn_app().await;
    app.import_sample().await;
    let s = first_sessions(&app, 1).remove(0);
    let b = Browser::new(&app);
    assert_eq!(b.guest("Gwen Guest").await.status(), 303);
    let page = b.page(&format!("/sessions/{}", s.id)).await;
    assert_eq!(texts(&page, "button.star.on").len(), 0, "not starred yet");

    let r = star(&b, s.id, "star").await;

    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/sessions/{}", s.id).as_str()
    );
    let page = b.page(&format!("/sessions/{}", s.id)).await;
    assert_eq!(
        texts(&page, "button.star.on").len(),
        1,
        "starred on its page"
    );
    let day = s.start.format("%Y-%m-%d");
    let schedule = b.page(&format!("/schedule?day={day}")).await;
    assert_eq!(
        texts(&schedule, "button.star.on").len(),
        1,
        "and on the schedule, once"
    );
    assert_eq!(agenda_titles(&b).await, vec![s.title.clone()]);
    assert!(b
        .page("/agenda")
        .await
        .contains("kept in this browser only"));

    assert_eq!(star(&b, s.id, "unstar").await.status(), 303);
    assert!(agenda_titles(&b).await.is_empty());
    // The stars are the guest's own: another browser has none.
    let other = Browser::new(&app);
    assert!(agenda_titles(&other).await.is_empty());
    // Starring needs the form's CSRF token, and a session that exists.
    let forged = b
        .post(
            "/agenda/star",
            &[
                ("csrf", "forged"),
                ("session", &s.id.to_string()),
                ("action", "star"),
            ],
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(star(&b, 999_999_999, "star").await.status(), 404);
    assert!(agenda_titles(&b).await.is_empty());
}

#[tokio::test]
async fn an_attendees_stars_follow_them_to_another_device_and_stars_made_before_login_come_along() {
    let app = spawn_app().await;
    app.import_sample().await;
    import_people(&app, PEOPLE);
    let s = first_sessions(&app, 3);
    let laptop = Browser::new(&app);
    // Starred anonymously, then logged in: the star goes with the login.
    assert_eq!(star(&laptop, s[0].id, "star").await.status(), 303);
    assert_eq!(
        laptop
            .code_login("att@example.org", "att-code-1")
            .await
            .status(),
        303
    );
    assert_eq!(star(&laptop, s[1].id, "star").await.status(), 303);
    let mine = vec![s[0].title.clone(), s[1].title.clone()];
    assert_eq!(agenda_titles(&laptop).await, mine);

    let phone = Browser::new(&app);
    assert_eq!(
        phone
            .code_login("att@example.org", "att-code-1")
            .await
            .status(),
        303
    );

    assert_eq!(
        agenda_titles(&phone).await,
        mine,
        "the stars are in the account"
    );
    let page = phone.page(&format!("/sessions/{}", s[1].id)).await;
    assert_eq!(texts(&page, "button.star.on").len(), 1);
    // Unstarred on the phone: gone on the laptop's agenda too.
    assert_eq!(star(&phone, s[0].id, "unstar").await.status(), 303);
    assert_eq!(agenda_titles(&laptop).await, vec![s[1].title.clone()]);
    // Another account logging in on the same browser does not inherit them.
    assert_eq!(
        laptop
            .code_login("ada@example.org", "ada-code-1")
            .await
            .status(),
        303
    );
    assert!(agenda_titles(&laptop).await.is_empty());
}

#[tokio::test]
async fn the_agenda_shows_its_sessions_in_the_visitors_zone_and_warns_about_overlaps() {
    let app = spawn_app().await;
    app.import_sample().await;
    let (a, b, loner) = overlapping_pair_and_a_loner(&app);
    let visitor = Browser::new(&app);
    for s in [&a, &b, &loner] {
        assert_eq!(star(&visitor, s.id, "star").await.status(), 303);
    }

    for (zone, abbreviation) in [("Asia/Tokyo", "JST"), ("America/New_York", "EDT")] {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let page = visitor.page(&format!("/agenda?tz={zone}")).await;
        let local = texts(&page, "article.session .card-when .local");
        assert_eq!(local.len(), 3, "{zone}: {page}");
        let mut starts: Vec<_> = [&a, &b, &loner].iter().map(|s| s.start).collect();
        starts.sort();
        for (shown, start) in local.iter().zip(&starts) {
            let hm = start.with_timezone(&tz).format("%H:%M").to_string();
            assert!(shown.starts_with(&hm), "{zone}: {shown} starts {hm}");
            assert!(shown.ends_with(abbreviation), "{zone}: {shown}");
        }
        let headings = texts(&page, ".day-heading");
        let first_day = starts[0]
            .with_timezone(&tz)
            .format("%A %-d %B %Y")
            .to_string();
        assert_eq!(
            headings[0], first_day,
            "{zone}: days are the visitor's days"
        );
        let overlaps = texts(&page, ".overlaps li");
        assert_eq!(
            overlaps.len(),
            1,
            "{zone}: exactly the one pair: {overlaps:?}"
        );
        assert!(
            overlaps[0].contains(&a.title) && overlaps[0].contains(&b.title),
            "{overlaps:?}"
        );
        assert!(overlaps[0].contains(abbreviation), "{zone}: {overlaps:?}");
    }
    assert_eq!(star(&visitor, b.id, "unstar").await.status(), 303);
    assert!(texts(&visitor.page("/agenda").await, ".overlaps li").is_empty());
}

/// Logs `b` in, stars `ids`, makes a calendar feed and returns its URL (shown once).
async fn feed_of(b: &Browser, email: &str, code: &str, ids: &[i64]) -> String {
    assert_eq!(b.code_login(email, code).await.status(), 303);
    for id in ids {
        assert_eq!(star(b, *id, "star").await.status(), 303);
    }
    let r = b.submit("/agenda/feed", &[]).await;
    assert_eq!(r.status(), 303);
    let page = b.page("/agenda").await;
    let url = attrs(&page, "input.feed-url", "value")
        .pop()
        .expect("the new feed URL is shown");
    assert!(
        attrs(&b.page("/agenda").await, "input.feed-url", "value").is_empty(),
        "and only once"
    );
    url
}

/// GETs an absolute hallway URL with a fresh client: no cookies, as a calendar app.
async fn fetch(app: &TestApp, url: &str) -> (u16, String) {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(url);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// The VEVENTs of a calendar, after checking it parses.
fn events(ics: &str) -> Vec<icalendar::Event> {
    icalendar::parser::read_calendar(&icalendar::parser::unfold(ics))
        .unwrap_or_else(|e| panic!("the calendar does not parse: {e}"));
    icalendar::Calendar::from_str(ics)
        .expect("a calendar")
        .events()
        .cloned()
        .collect()
}

/// The join link (path) of an event.
fn join_link(e: &icalendar::Event) -> Option<String> {
    e.property_value("CONFERENCE").map(|u| {
        let i = u.find("/agenda/join/").expect("a hallway join link");
        u[i..].to_owned()
    })
}

#[tokio::test]
async fn the_feed_parses_with_utc_times_session_links_and_an_attendees_join_links() {
    let app = spawn_app().await;
    app.import_sample().await;
    import_people(&app, PEOPLE);
    let s = first_sessions(&app, 2);
    let b = Browser::new(&app);

    let url = feed_of(&b, "att@example.org", "att-code-1", &[s[0].id, s[1].id]).await;

    assert!(
        url.starts_with(&app.state.settings.public_link("/agenda/")),
        "{url}"
    );
    assert!(url.ends_with(".ics"));
    let (status, ics) = fetch(&app, &url).await;
    assert_eq!(status, 200, "no login needed: the token is the credential");
    let evs = events(&ics);
    assert_eq!(evs.len(), 2);
    for (e, s) in evs.iter().zip(&s) {
        assert_eq!(
            e.property_value("DTSTART"),
            Some(s.start.format("%Y%m%dT%H%M%SZ").to_string().as_str())
        );
        assert!(e.property_value("DTEND").unwrap().ends_with('Z'));
        assert_eq!(
            e.property_value("URL"),
            Some(
                app.state
                    .settings
                    .public_link(&format!("/sessions/{}", s.id))
                    .as_str()
            )
        );
        let link = join_link(e).expect("an attendee's event carries a join link");
        assert!(e.get_description().unwrap().contains(&link));
    }
    assert_ne!(
        join_link(&evs[0]),
        join_link(&evs[1]),
        "one link per session"
    );
    // A token one character off is no feed.
    let mut wrong = url.clone();
    let last = wrong.len() - 5;
    wrong.replace_range(
        last..last + 1,
        if &url[last..last + 1] == "A" {
            "B"
        } else {
            "A"
        },
    );
    assert_eq!(fetch(&app, &wrong).await.0, 404);
}

#[tokio::test]
async fn a_join_link_joins_its_session_as_viewer_only_inside_its_window_and_no_other() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    import_people(&app, PEOPLE);
    let now = app.clock.now();
    let index = app.state.schedule.get();
    let running = app.session_running_in("refereed");
    let later = index
        .in_room_between(
            "refereed",
            now + Duration::hours(2),
            now + Duration::hours(6),
        )
        .into_iter()
        .find(|s| s.start > now + Duration::hours(2))
        .cloned()
        .expect("a later session in refereed");
    drop(index);
    let b = Browser::new(&app);
    let url = feed_of(&b, "att@example.org", "att-code-1", &[running.id, later.id]).await;
    let evs = events(&fetch(&app, &url).await.1);
    let link_of = |id: i64| {
        let uid_start = app.state.settings.public_link(&format!("/sessions/{id}"));
        evs.iter()
            .find(|e| e.property_value("URL") == Some(uid_start.as_str()))
            .and_then(join_link)
            .expect("the session's join link")
    };
    let (now_link, later_link) = (link_of(running.id), link_of(later.id));

    // Someone who is not logged in opens the link from their calendar: a page, nothing more.
    let holder = Browser::new(&app);
    let opened = holder.get(&now_link).await;
    assert_eq!(opened.headers()["referrer-policy"], "no-referrer");
    let confirm = opened.text().await.unwrap();
    assert!(confirm.contains("as Al Attendee"), "{confirm}");
    assert_eq!(attrs(&confirm, "form button.join", "class").len(), 1);
    assert_eq!(
        app.sims[0].calls("join"),
        0,
        "opening the link joins nobody"
    );
    let r = holder.submit(&now_link, &[]).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/api/join?"), "{location}");
    let roles: Vec<String> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(roles, ["VIEWER"]);
    let bbb = reqwest::get(&location).await.unwrap().text().await.unwrap();
    assert!(
        bbb.contains(&format!("You are in Refereed Track: {}", running.title)),
        "{bbb}"
    );
    assert!(bbb.contains("as Al Attendee (VIEWER)"), "{bbb}");
    // It logged nobody in.
    assert_eq!(holder.get("/admin/status").await.status(), 303);
    assert!(texts(&holder.page("/").await, ".who .user").is_empty());

    // The later session's link is refused until its window opens.
    assert_eq!(holder.submit(&later_link, &[]).await.status(), 409);
    // Turning the running session's link into one for another session does not work.
    let (prefix, tag) = now_link.rsplit_once('.').unwrap();
    let (feed, _) = prefix.rsplit_once('.').unwrap();
    let forged = format!("{feed}.{}.{tag}", later.id);
    assert_eq!(holder.get(&forged).await.status(), 404);
    app.clock.set(later.start - Duration::minutes(5));
    assert_eq!(holder.submit(&forged, &[]).await.status(), 404);
    let r = holder.submit(&later_link, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("role=VIEWER"));
    // And once the window has closed after the session, the link is refused again.
    app.clock
        .set(later.end + app.state.join_window.grace + Duration::minutes(1));
    assert_eq!(holder.submit(&later_link, &[]).await.status(), 409);
}

#[tokio::test]
async fn a_regenerated_feed_makes_the_old_url_and_its_join_links_answer_404() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    import_people(&app, PEOPLE);
    let s = first_sessions(&app, 1).remove(0);
    let b = Browser::new(&app);
    let old = feed_of(&b, "att@example.org", "att-code-1", &[s.id]).await;
    let old_link = join_link(&events(&fetch(&app, &old).await.1)[0]).unwrap();

    assert_eq!(b.submit("/agenda/feed", &[]).await.status(), 303);
    let new = attrs(&b.page("/agenda").await, "input.feed-url", "value")
        .pop()
        .unwrap();

    assert_ne!(old, new);
    assert_eq!(fetch(&app, &old).await.0, 404);
    assert_eq!(fetch(&app, &old_link).await.0, 404);
    let holder = Browser::new(&app);
    assert_eq!(holder.submit(&old_link, &[]).await.status(), 404);
    let (status, ics) = fetch(&app, &new).await;
    assert_eq!(status, 200);
    let new_link = join_link(&events(&ics)[0]).unwrap();
    assert_eq!(holder.submit(&new_link, &[]).await.status(), 303);
}

#[tokio::test]
async fn staff_feeds_carry_no_join_links_and_an_attendee_made_staff_loses_theirs() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    import_people(&app, PEOPLE);
    let s = first_sessions(&app, 1).remove(0);
    let staff = Browser::new(&app);
    let staff_feed = feed_of(&staff, "ada@example.org", "ada-code-1", &[s.id]).await;
    let evs = events(&fetch(&app, &staff_feed).await.1);
    assert_eq!(evs.len(), 1);
    assert_eq!(join_link(&evs[0]), None, "no join link for staff");
    assert!(!fetch(&app, &staff_feed).await.1.contains("/agenda/join/"));

    let att = Browser::new(&app);
    let feed = feed_of(&att, "att@example.org", "att-code-1", &[s.id]).await;
    let link = join_link(&events(&fetch(&app, &feed).await.1)[0]).unwrap();
    import_people(
        &app,
        "email,name,code,roles,tracks,speaker_of\natt@example.org,Al Attendee,,staff,,\n",
    );

    let holder = Browser::new(&app);
    let r = holder.submit(&link, &[]).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/login?next="),
        "staff log in instead: {location}"
    );
    assert_eq!(app.sims.iter().map(|s| s.calls("join")).sum::<u64>(), 0);
    assert!(!fetch(&app, &feed).await.1.contains("/agenda/join/"));
}

#[tokio::test]
async fn ending_all_sessions_of_a_user_revokes_their_feed_and_join_links() {
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    import_people(&app, PEOPLE);
    let s = first_sessions(&app, 1).remove(0);
    let b = Browser::new(&app);
    let feed = feed_of(&b, "att@example.org", "att-code-1", &[s.id]).await;
    let link = join_link(&events(&fetch(&app, &feed).await.1)[0]).unwrap();
    let id = hallway::auth::store::person_by_email(&app.db, "att@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    let admin = Browser::new(&app);
    admin.admin(&app).await;

    let r = admin
        .submit(&format!("/admin/users/{id}/end-sessions"), &[])
        .await;

    assert_eq!(r.status(), 303);
    assert_eq!(fetch(&app, &feed).await.0, 404);
    assert_eq!(Browser::new(&app).submit(&link, &[]).await.status(), 404);
}

#[tokio::test]
async fn a_starred_session_about_to_start_shows_a_join_banner_but_not_on_the_now_page() {
    let app = spawn_app().await;
    app.import_sample().await;
    let s = first_sessions(&app, 1).remove(0);
    let b = Browser::new(&app);
    assert_eq!(b.guest("Gwen Guest").await.status(), 303);
    assert_eq!(star(&b, s.id, "star").await.status(), 303);
    assert!(
        texts(&b.page("/schedule").await, ".agenda-soon").is_empty(),
        "not yet"
    );

    app.clock.set(s.start - Duration::minutes(3));

    for path in ["/agenda", "/schedule", &format!("/sessions/{}", s.id)] {
        let page = b.page(path).await;
        let banner = texts(&page, ".agenda-soon p");
        assert_eq!(banner.len(), 1, "{path}");
        assert!(
            banner[0].contains(&format!("{} starts in 3 minutes: Join", s.title)),
            "{path}: {banner:?}"
        );
        let form = attrs(&page, ".agenda-soon form", "action");
        assert!(form[0].starts_with("/rooms/"), "{form:?}");
    }
    assert!(
        texts(&b.page("/").await, ".agenda-soon").is_empty(),
        "the now page is the same for everyone"
    );
}

#[tokio::test]
async fn on_postgresql_two_instances_share_an_accounts_stars_feed_and_join_links() {
    let Some(db) = crate::postgres::throwaway_database().await else {
        return;
    };
    let one = crate::helpers::spawn_app_on(Some(db.url.clone())).await;
    let two = crate::helpers::spawn_app_on(Some(db.url.clone())).await;
    one.import_sample_running_now().await;
    two.refresh().await;
    import_people(&one, PEOPLE);
    let s = first_sessions(&one, 2);
    let laptop = Browser::new(&one);
    assert_eq!(star(&laptop, s[0].id, "star").await.status(), 303);
    let url = feed_of(&laptop, "att@example.org", "att-code-1", &[s[1].id]).await;

    let phone = Browser::new(&two);
    assert_eq!(
        phone
            .code_login("att@example.org", "att-code-1")
            .await
            .status(),
        303
    );

    assert_eq!(
        agenda_titles(&phone).await,
        vec![s[0].title.clone(), s[1].title.clone()]
    );
    let (status, ics) = fetch(&two, &url).await;
    assert_eq!(status, 200, "the feed works on every instance");
    let links: Vec<String> = events(&ics).iter().filter_map(join_link).collect();
    assert_eq!(links.len(), 2);
    let r = Browser::new(&two).submit(&links[0], &[]).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("role=VIEWER"));
    // A new feed made on one revokes the old one on two.
    assert_eq!(laptop.submit("/agenda/feed", &[]).await.status(), 303);
    assert_eq!(fetch(&two, &url).await.0, 404);
}

#[tokio::test]
async fn an_account_known_only_from_its_logins_gets_join_links_with_the_role_it_last_logged_in_with(
) {
    // An OpenID Connect account that is not on the registration list: hallway knows it from its
    // sessions only (as `TypedSession::log_in` stores them).
    let app = spawn_app().await;
    app.import_sample_running_now().await;
    let s = first_sessions(&app, 1).remove(0);
    let login = |role, at: i64| {
        let (db, now) = (app.db.clone(), app.clock.now());
        async move {
            hallway::auth::store::insert_session(
                &db,
                &hallway::auth::store::hash(&format!("sid-{at}")),
                &hallway::auth::user::SessionUser::new(
                    "oidc-0123456789abcdef0123",
                    "Olga Oidc",
                    role,
                ),
                now + Duration::seconds(at),
                now + Duration::hours(12),
            )
            .await
        }
    };
    login(hallway::auth::user::UserRole::Attendee, 0)
        .await
        .unwrap();
    let (feed, token) = hallway::agenda::links::new_feed("oidc-0123456789abcdef0123");
    hallway::agenda::store::replace_feed(&app.db, &feed, app.clock.now())
        .await
        .unwrap();
    hallway::agenda::store::star(&app.db, &feed.user_id, &[s.id], app.clock.now())
        .await
        .unwrap();
    let url = format!("/agenda/{token}.ics");

    let link = join_link(&events(&fetch(&app, &url).await.1)[0]).expect("a join link");
    let r = Browser::new(&app).submit(&link, &[]).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("role=VIEWER"), "{location}");
    assert!(location.contains("fullName=Olga+Oidc"), "{location}");

    // The provider made them staff at their next login: no more links.
    login(hallway::auth::user::UserRole::Staff, 60)
        .await
        .unwrap();
    assert!(!fetch(&app, &url).await.1.contains("/agenda/join/"));
    let r = Browser::new(&app).submit(&link, &[]).await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
}
