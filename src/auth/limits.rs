//! Login rate limits: per client address in memory (governor; a per-instance limit is enough to
//! slow a brute force down), per e-mail address in the database (so instances agree), and the
//! one place that decides which address a request comes from.

use std::net::IpAddr;

use actix_web::HttpRequest;
use chrono::{DateTime, Duration, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::store;
use crate::config::AuthSettings;
use crate::db::Db;
use crate::error::AppError;

/// The limits of one instance.
pub struct LoginLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    trusted: Vec<IpAddr>,
    failures_per_email: i64,
    window: Duration,
}

impl LoginLimits {
    /// Limits as configured.
    pub fn new(auth: &AuthSettings) -> Self {
        Self {
            per_ip: RateLimiter::keyed(Quota::per_minute(auth.attempts_per_ip_per_minute)),
            trusted: auth.trusted_proxies.clone(),
            failures_per_email: i64::from(auth.failures_per_email),
            window: Duration::from_std(auth.failure_window).unwrap_or(Duration::minutes(15)),
        }
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    /// address of `X-Forwarded-For` that is not a trusted proxy itself. A header from anyone
    /// else is ignored, so a client cannot pick its own address.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusted.contains(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|a| !self.trusted.contains(a))
                .unwrap_or(peer),
        )
    }

    /// Counts one login attempt from the request's address; 429 once the minute's quota is
    /// used up.
    pub fn attempt(&self, req: &HttpRequest) -> Result<(), AppError> {
        let Some(ip) = self.client_ip(req) else {
            return Ok(());
        };
        if self.per_ip.len() > 100_000 {
            self.per_ip.retain_recent();
        }
        self.per_ip.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs() + 1,
            }
        })
    }

    /// 429 when `email` has used up its failed logins in the current window.
    pub async fn email_allowed(
        &self,
        db: &Db,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let (failures, start) = store::failures(db, email, self.window, now).await?;
        if failures >= self.failures_per_email {
            let left = (start + self.window - now).num_seconds().max(1);
            return Err(AppError::TooManyRequests {
                retry_after_secs: left as u64,
            });
        }
        Ok(())
    }

    /// Counts a failed login for `email`.
    pub async fn failed(&self, db: &Db, email: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        store::record_failure(db, email, self.window, now).await?;
        Ok(())
    }
}
