//! The same portal on PostgreSQL: migrations, import, the now page and a join.
//!
//! Uses `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) to create a
//! throwaway database per run. Reported as SKIPPED when no server answers, unless `CI=true`.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use crate::helpers::{attrs, csrf_in, csrf_of, guest_client, skip, spawn_app_on};

/// A database created for one test and dropped at its end.
pub struct Throwaway {
    pub url: String,
    admin: PgConnectOptions,
    name: String,
}

impl Throwaway {
    pub async fn drop_now(self) {
        if let Ok(mut conn) = self.admin.connect().await {
            let _ = conn
                .execute(format!("drop database if exists {} with (force)", self.name).as_str())
                .await;
        }
    }
}

pub async fn throwaway_database() -> Option<Throwaway> {
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let admin = PgConnectOptions::from_str(&admin_url).expect("TEST_POSTGRES_URL is a URL");
    let mut conn = match admin.connect().await {
        Ok(c) => c,
        Err(e) => {
            skip("postgresql", &format!("{admin_url} unreachable ({e})"));
            return None;
        }
    };
    let name = format!("hallway_test_{}", rand::random::<u32>());
    conn.execute(format!("create database {name}").as_str())
        .await
        .expect("create test database");
    conn.close().await.ok();
    let url = admin_url
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/{name}"))
        .unwrap();
    Some(Throwaway { url, admin, name })
}

#[tokio::test]
async fn the_portal_runs_on_postgresql_from_import_to_join() {
    let Some(db) = throwaway_database().await else {
        return;
    };
    eprintln!("testing on PostgreSQL database {}", db.name);
    let app = spawn_app_on(Some(db.url.clone())).await;
    app.import_sample_running_now().await;
    let out = app.cli(&["schedule", "show", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    app.log_in_as_guest("Ada Park").await;
    let (_, now) = app.get("/").await;
    let actions = attrs(&now, "article.session form", "action");
    assert!(
        actions.contains(&"/rooms/refereed/join".to_string()),
        "{actions:?}"
    );
    let r = app
        .post_form("/rooms/refereed/join", &[("csrf", &csrf_in(&now))])
        .await;
    assert_eq!(r.status(), 303);
    let page = reqwest::get(r.headers()["location"].to_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("as Ada Park (VIEWER)"), "{page}");
    app.db.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn two_instances_on_one_database_create_a_meeting_once_and_then_join_without_bbb() {
    let Some(db) = throwaway_database().await else {
        return;
    };
    let a = spawn_app_on(Some(db.url.clone())).await;
    let b = a.another_instance().await;
    let mut clients = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { &a.address } else { &b.address };
        let c = guest_client(base, &format!("Guest {i}")).await;
        let csrf = csrf_of(&c, base).await;
        clients.push((c, base.clone(), csrf));
    }

    // Twenty joins at once, half on each instance, to a room nobody is in.
    let answers = futures::future::join_all(clients.iter().map(|(c, base, csrf)| {
        c.post(format!("{base}/rooms/hack1/join"))
            .form(&[("csrf", csrf.as_str())])
            .send()
    }))
    .await;
    for r in answers {
        assert_eq!(r.unwrap().status(), 303);
    }
    assert_eq!(
        a.sims[0].calls("create"),
        1,
        "one create across both instances"
    );

    // Each instance learns of the other's meetings through the change mechanism, then joins
    // without asking BBB.
    a.refresh().await;
    b.state.refresh_once().await.unwrap();
    for s in &a.sims {
        s.reset_calls();
    }
    for (c, base, csrf) in &clients {
        let r = c
            .post(format!("{base}/rooms/hack1/join"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
    assert_eq!(a.sims.iter().map(|s| s.total_calls()).sum::<u64>(), 0);
    db.drop_now().await;
}
