//! `hallway demo`: the whole portal in one process, clickable at once.
//!
//! Starts three simulated BBB servers on loopback (BBB 3.0, 2.7 and 2.2, so role joins,
//! error redirects and password joins are all exercised), points the configuration at them,
//! imports the sample conference (shifted so that its first sessions are running now) into a
//! fresh SQLite file, fills the running sessions' meetings with simulated attendees, prints the
//! portal URL and a one-time admin link, and serves until Ctrl-C.
//!
//! The demo's meetings are made through the same code path as every join
//! (`rooms::lifecycle::ensure_live`), so whatever the demo shows running, hallway can join.
//! [`start`] is what the integration tests boot.

use std::net::{SocketAddr, TcpListener};

use anyhow::Context;
use chrono::Duration;
use rand::Rng;
use secrecy::SecretString;

use crate::app::{Application, BuildOptions};
use crate::auth::store as auth_store;
use crate::bbb::{ChecksumAlgorithm, Role, ServerVersion};
use crate::config::{RawBbbServer, RawSettings};
use crate::rooms::lifecycle;
use crate::rooms::meeting::target_for;
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

/// A started demo: the portal (built, not yet serving), its simulators and the links it prints.
pub struct Demo {
    /// The portal.
    pub app: Application,
    /// The simulated BBB servers, in configuration order.
    pub sims: Vec<SimServer>,
    /// `http://ADDR:PORT`.
    pub base: String,
    /// The one-time admin login link.
    pub admin_link: String,
    /// The conference's title.
    pub title: String,
    /// Sessions imported.
    pub sessions: usize,
    /// Rooms filled with simulated attendees.
    pub filled_rooms: usize,
    _dir: tempfile::TempDir,
}

/// Starts simulators and the portal with the sample conference running at the clock's now,
/// and fills the running sessions' meetings with simulated attendees.
pub async fn start(
    mut raw: RawSettings,
    listen: SocketAddr,
    options: BuildOptions,
) -> anyhow::Result<Demo> {
    let dir = tempfile::tempdir().context("creating a scratch directory for the demo database")?;
    let mut sims = Vec::new();
    let names: Vec<String> = if raw.bbb.servers.is_empty() {
        vec!["bbb1".into(), "bbb2".into(), "bbb3".into()]
    } else {
        raw.bbb.servers.iter().map(|s| s.name.clone()).collect()
    };
    // A mixed pool, as real events run: role joins (2.4+), error redirects (2.7+), passwords.
    let versions = [
        ServerVersion::V3_0,
        ServerVersion::V2_7,
        ServerVersion::V2_2,
    ];
    raw.bbb.servers.clear();
    for (i, name) in names.iter().enumerate() {
        let secret = random_secret();
        let listener =
            TcpListener::bind("127.0.0.1:0").context("binding a simulated BBB server")?;
        let mut config = SimConfig::new(name.clone(), secret.clone());
        config.version = versions[i % versions.len()];
        let sim = SimServer::start(listener, config).await?;
        raw.bbb.servers.push(RawBbbServer {
            name: name.clone(),
            url: sim.base_url().to_string(),
            secret: SecretString::from(secret),
            version: None,
            balancer: false,
            // Exercise more than one algorithm, as a real mixed pool would.
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
    let app = Application::build_with(settings, options).await?;
    let state = app.state();
    let now = state.clock.now();

    let (mut parsed, format) = import::parse_schedule(
        SAMPLE_SCHEDULE,
        "sample-conference.xml",
        &ImportOptions::default(),
    )
    .map_err(|e| anyhow::anyhow!("the bundled sample conference does not parse: {e}"))?;
    import::shift_to_now(&mut parsed, now);
    let report = import::store_parsed(
        app.db(),
        parsed,
        format,
        "schedule/sample-conference.xml (shifted to now)",
        false,
        Some(&state.rooms),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    state.refresh_once().await?;

    // Simulated attendees in the meetings of the sessions running now, so the status page is
    // alive; each meeting is made exactly as a join would make it.
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
    let index = state.schedule.get();
    let mut filled = 0;
    for (n, room) in state.rooms.all().iter().enumerate() {
        let running: Vec<_> = index
            .in_room_between(room.slug.as_str(), now, now + Duration::seconds(1))
            .into_iter()
            .filter(|s| s.start <= now)
            .collect();
        let Some(session) = running.first() else {
            continue;
        };
        let target = target_for(
            state.rooms.meeting_prefix(),
            room,
            &running,
            state.join_window,
            now,
        );
        let server = state.placements.server_of(room);
        let Some(sim) = names
            .iter()
            .position(|n| n == server.as_str())
            .map(|i| &sims[i])
        else {
            continue;
        };
        lifecycle::ensure_live(&state, room, &target, &server)
            .await
            .map_err(|e| anyhow::anyhow!("starting the demo meeting of {}: {e}", room.slug))?;
        if let Some(speaker) = session.persons.first() {
            sim.add_user(
                &target.meeting_id,
                speaker,
                Role::Moderator,
                false,
                true,
                true,
            );
        }
        for k in 0..(3 + n % 5) {
            let who = people[(n + k) % people.len()];
            sim.add_user(
                &target.meeting_id,
                who,
                Role::Viewer,
                k % 3 == 0,
                k % 2 == 0,
                k == 1,
            );
        }
        filled += 1;
    }
    lifecycle::status_round(&state).await;

    let token =
        auth_store::create_admin_token(app.db(), "Demo Organizer", Duration::hours(24), now)
            .await?;
    let base = format!("http://{}:{}", listen.ip(), app.port());
    Ok(Demo {
        admin_link: format!("{base}/login/admin/{token}"),
        base,
        title: report.title,
        sessions: report.total,
        filled_rooms: filled,
        app,
        sims,
        _dir: dir,
    })
}

/// Runs the demo until Ctrl-C.
pub async fn run(raw: RawSettings, listen: SocketAddr) -> anyhow::Result<()> {
    let demo = start(raw, listen, BuildOptions::default()).await?;
    println!(
        "hallway demo: {} ({} sessions, {} simulated BBB servers, {} rooms with people in them)",
        demo.title,
        demo.sessions,
        demo.sims.len(),
        demo.filled_rooms
    );
    println!("portal: {}/", demo.base);
    println!("admin: {}", demo.admin_link);
    for s in &demo.sims {
        println!("bbb-sim: {}", s.base_url());
    }
    println!("press Ctrl-C to stop");
    let Demo {
        app, sims, _dir, ..
    } = demo;
    app.run_until_stopped().await?;
    for s in sims {
        s.stop().await;
    }
    drop(_dir);
    Ok(())
}
