//! Pulling the schedule from a configured URL every few minutes, politely.
//!
//! Conditional requests (If-None-Match / If-Modified-Since) make an unchanged export cost one
//! small response. The validators are only remembered after a successful import, so a broken
//! export is fetched and reported again until it is fixed; the previous schedule stays live
//! meanwhile. The state lives in the database, so every instance and the admin page see it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;
use tokio::time::MissedTickBehavior;
use url::Url;

use crate::db::Db;
use crate::rooms::RoomDirectory;
use crate::schedule::import::{self, ImportOptions};
use crate::schedule::store::{self, PullState};

/// What one pull did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullOutcome {
    /// The server said the export did not change.
    NotModified,
    /// A new export was imported; carries the diff summary.
    Imported(String),
    /// Fetching or importing failed; carries the reason. Nothing was changed.
    Failed(String),
}

/// Pulls one URL.
#[derive(Clone)]
pub struct Puller {
    db: Db,
    url: Url,
    opts: ImportOptions,
    rooms: Arc<RoomDirectory>,
    client: reqwest::Client,
    /// The URL as logs and pages may show it.
    shown: String,
}

impl Puller {
    /// A puller for `url`.
    pub fn new(
        db: Db,
        url: Url,
        opts: ImportOptions,
        rooms: Arc<RoomDirectory>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            shown: crate::config::redact_url(url.as_str()),
            url,
            opts,
            rooms,
            client: import::http_client()?,
        })
    }

    /// Fetches the URL once (conditionally) and imports it if it changed.
    pub async fn pull_once(&self) -> PullOutcome {
        let now = Utc::now();
        let prev = match store::pull_state(&self.db, self.url.as_str()).await {
            Ok(p) => p,
            Err(e) => return PullOutcome::Failed(format!("reading the pull state: {e}")),
        };
        let mut req = self.client.get(self.url.clone());
        if let Some(p) = prev.as_ref().filter(|p| p.ok) {
            if let Some(etag) = &p.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &p.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let mut state = PullState {
            url: self.url.to_string(),
            etag: None,
            last_modified: None,
            checked_at: now,
            ok: false,
            message: String::new(),
            changed_at: prev.as_ref().and_then(|p| p.changed_at),
        };
        let outcome = match req.send().await {
            Err(e) => PullOutcome::Failed(format!(
                "cannot fetch {}: {}",
                self.shown,
                crate::telemetry::error_chain(&e.without_url())
            )),
            Ok(resp) if resp.status() == StatusCode::NOT_MODIFIED => {
                if let Some(p) = &prev {
                    state.etag = p.etag.clone();
                    state.last_modified = p.last_modified.clone();
                }
                PullOutcome::NotModified
            }
            Ok(resp) if !resp.status().is_success() => {
                PullOutcome::Failed(format!("{} answered HTTP {}", self.shown, resp.status()))
            }
            Ok(resp) => {
                let header = |name| {
                    resp.headers()
                        .get(name)
                        .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                        .map(str::to_owned)
                };
                let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
                let result =
                    match import::read_body_limited(resp, self.url.as_str(), self.opts.max_bytes)
                        .await
                    {
                        Ok(bytes) => {
                            import::import_bytes(
                                &self.db,
                                &bytes,
                                self.url.as_str(),
                                &self.opts,
                                Some(&self.rooms),
                            )
                            .await
                        }
                        Err(e) => Err(e),
                    };
                match result {
                    Ok(report) => {
                        state.etag = etag;
                        state.last_modified = last_modified;
                        if !report.diff.is_empty() {
                            state.changed_at = Some(now);
                        }
                        PullOutcome::Imported(report.diff.summary())
                    }
                    Err(e) => PullOutcome::Failed(e.to_string()),
                }
            }
        };
        match &outcome {
            PullOutcome::NotModified => {
                state.ok = true;
                state.message = "not modified".into();
            }
            PullOutcome::Imported(summary) => {
                state.ok = true;
                state.message = format!("imported: {summary}");
                tracing::info!(url = %self.shown, %summary, "schedule pulled");
            }
            PullOutcome::Failed(why) => {
                state.message = format!("{why} (the previous schedule stays live)");
                tracing::warn!(url = %self.shown, error = %why, "schedule pull failed");
            }
        }
        if let Err(e) = store::record_pull(&self.db, &state).await {
            tracing::error!(error = %e, "recording the schedule pull failed");
        }
        outcome
    }

    /// Pulls every `interval` until the task is dropped.
    pub async fn run_until_stopped(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let outcome = self.pull_once().await;
            tracing::debug!(job = "schedule-pull", ?outcome, "pulled");
        }
    }
}
