//! The command line: `hallway serve | demo | schedule import/show | users import | bbb-sim |
//! admin-link | print-config`. Each command parses configuration once and calls into the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{Duration, Utc};
use clap::{Args, Parser, Subcommand};

use crate::app::Application;
use crate::auth::store as auth_store;
use crate::bbb::ChecksumAlgorithm;
use crate::config::{self, RawSettings, Settings};
use crate::db::Db;
use crate::schedule::import::{self, ImportOptions};
use crate::schedule::store as schedule_store;
use crate::sim::{self, SimConfig};

/// hallway: a conference portal for BigBlueButton.
#[derive(Parser, Debug)]
#[command(name = "hallway", version, about)]
pub struct Cli {
    /// Configuration file (TOML). Default: hallway.toml in the working directory, if present.
    #[arg(long, global = true, env = "HALLWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal.
    Serve,
    /// Run the portal with the sample conference and three simulated BBB servers.
    Demo(DemoArgs),
    /// Import or show the conference schedule.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Manage the registration list.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Run a BigBlueButton API simulator.
    BbbSim(SimArgs),
    /// Print a one-time admin login link.
    AdminLink(AdminLinkArgs),
    /// Print the effective configuration (secrets redacted).
    PrintConfig,
    /// List BBB servers with their state and health, or drain, enable or disable one.
    #[command(subcommand)]
    Servers(ServersCommand),
}

/// `hallway servers …`: what running instances pick up within a second (the servers topic).
#[derive(Subcommand, Debug)]
pub enum ServersCommand {
    /// Every configured server: state, who changed it when, health, and why it is DOWN.
    List,
    /// No new meetings; joins to meetings already running still go in.
    Drain {
        /// Server name.
        name: String,
    },
    /// New meetings and joins again.
    Enable {
        /// Server name.
        name: String,
    },
    /// No new meetings and no joins; rooms with running or imminent sessions move off.
    Disable {
        /// Server name.
        name: String,
    },
}

/// `hallway demo`
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Address for the portal.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// `hallway schedule …`
#[derive(Subcommand, Debug)]
pub enum ScheduleCommand {
    /// Replace the stored schedule with a file or URL, in one transaction, and print the diff.
    Import {
        /// The schedule: a file path or an http(s) URL.
        source: String,
        /// Time zone for schedules that give local times without naming their zone.
        #[arg(long)]
        timezone: Option<String>,
        /// Only print what would change; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the stored schedule.
    Show {
        /// As a JSON array (id, guid, title, start, end, room, track, persons, …).
        #[arg(long)]
        json: bool,
    },
}

/// `hallway bbb-sim`
#[derive(Args, Debug)]
pub struct SimArgs {
    /// Address to listen on (port 0: any free port; the bound address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// Shared secret the simulator checks checksums with.
    #[arg(long, env = "HALLWAY_SIM_SECRET")]
    pub secret: String,
    /// Accepted checksum algorithms, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sha1,sha256,sha384,sha512"
    )]
    pub algorithms: Vec<ChecksumAlgorithm>,
    /// Server name shown in logs.
    #[arg(long, default_value = "bbb-sim")]
    pub name: String,
    /// Simulated BBB version (API root fields, join error delivery, role join).
    #[arg(long = "bbb-version", default_value = "3.0")]
    pub bbb_version: crate::bbb::ServerVersion,
    /// Serve https with a certificate made at start (load balancers such as BBBLB want https
    /// backends); the CA that signed it is written to --tls-ca-out.
    #[arg(long)]
    pub tls: bool,
    /// With --tls: where to write the CA certificate (PEM) a client must trust.
    #[arg(long, requires = "tls")]
    pub tls_ca_out: Option<PathBuf>,
    /// Simulate this many servers in one process (benchmarks): each on its own port (the
    /// --listen port, or port 0 each), named NAME1…NAMEn, one "listening" line each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub count: u16,
    /// Latency fault set at start on every API call, in ms (as `PUT /sim/faults`
    /// `{"latencyMs": N}`; change or clear it there at run time).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

/// `hallway users …`
#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Import or update people from a CSV file (columns email, name, code, roles, tracks,
    /// speaker_of; lists separated by ';'). All or nothing: one bad row and nothing changes.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Only print what would change; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `hallway admin-link`
#[derive(Args, Debug)]
pub struct AdminLinkArgs {
    /// Name the admin is shown with (also in BBB).
    #[arg(long, default_value = "Organizer")]
    pub name: String,
    /// Hours until the link expires.
    #[arg(long, default_value_t = 24)]
    pub valid_hours: i64,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init("info,sqlx=warn");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn config_path(cli: &Cli) -> (PathBuf, bool) {
    match &cli.config {
        Some(p) => (p.clone(), true),
        None => (config::default_path(), false),
    }
}

fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let (path, explicit) = config_path(cli);
    Settings::load(&path, explicit)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve => {
            let settings = load_settings(&cli)?;
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "hallway is serving");
            app.run_until_stopped().await?;
        }
        Command::Demo(args) => {
            let (path, explicit) = config_path(&cli);
            let raw = if path.exists() {
                RawSettings::load(&path, explicit)?
            } else {
                RawSettings::example()?
            };
            crate::demo::run(raw, args.listen).await?;
        }
        Command::Schedule(ScheduleCommand::Import {
            source,
            timezone,
            dry_run,
        }) => {
            let settings = load_settings(&cli)?;
            let fallback = match timezone {
                Some(z) => Some(config::parse_zone(z).context("--timezone")?),
                None => settings.time_zone,
            };
            let rooms = settings.room_directory();
            let db = Db::connect(&settings.database_url).await?;
            let result = import::import_source(
                &db,
                source,
                &ImportOptions {
                    fallback_time_zone: fallback,
                    max_bytes: settings.schedule.max_bytes,
                    dry_run: *dry_run,
                },
                (!settings.rooms.is_empty()).then_some(&rooms),
            )
            .await;
            db.close().await;
            return Ok(match result {
                Ok(report) => {
                    print!("{}", import::report_text(&report));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    eprintln!("nothing was changed: the previous schedule is still live");
                    ExitCode::FAILURE
                }
            });
        }
        Command::Schedule(ScheduleCommand::Show { json }) => {
            let settings = load_settings(&cli)?;
            let db = Db::connect(&settings.database_url).await?;
            let sessions = schedule_store::all_sessions(&db).await?;
            db.close().await;
            if *json {
                let out: Vec<serde_json::Value> = sessions
                    .iter()
                    .map(crate::schedule::export::normalized)
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for s in &sessions {
                    println!(
                        "{:>5}  {}  {:<20}  {}  ({})",
                        s.id,
                        crate::web::time::iso(s.start),
                        s.room,
                        s.title,
                        s.persons.join(", ")
                    );
                }
            }
        }
        Command::Users(UsersCommand::Import { file, dry_run }) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let rows = match crate::auth::people::parse_csv(&bytes) {
                Ok(rows) => rows,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    eprintln!("error: {} problem(s); nothing was imported", errors.len());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let settings = load_settings(&cli)?;
            let db = Db::connect(&settings.database_url).await?;
            let actor = format!("cli: users import {}", file.display());
            let changes =
                crate::auth::people::import(&db, &rows, *dry_run, &actor, Utc::now()).await;
            db.close().await;
            let changes = changes?;
            for c in &changes {
                println!("{c}");
            }
            let unchanged = rows.len() - changes.len();
            println!(
                "{} {} change(s), {unchanged} unchanged",
                if *dry_run { "would make" } else { "made" },
                changes.len()
            );
        }
        Command::BbbSim(args) => {
            let mut config = SimConfig::new(args.name.clone(), args.secret.clone());
            config.algorithms = args.algorithms.clone();
            config.version = args.bbb_version;
            config.tls = args.tls;
            let faults = sim::Faults::latency_ms(args.latency_ms);
            if args.count == 1 {
                sim::run_standalone(args.listen, config, args.tls_ca_out.clone(), faults).await?;
            } else {
                sim::run_many(args.listen, config, args.count, faults).await?;
            }
        }
        Command::AdminLink(args) => {
            let settings = load_settings(&cli)?;
            let db = Db::connect(&settings.database_url).await?;
            let token = auth_store::create_admin_token(
                &db,
                &args.name,
                Duration::hours(args.valid_hours.max(1)),
                Utc::now(),
            )
            .await?;
            db.close().await;
            println!(
                "admin: {}",
                settings.public_link(&format!("/login/admin/{token}"))
            );
        }
        Command::Servers(cmd) => {
            let settings = load_settings(&cli)?;
            let db = Db::connect(&settings.database_url).await?;
            let result = servers_command(&settings, &db, cmd).await;
            db.close().await;
            result?;
        }
        Command::PrintConfig => {
            let (path, explicit) = config_path(&cli);
            let raw = RawSettings::load(&path, explicit)?;
            raw.clone().parse()?;
            print!("{}", raw.to_redacted_toml()?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn servers_command(settings: &Settings, db: &Db, cmd: &ServersCommand) -> anyhow::Result<()> {
    use crate::servers::store as servers_store;
    use crate::servers::view::{ServerInfo, ServerState};
    let (name, state) = match cmd {
        ServersCommand::List => {
            let stored = servers_store::load(db).await?;
            for s in &settings.bbb.servers {
                let info = stored
                    .iter()
                    .find(|i| i.name == s.name.as_str())
                    .cloned()
                    .unwrap_or_else(|| ServerInfo::fresh(s.name.as_str()));
                let changed = match (&info.changed_by, info.changed_at) {
                    (Some(by), Some(at)) => format!(
                        " (by {by}, {})",
                        crate::web::time::utc_full(crate::db::from_db_time(at))
                    ),
                    _ => String::new(),
                };
                let why = info
                    .health_error
                    .as_deref()
                    .filter(|_| info.health == crate::status::health::Health::Down)
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                println!(
                    "{}\t{}{changed}\t{}{why}",
                    s.name,
                    info.state.as_str(),
                    info.health.as_str().to_uppercase()
                );
            }
            return Ok(());
        }
        ServersCommand::Drain { name } => (name.clone(), ServerState::Draining),
        ServersCommand::Enable { name } => (name.clone(), ServerState::Enabled),
        ServersCommand::Disable { name } => (name.clone(), ServerState::Disabled),
    };
    if !settings.bbb.servers.iter().any(|s| s.name.as_str() == name) {
        anyhow::bail!(
            "there is no server called {name}; configured: {}",
            settings
                .bbb
                .servers
                .iter()
                .map(|s| s.name.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let changed =
        servers_store::set_state(db, &name, state, &actor, crate::db::to_db_time(Utc::now()))
            .await?;
    println!(
        "{name} is {}{}",
        state.as_str(),
        if changed { "" } else { " (it already was)" }
    );
    Ok(())
}
