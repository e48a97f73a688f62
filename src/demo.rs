//! `hallway demo`: the whole portal in one process, clickable at once.
//!
//! Starts three simulated BBB servers on loopback, points the configuration at them, imports
//! the sample conference (shifted so that its first sessions are running now) into a fresh
//! SQLite file, fills a few rooms with simulated attendees, prints the portal URL and a
//! one-time admin link, and serves until Ctrl-C.

use std::net::{SocketAddr, TcpListener};

use anyhow::Context;
use chrono::{Duration, Utc};
use rand::Rng;
use secrecy::SecretString;

use crate::app::Application;
use crate::auth::store as auth_store;
use crate::bbb::{ChecksumAlgorithm, Role};
use crate::config::{RawBbbServer, RawSettings};
use crate::rooms::meeting::{create_request, Site};
use crate::schedule::import::{self, ImportOptions};
use crate::sim::{SimConfig, SimServer};

/// The sample conference shipped in `schedule/`.
pub const SAMPLE_SCHEDULE: &[u8] = include_bytes!("../schedule/sample-conference.xml");

fn random_secret() -> String {
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| char::from(b"abcdef0123456789"[rng.gen_range(0..16)]))
        .collect()
}

/// Runs the demo until Ctrl-C.
pub async fn run(mut raw: RawSettings, listen: SocketAddr) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a scratch directory for the demo database")?;
    let mut sims = Vec::new();
    let names: Vec<String> = if raw.bbb.servers.is_empty() {
        vec!["bbb1".into(), "bbb2".into(), "bbb3".into()]
    } else {
        raw.bbb.servers.iter().map(|s| s.name.clone()).collect()
    };
    raw.bbb.servers.clear();
    for (i, name) in names.iter().enumerate() {
        let secret = random_secret();
        let listener =
            TcpListener::bind("127.0.0.1:0").context("binding a simulated BBB server")?;
        let sim = SimServer::start(listener, SimConfig::new(name.clone(), secret.clone())).await?;
        raw.bbb.servers.push(RawBbbServer {
            name: name.clone(),
            url: sim.base_url().to_string(),
            secret: SecretString::from(secret),
            // Exercise more than one algorithm, as a real mixed pool would.
            version: None,
            checksum: if i % 2 == 0 {
                ChecksumAlgorithm::Sha256
            } else {
                ChecksumAlgorithm::Sha1
            },
        });
        sims.push(sim);
    }
    raw.server.listen = listen.to_string();
    if raw.server.session_key.is_none() {
        raw.server.session_key = Some(SecretString::from(random_secret() + &random_secret()));
    }
    raw.server.public_url = None;
    raw.database.url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let settings = raw.parse()?;
    let rooms = settings.room_directory();
    let servers = settings.bbb.servers.clone();
    let app = Application::build(settings.clone()).await?;

    let (mut parsed, format) = import::parse_schedule(
        SAMPLE_SCHEDULE,
        "sample-conference.xml",
        &ImportOptions::default(),
    )
    .map_err(|e| anyhow::anyhow!("the bundled sample conference does not parse: {e}"))?;
    let now = Utc::now();
    import::shift_to_now(&mut parsed, now);
    let report = import::store_parsed(
        app.db(),
        parsed,
        format,
        "schedule/sample-conference.xml (shifted to now)",
        false,
        Some(&rooms),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    // Simulated attendees in the rooms whose sessions are running, so the status page is alive.
    let client = crate::bbb::BbbClient::new(crate::bbb::Timeouts {
        connect: std::time::Duration::from_secs(2),
        total: std::time::Duration::from_secs(5),
    })?;
    let running =
        crate::schedule::store::sessions_between(app.db(), now, now + Duration::minutes(1)).await?;
    let people = [
        "Ada Park",
        "Sølvi Ångström",
        "Ravi Iyer",
        "Mei Chen",
        "Tomás Ortega",
        "Zoë Nakamura-Brandt",
        "Kwame Mensah",
        "Ilse Vogel",
    ];
    let home = format!("http://{}:{}/", listen.ip(), app.port());
    let site = Site {
        name: &report.title,
        home: &home,
        host: settings.public_url.host_str().unwrap_or("hallway"),
    };
    for (n, s) in running.iter().enumerate() {
        let Some(room) = rooms.for_schedule_room(&s.room) else {
            continue;
        };
        let Some((idx, server)) = servers
            .iter()
            .enumerate()
            .find(|(_, sv)| sv.name == room.server)
        else {
            continue;
        };
        let meeting_id = rooms.meeting_id(room.slug.as_str());
        let create = create_request(room, &meeting_id, &server.secret, &site);
        client.create(&server.endpoint(), &create).await?;
        if let Some(speaker) = s.persons.first() {
            sims[idx].add_user(&meeting_id, speaker, Role::Moderator, false, true, true);
        }
        for k in 0..(3 + n % 5) {
            let who = people[(n + k) % people.len()];
            sims[idx].add_user(
                &meeting_id,
                who,
                Role::Viewer,
                k % 3 == 0,
                k % 2 == 0,
                k == 1,
            );
        }
    }

    let token =
        auth_store::create_admin_token(app.db(), "Demo Organizer", Duration::hours(24), Utc::now())
            .await?;
    let base = format!("http://{}:{}", listen.ip(), app.port());
    println!(
        "hallway demo: {} ({} sessions, {} simulated BBB servers)",
        report.title,
        report.total,
        sims.len()
    );
    println!("portal: {base}/");
    println!("admin: {base}/login/admin/{token}");
    for s in &sims {
        println!("bbb-sim: {}", s.base_url());
    }
    println!("press Ctrl-C to stop");
    let poller = app.poller();
    poller.poll_once().await;
    app.run_until_stopped().await?;
    for s in sims {
        s.stop().await;
    }
    drop(dir);
    Ok(())
}
