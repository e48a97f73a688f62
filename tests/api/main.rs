//! Integration tests: the real application on port 0, against simulated BBB servers on port 0,
//! with a fresh SQLite database per test. One binary, one module per feature.

mod agenda;
mod architecture;
mod auth;
mod auth_postgres;
mod auth_schedule_pull;
mod authz;
mod bbb_sim_cli;
mod bbblb;
mod browser;
mod exports;
mod helpers;
mod hostile;
mod join;
mod join_path;
mod lobby;
mod login_link;
mod oidc;
mod ops;
mod pages;
mod postgres;
mod recordings;
mod schedule;
mod schedule_admin;
mod status;
