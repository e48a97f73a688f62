//! The route table: the one way a feature registers a route, and registering IS recording.
//!
//! actix has no public list of its registered routes, yet the authorization test must run over
//! every route (`tests/api/authz.rs`), and a route that slipped past that test would be a route
//! nobody checked. So every feature's `configure(&mut Routes)` registers through [`Routes`]:
//! each call names the method(s), the pattern, a one-line purpose and the handler, adds an actix
//! resource (when building the app) and a [`RouteInfo`] row (always). `crate::web::route_table`
//! runs the same `configure` functions without an app, so the table cannot disagree with what
//! is served; `tests/api/architecture.rs` fails when code outside this file registers a route
//! any other way.
//!
//! A route's resource is guarded by its methods exactly as actix's `#[get]` / `#[route]`
//! attribute macros do: a request with another method falls through to the next resource and
//! finally to the default service (404), rather than getting a 405 from the first pattern that
//! matches.

use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, Resource, Responder};

/// One registered route, as the authorization test reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// The methods it answers (`GET`, `HEAD`, `POST`); `*` for the default service.
    pub methods: Vec<&'static str>,
    /// The actix pattern, exactly as registered (`/sessions/{id:[0-9]{1,18}}`), or
    /// [`DEFAULT_PATTERN`] for the default service.
    pub pattern: &'static str,
    /// What it is for, in one line.
    pub purpose: &'static str,
}

impl RouteInfo {
    /// `GET|HEAD /schedule.xml`: how failure messages name the route.
    pub fn key(&self) -> String {
        format!("{} {}", self.methods.join("|"), self.pattern)
    }
}

/// The pattern of the route that answered a request: each resource carries it as data, so
/// the request metrics name a request by its route without matching the path a second time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchedRoute(pub &'static str);

/// The guard of a route's methods. actix's `guard::Method` also records, on every request it
/// looks at, the method it wanted (a `Vec` in the request's extensions, for the `Allow` header
/// of a 405), for each resource the router tries; hallway answers another method with the
/// default 404, so this guard only compares.
struct MethodIs(Vec<Method>);

impl guard::Guard for MethodIs {
    fn check(&self, ctx: &guard::GuardContext<'_>) -> bool {
        self.0.contains(&ctx.head().method)
    }
}

/// The pattern under which the default service (every unmatched request: 404) is listed.
pub const DEFAULT_PATTERN: &str = "(anything else)";

/// Registers routes on an app (or only records them, for [`crate::web::route_table`]).
pub struct Routes<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    table: Vec<RouteInfo>,
}

impl<'a> Routes<'a> {
    /// Registers on `cfg` and records.
    pub fn new(cfg: &'a mut web::ServiceConfig) -> Self {
        Self {
            cfg: Some(cfg),
            table: Vec::new(),
        }
    }

    /// Only records: what the app built with the same calls would serve.
    pub fn recording() -> Routes<'static> {
        Routes {
            cfg: None,
            table: Vec::new(),
        }
    }

    /// The recorded table.
    pub fn into_table(self) -> Vec<RouteInfo> {
        self.table
    }

    /// `GET pattern`.
    pub fn get<F, Args>(&mut self, pattern: &'static str, purpose: &'static str, f: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods(&["GET"], pattern, purpose, f)
    }

    /// `GET` and `HEAD pattern` (exports, feeds, crawler files: what caches and monitors probe).
    pub fn get_head<F, Args>(
        &mut self,
        pattern: &'static str,
        purpose: &'static str,
        f: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods(&["GET", "HEAD"], pattern, purpose, f)
    }

    /// `POST pattern`: a state-changing form; its handler checks the CSRF token by taking
    /// `auth::guard::Posted` or `PostedMultipart`.
    pub fn post<F, Args>(&mut self, pattern: &'static str, purpose: &'static str, f: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.methods(&["POST"], pattern, purpose, f)
    }

    /// What answers every request no route matched.
    pub fn default<F, Args>(&mut self, purpose: &'static str, f: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.default_service(web::to(f));
        }
        self.table.push(RouteInfo {
            methods: vec!["*"],
            pattern: DEFAULT_PATTERN,
            purpose,
        });
        self
    }

    fn methods<F, Args>(
        &mut self,
        methods: &'static [&'static str],
        pattern: &'static str,
        purpose: &'static str,
        f: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            let methods = methods
                .iter()
                .map(|m| Method::from_bytes(m.as_bytes()).expect("a method"))
                .collect();
            cfg.service(
                Resource::new(pattern)
                    .app_data(MatchedRoute(pattern))
                    .guard(MethodIs(methods))
                    .to(f),
            );
        }
        self.table.push(RouteInfo {
            methods: methods.to_vec(),
            pattern,
            purpose,
        });
        self
    }
}
