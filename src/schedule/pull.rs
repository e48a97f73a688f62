//! Pulling the schedule from a configured URL every few minutes, politely.
//!
//! Conditional requests (If-None-Match / If-Modified-Since) make an unchanged export cost one
//! small response. The validators are only remembered after a successful import, so a broken
//! export is fetched and reported again until it is fixed; the previous schedule stays live
//! meanwhile. The state lives in the database, so every instance and the admin page see it.
//!
//! The configured URL may carry a key (Indico `?ak=`, pretalx tokens): everything that leaves
//! this module (the stored import source, messages, log lines) uses the redacted form only.
//! Redirects are followed only to public hosts and never from https to http, unless the
//! configuration allows it, so an export (or whoever took over its host) cannot point the
//! puller at internal services.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;
use tokio::time::MissedTickBehavior;
use url::{Host, Url};

use crate::config::RedirectRules;
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
        redirects: RedirectRules,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(redirect_policy(redirects))
            .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db,
            shown: crate::config::redact_url(url.as_str()),
            url,
            opts,
            rooms,
            client,
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
                    match import::read_body_limited(resp, &self.shown, self.opts.max_bytes).await {
                        Ok(bytes) => {
                            import::import_bytes(
                                &self.db,
                                &bytes,
                                &self.shown,
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

    /// The URL as pages and logs show it (query values and password redacted).
    pub fn shown_url(&self) -> &str {
        &self.shown
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

/// At most this many redirects per pull.
const MAX_REDIRECTS: usize = 5;

fn redirect_policy(rules: RedirectRules) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        match check_redirect(attempt.previous().last(), attempt.url(), rules) {
            Ok(()) => attempt.follow(),
            Err(why) => attempt.error(why),
        }
    })
}

/// Whether a pull may follow a redirect from `from` to `to`. The refusal names the target's
/// host only, never its path or query.
pub fn check_redirect(from: Option<&Url>, to: &Url, rules: RedirectRules) -> Result<(), String> {
    if to.scheme() != "http" && to.scheme() != "https" {
        return Err(format!("refusing a redirect to a {} URL", to.scheme()));
    }
    if !rules.allow_insecure && from.is_some_and(|f| f.scheme() == "https") && to.scheme() == "http"
    {
        return Err(format!(
            "refusing a redirect from https to plain http ({}); set \
             schedule.allow_insecure_redirects to allow it",
            to.host_str().unwrap_or("?")
        ));
    }
    if !rules.allow_private && to.host().is_none_or(|h| is_internal(&h)) {
        return Err(format!(
            "refusing a redirect to the internal address {}; set \
             schedule.allow_private_redirects to allow it",
            to.host_str().unwrap_or("?")
        ));
    }
    Ok(())
}

/// Loopback, private, link-local, unspecified and similar non-public hosts. Names are judged
/// as written (`localhost`, `*.localhost`, `*.local`, `*.internal`); a public name that
/// resolves to a private address is not caught here.
fn is_internal(host: &Host<&str>) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    let v4 = |ip: Ipv4Addr| {
        let [a, b, ..] = ip.octets();
        ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || a == 0
            || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64.0.0/10
    };
    let ip = match host {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return d == "localhost"
                || [".localhost", ".local", ".internal", ".localdomain"]
                    .iter()
                    .any(|s| d.ends_with(s));
        }
        Host::Ipv4(ip) => IpAddr::V4(*ip),
        Host::Ipv6(ip) => IpAddr::V6(*ip),
    };
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => {
            let seg0 = ip.segments()[0];
            ip.is_loopback()
                || ip.is_unspecified()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80 // link-local
                || ip.to_ipv4_mapped().is_some_and(v4)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn redirects_to_internal_hosts_and_downgrades_are_refused_unless_allowed() {
        let strict = RedirectRules::default();
        let from = u("https://indico.example.org/export/1.json?ak=k");
        assert_eq!(
            check_redirect(Some(&from), &u("https://cdn.example.net/1.json"), strict),
            Ok(())
        );
        for internal in [
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://localhost/x",
            "https://db.internal/x",
            "https://printer.local/x",
        ] {
            let err = check_redirect(Some(&from), &u(internal), strict).unwrap_err();
            assert!(err.contains("internal address"), "{internal}: {err}");
            assert_eq!(
                check_redirect(
                    Some(&from),
                    &u(internal),
                    RedirectRules {
                        allow_private: true,
                        allow_insecure: false
                    }
                ),
                Ok(()),
                "{internal}"
            );
        }
        let down = u("http://cdn.example.net/1.json?token=t0k");
        let err = check_redirect(Some(&from), &down, strict).unwrap_err();
        assert!(err.contains("https to plain http"), "{err}");
        assert!(!err.contains("t0k"), "{err}");
        assert_eq!(
            check_redirect(
                Some(&from),
                &down,
                RedirectRules {
                    allow_private: false,
                    allow_insecure: true
                }
            ),
            Ok(())
        );
        // http → http to a public host is what it was.
        assert_eq!(
            check_redirect(Some(&u("http://a.example/")), &down, strict),
            Ok(())
        );
        assert!(check_redirect(Some(&from), &u("file:///etc/passwd"), strict).is_err());
    }
}
