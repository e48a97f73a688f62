//! Two instances on one PostgreSQL database: a logout, an admin ending someone's sessions and
//! the guest mode switch reach the other instance at its next refresh step (the 1-second sync
//! loop in production), driven here by `refresh()` instead of waiting.

use reqwest::header::COOKIE;

use crate::auth::{import_people, Browser, REGISTRATION};
use crate::helpers::{csrf_in, spawn_app_on, TestApp};
use crate::postgres::throwaway_database;

async fn status_with(app: &TestApp, path: &str, cookie: &str) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn body_with(app: &TestApp, path: &str, cookie: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn revocations_and_guest_mode_reach_the_other_instance_at_its_next_refresh() {
    let Some(db) = throwaway_database().await else {
        return;
    };
    let one = spawn_app_on(Some(db.url.clone())).await;
    let two = spawn_app_on(Some(db.url.clone())).await;
    import_people(&one, REGISTRATION);

    // An admin logs in on instance one; the cookie works on instance two as well.
    let admin = Browser::new(&one);
    admin.admin(&one).await;
    let admin_cookie = admin.cookies();
    assert_eq!(status_with(&two, "/admin/status", &admin_cookie).await, 200);

    // Logout on one: one refuses the copied cookie at once, two after its refresh step.
    let csrf = csrf_in(&admin.page("/").await);
    assert_eq!(
        admin.post("/logout", &[("csrf", &csrf)]).await.status(),
        303
    );
    assert_eq!(status_with(&one, "/admin/status", &admin_cookie).await, 303);
    two.refresh().await;
    assert_eq!(status_with(&two, "/admin/status", &admin_cookie).await, 303);

    // A staff member with two sessions; an admin on two ends them; one learns on refresh.
    let staff = Browser::new(&one);
    assert_eq!(
        staff
            .code_login("ada@example.org", "ada-code-1")
            .await
            .status(),
        303
    );
    let staff_cookie = staff.cookies();
    assert_eq!(status_with(&two, "/admin/status", &staff_cookie).await, 200);
    let admin2 = Browser::new(&two);
    admin2.admin(&two).await;
    let users = admin2.page("/admin/users").await;
    let id: String = sqlx::query_scalar("select id from people where email = 'ada@example.org'")
        .fetch_one(one.db.pool())
        .await
        .unwrap();
    let r = admin2
        .post(
            &format!("/admin/users/{id}/end-sessions"),
            &[("csrf", &csrf_in(&users))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_with(&two, "/admin/status", &staff_cookie).await, 303);
    one.refresh().await;
    assert_eq!(status_with(&one, "/admin/status", &staff_cookie).await, 303);

    // Guest mode: a guest logged in on one; the admin on two switches guest mode off.
    let guest = Browser::new(&one);
    assert_eq!(guest.guest("Gus Guest").await.status(), 303);
    let guest_cookie = guest.cookies();
    assert!(body_with(&one, "/", &guest_cookie)
        .await
        .contains("Gus Guest"));
    let users = admin2.page("/admin/users").await;
    let r = admin2
        .post(
            "/admin/guest-mode",
            &[("csrf", &csrf_in(&users)), ("mode", "off")],
        )
        .await;
    assert_eq!(r.status(), 303);
    one.refresh().await;
    assert!(!body_with(&one, "/", &guest_cookie)
        .await
        .contains("Gus Guest"));
    assert_eq!(guest.guest("Gus Again").await.status(), 403);
    // And back on: new guests may log in on one again.
    let users = admin2.page("/admin/users").await;
    admin2
        .post(
            "/admin/guest-mode",
            &[("csrf", &csrf_in(&users)), ("mode", "on")],
        )
        .await;
    one.refresh().await;
    assert_eq!(Browser::new(&one).guest("Gus Again").await.status(), 303);

    one.db.close().await;
    two.db.close().await;
    db.drop_now().await;
}
