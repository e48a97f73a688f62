//! `GET /metrics`: Prometheus text for the BBB servers and for hallway itself, so operators
//! can alert on a dying server and on hallway's own join path with the tools they already run.
//!
//! Built on `prometheus-client` (maintained by the Prometheus project), never hand-written
//! text. Per-server series use the names of bigbluebutton-exporter where it has one, with a
//! `server` label added (the exporter runs once per server; hallway sees them all):
//!
//! | series | exporter name? | meaning |
//! |---|---|---|
//! | `bbb_api_up{server}` | yes | 1 when the last getMeetings answered |
//! | `bbb_meetings{server}` | yes | meetings |
//! | `bbb_meetings_participants{server}` | yes | participants |
//! | `bbb_meetings_listeners{server}` | yes | listen-only participants |
//! | `bbb_meetings_voice_participants{server}` | yes | participants with voice |
//! | `bbb_meetings_video_participants{server}` | yes | participants with a webcam |
//! | `bbb_api_latency_seconds{server}` | no (the exporter's is per call) | getMeetings latency histogram |
//! | `hallway_server_healthy{server}` | no | 1 unless hallway's hysteresis says DOWN |
//! | `hallway_joins_total{outcome}` | no | `POST /rooms/{slug}/join` by outcome: `redirected` (303), `refused` (4xx), `failed` (5xx) |
//! | `hallway_meeting_creates_total` | no | meetings hallway set out to create (joins and pre-warming) |
//! | `hallway_failovers_total` | no | rooms moved off a DOWN, disabled or draining server |
//! | `hallway_poll_duration_seconds` | no | one status round over every server |
//! | `hallway_http_requests_total{method,route,status}` | no | requests by route pattern |
//! | `hallway_http_request_duration_seconds{route}` | no | latency by route pattern |
//!
//! Routes are the matched patterns (`/rooms/{slug}/join`), never raw paths: admin-link tokens
//! stay out of the series and cardinality stays bounded.

use std::time::Duration;

use actix_web::dev::ServiceResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::status::health::Health;
use crate::status::snapshot::ServerStatus;

/// `server="bbb1"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServerLabel {
    /// Server name.
    pub server: String,
}

/// `outcome="…"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    /// The outcome.
    pub outcome: &'static str,
}

/// `method, route, status`. Static strings and a number: counting a request allocates
/// nothing.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// GET, POST, … (`other` for anything else, so clients cannot add series).
    pub method: &'static str,
    /// Route pattern.
    pub route: &'static str,
    /// Status code.
    pub status: u16,
}

/// `route`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    /// Route pattern.
    pub route: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 5 ms … ~20 s
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// Every series hallway exports, and the registry that encodes them. One per application.
pub struct Metrics {
    registry: Registry,
    up: Family<ServerLabel, Gauge>,
    healthy: Family<ServerLabel, Gauge>,
    meetings: Family<ServerLabel, Gauge>,
    participants: Family<ServerLabel, Gauge>,
    listeners: Family<ServerLabel, Gauge>,
    voice: Family<ServerLabel, Gauge>,
    video: Family<ServerLabel, Gauge>,
    api_latency: HistogramFamily<ServerLabel>,
    joins: Family<OutcomeLabel, Counter>,
    creates: Counter,
    failovers: Counter,
    poll_duration: Histogram,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: HistogramFamily<RouteLabel>,
    /// The three series a redirected join counts into, looked up in their families once: the
    /// join is the request that comes in storms, and each family lookup hashes its labels
    /// under a lock. Clones share the families' own series.
    join_redirected: std::sync::OnceLock<(Counter, Histogram, Counter)>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let m = Self {
            up: Family::default(),
            healthy: Family::default(),
            meetings: Family::default(),
            participants: Family::default(),
            listeners: Family::default(),
            voice: Family::default(),
            video: Family::default(),
            api_latency: Family::new_with_constructor(latency_histogram),
            joins: Family::default(),
            creates: Counter::default(),
            failovers: Counter::default(),
            poll_duration: Histogram::new(exponential_buckets(0.05, 2.0, 10)),
            http_requests: Family::default(),
            http_latency: Family::new_with_constructor(latency_histogram),
            join_redirected: std::sync::OnceLock::new(),
            registry: Registry::default(),
        };
        registry.register(
            "bbb_api_up",
            "1 when the server answered the last getMeetings",
            m.up.clone(),
        );
        registry.register(
            "hallway_server_healthy",
            "1 unless hallway's hysteresis counts the server DOWN",
            m.healthy.clone(),
        );
        registry.register("bbb_meetings", "Meetings on the server", m.meetings.clone());
        registry.register(
            "bbb_meetings_participants",
            "Participants in the server's meetings",
            m.participants.clone(),
        );
        registry.register(
            "bbb_meetings_listeners",
            "Listen-only participants",
            m.listeners.clone(),
        );
        registry.register(
            "bbb_meetings_voice_participants",
            "Participants with voice",
            m.voice.clone(),
        );
        registry.register(
            "bbb_meetings_video_participants",
            "Participants with a webcam",
            m.video.clone(),
        );
        registry.register(
            "bbb_api_latency_seconds",
            "getMeetings latency",
            m.api_latency.clone(),
        );
        registry.register(
            "hallway_joins",
            "Joins by outcome (redirected, refused, failed)",
            m.joins.clone(),
        );
        registry.register(
            "hallway_meeting_creates",
            "Meetings hallway set out to create (joins and pre-warming)",
            m.creates.clone(),
        );
        registry.register(
            "hallway_failovers",
            "Rooms moved off a DOWN, disabled or draining server",
            m.failovers.clone(),
        );
        registry.register(
            "hallway_poll_duration_seconds",
            "One status round over every server",
            m.poll_duration.clone(),
        );
        registry.register(
            "hallway_http_requests",
            "HTTP requests by method, route pattern and status",
            m.http_requests.clone(),
        );
        registry.register(
            "hallway_http_request_duration_seconds",
            "HTTP latency by route pattern",
            m.http_latency.clone(),
        );
        Self { registry, ..m }
    }

    /// The OpenMetrics text exposition, as prometheus-client writes it.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The classic Prometheus text format (0.0.4), for scrapers and tools that do not ask for
    /// OpenMetrics (promtool before 2.43, older Prometheus, curl).
    pub fn encode_classic(&self) -> String {
        openmetrics_to_classic(&self.encode())
    }

    /// Records one status round.
    pub fn observe_round(&self, servers: &[ServerStatus], round: Duration) {
        self.poll_duration.observe(round.as_secs_f64());
        for s in servers {
            let l = ServerLabel {
                server: s.name.clone(),
            };
            self.up.get_or_create(&l).set(i64::from(s.is_up()));
            self.healthy
                .get_or_create(&l)
                .set(i64::from(s.health != Health::Down));
            self.api_latency
                .get_or_create(&l)
                .observe(s.took_ms as f64 / 1000.0);
            let sum = |f: fn(&crate::bbb::Meeting) -> u32| -> i64 {
                s.meetings.iter().map(|m| i64::from(f(m))).sum()
            };
            self.meetings.get_or_create(&l).set(s.meetings.len() as i64);
            self.participants
                .get_or_create(&l)
                .set(sum(|m| m.participant_count));
            self.listeners
                .get_or_create(&l)
                .set(sum(|m| m.listener_count));
            self.voice
                .get_or_create(&l)
                .set(sum(|m| m.voice_participant_count));
            self.video.get_or_create(&l).set(sum(|m| m.video_count));
        }
    }

    /// Counts a meeting hallway set out to create.
    pub fn count_create(&self) {
        self.creates.inc();
    }

    /// Counts rooms moved by failover.
    pub fn count_failovers(&self, n: u64) {
        self.failovers.inc_by(n);
    }

    fn observe_http(&self, method: &'static str, route: &'static str, status: u16, took: Duration) {
        if route == JOIN_ROUTE && method == "POST" && status == 303 {
            let (requests, latency, joins) = self.join_redirected.get_or_init(|| {
                (
                    self.http_requests
                        .get_or_create(&HttpLabels {
                            method,
                            route,
                            status,
                        })
                        .clone(),
                    self.http_latency
                        .get_or_create(&RouteLabel { route })
                        .clone(),
                    self.joins
                        .get_or_create(&OutcomeLabel {
                            outcome: join_outcome(status),
                        })
                        .clone(),
                )
            });
            requests.inc();
            latency.observe(took.as_secs_f64());
            joins.inc();
            return;
        }
        self.http_requests
            .get_or_create(&HttpLabels {
                method,
                route,
                status,
            })
            .inc();
        self.http_latency
            .get_or_create(&RouteLabel { route })
            .observe(took.as_secs_f64());
        if route == JOIN_ROUTE && method == "POST" {
            self.joins
                .get_or_create(&OutcomeLabel {
                    outcome: join_outcome(status),
                })
                .inc();
        }
    }
}

/// The join's route pattern, as `rooms::handlers` registers it.
const JOIN_ROUTE: &str = "/rooms/{slug}/join";

/// A join's outcome label by its answer's status.
fn join_outcome(status: u16) -> &'static str {
    match status {
        300..=399 => "redirected",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// The method as a label: the standard ones by name, anything else as `other`.
fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Counts and times one answered request (`web::outer`, the outermost middleware, calls it):
/// by its route pattern, which the route that answered left on the request
/// (`web::routes::MatchedRoute`); `(unmatched)` for the 404 default service and for errors
/// raised before any route ran.
pub fn observe_response<B>(
    req_metrics: Option<&Metrics>,
    method: &actix_web::http::Method,
    res: &Result<ServiceResponse<B>, actix_web::Error>,
    took: Duration,
) {
    let Some(m) = req_metrics else {
        return;
    };
    let (status, route) = match res {
        Ok(r) => (
            r.status().as_u16(),
            r.request()
                .app_data::<crate::web::routes::MatchedRoute>()
                .map(|r| r.0),
        ),
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    m.observe_http(
        method_label(method),
        route.unwrap_or("(unmatched)"),
        status,
        took,
    );
}

/// Rewrites OpenMetrics text as classic Prometheus text: the same samples; counter families
/// are named with their `_total` suffix in `# HELP`/`# TYPE`, and `# UNIT`/`# EOF` go.
pub fn openmetrics_to_classic(open: &str) -> String {
    let counters: std::collections::HashSet<&str> = open
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(open.len());
    for line in open.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|p| {
            let rest = line.strip_prefix(p)?;
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            counters
                .contains(name)
                .then(|| format!("{p}{name}_total {tail}").trim_end().to_owned())
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod classic_tests {
    use super::openmetrics_to_classic;

    #[test]
    fn counters_are_named_with_their_total_suffix_and_openmetrics_markers_go() {
        let open = "# HELP hallway_creates Creates.\n# TYPE hallway_creates counter\n\
                    hallway_creates_total{server=\"bbb1\"} 3\n# HELP bbb_meetings Meetings.\n\
                    # TYPE bbb_meetings gauge\n# UNIT bbb_meetings meetings\nbbb_meetings 2\n# EOF\n";
        assert_eq!(
            openmetrics_to_classic(open),
            "# HELP hallway_creates_total Creates.\n# TYPE hallway_creates_total counter\n\
             hallway_creates_total{server=\"bbb1\"} 3\n# HELP bbb_meetings Meetings.\n\
             # TYPE bbb_meetings gauge\nbbb_meetings 2\n"
        );
    }
}
