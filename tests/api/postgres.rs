//! The same portal on PostgreSQL: migrations, import, the now page and a join.
//!
//! Uses `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) to create a
//! throwaway database per run. Reported as SKIPPED when no server answers, unless `CI=true`.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use crate::helpers::{attrs, csrf_in, skip, spawn_app_on};

/// A database created for one test and dropped at its end.
pub(crate) struct Throwaway {
    pub(crate) url: String,
    admin: PgConnectOptions,
    name: String,
}

impl Throwaway {
    pub(crate) async fn drop_now(self) {
        if let Ok(mut conn) = self.admin.connect().await {
            let _ = conn
                .execute(format!("drop database if exists {} with (force)", self.name).as_str())
                .await;
        }
    }
}

pub(crate) async fn throwaway_database() -> Option<Throwaway> {
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
