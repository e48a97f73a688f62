//! A per-minute cache of rendered pages, and the conditional GET (`ETag`, `If-None-Match` →
//! 304) in front of it.
//!
//! The now page is what attendees keep open and reload; rendering it for a 1 000-session
//! schedule costs far more than sending it. A page whose content is a function of what its
//! [`PageKey`] holds can be served from here:
//!
//! - the visitor's whole [`Layout`] (user with role, tracks and talks, CSRF token, zone and its
//!   notice, the admin's preview box, path and query), so no visitor ever gets a page made
//!   for another session, zone or role;
//! - the instant the page shows, which the page rounds down to the real minute;
//! - the shared state it read, as the very `Arc`s it read (the schedule index, the poll
//!   snapshot), compared by identity: when the change feed swaps the schedule after an import
//!   on any instance (`AppState::refresh_once`) or a poll brings new counts, the key changes
//!   and the old entry is never hit again. The key keeps those `Arc`s alive, so an address
//!   cannot be reused by a newer snapshot while an entry still names it.
//!
//! Every entry belongs to one real minute; the first request of the next minute empties the
//! cache. A byte budget bounds it: when an insert would exceed it, the cache is emptied first
//! (pages are cheap to render again; a visitor's reloads within a minute are what it serves).
//!
//! The `ETag` is a hash of the bytes sent, so it is right by construction: a matching
//! `If-None-Match` gets a 304 whether the page came from the cache or was rendered again. It
//! is weak (`W/`), because compression may change the bytes on the wire. Pages stay
//! `Cache-Control: private, max-age=0`: the same URL answers differently after a login, a
//! logout or a zone change (cookies), so browsers must ask again every time; the ETag makes
//! that question cheap.

use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use actix_web::http::header::{self, EntityTag, HeaderValue, IfNoneMatch};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use crate::error::AppResult;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;

/// How many bytes of rendered pages one instance keeps.
pub const DEFAULT_BUDGET: usize = 16 * 1024 * 1024;

/// A piece of shared state a page was rendered from, compared by identity.
#[derive(Clone)]
pub struct Source(Arc<dyn Any + Send + Sync>);

impl Source {
    /// The `Arc` a page read.
    pub fn of<T: Any + Send + Sync>(a: &Arc<T>) -> Self {
        Self(a.clone())
    }

    fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.addr() == other.addr()
    }
}
impl Eq for Source {}
impl Hash for Source {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr().hash(state);
    }
}

/// Everything a cached page's content depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// Which page ("now").
    pub page: &'static str,
    /// The visitor's layout (user, CSRF token, zone, preview, path and query).
    pub layout: Layout,
    /// The instant the page shows.
    pub at: DateTime<Utc>,
    /// The real minute the page's join states were decided at (Unix minutes).
    pub minute: i64,
    /// Anything else the page's handler reads from the request.
    pub flags: u64,
    /// The shared state read, by identity (`None` for state that was absent, e.g. no poll yet).
    pub sources: Vec<Option<Source>>,
}

/// A rendered page and its validator.
pub struct Cached {
    /// The HTML.
    pub body: Bytes,
    /// `W/"…"`: a hash of `body`.
    pub etag: EntityTag,
}

struct Inner {
    minute: i64,
    bytes: usize,
    entries: HashMap<PageKey, Arc<Cached>>,
}

/// One instance's cache of rendered pages (`web::Data<PageCache>`).
pub struct PageCache {
    inner: Mutex<Inner>,
    budget: usize,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET)
    }
}

impl PageCache {
    /// A cache that keeps at most `budget` bytes of pages.
    pub fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                minute: i64::MIN,
                bytes: 0,
                entries: HashMap::new(),
            }),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The page for `key`, if this minute rendered it already.
    pub fn get(&self, key: &PageKey) -> Option<Arc<Cached>> {
        let mut inner = self.lock();
        if inner.minute != key.minute {
            inner.minute = key.minute;
            inner.bytes = 0;
            inner.entries.clear();
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps `body` for `key` (unless it alone exceeds the budget) and returns it with its
    /// validator.
    pub fn insert(&self, key: PageKey, body: Bytes) -> Arc<Cached> {
        let cached = Arc::new(Cached {
            etag: etag_of(&body),
            body,
        });
        let size = cached.body.len();
        if size > self.budget {
            return cached;
        }
        let mut inner = self.lock();
        if inner.minute != key.minute {
            inner.minute = key.minute;
            inner.bytes = 0;
            inner.entries.clear();
        }
        if inner.bytes + size > self.budget {
            inner.bytes = 0;
            inner.entries.clear();
        }
        if let Some(old) = inner.entries.insert(key, cached.clone()) {
            inner.bytes -= old.body.len();
        }
        inner.bytes += size;
        cached
    }

    /// Pages kept now (tests and the bench read it).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The Unix minute of `t` (what [`PageKey::minute`] holds).
pub fn unix_minute(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// `t` rounded down to its minute.
pub fn start_of_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_minute(t) * 60, 0).unwrap_or(t)
}

/// A 64-bit hash of the bytes (foldhash with a fixed seed: the same on every instance running
/// the same build, and several times faster than std's SipHash on a page) and their length.
fn etag_of(body: &[u8]) -> EntityTag {
    let h = foldhash::fast::FixedState::with_seed(0x6861_6c6c_7761_7921).hash_one(body);
    EntityTag::new_weak(format!("{h:016x}-{:x}", body.len()))
}

/// Answers a page through the cache: a 304 when `If-None-Match` names the page's validator,
/// else the page (rendered by `render` only when this minute has not rendered it yet for
/// this key).
pub fn respond(
    req: &HttpRequest,
    ctx: &PageCtx,
    cache: &PageCache,
    key: PageKey,
    render: impl FnOnce() -> AppResult<String>,
) -> AppResult<HttpResponse> {
    let cached = match cache.get(&key) {
        Some(c) => c,
        None => cache.insert(key, Bytes::from(render()?)),
    };
    let fresh = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&cached.etag)),
        None => false,
    };
    let mut resp = if fresh {
        let mut r = HttpResponse::NotModified();
        render::zone_cookie(ctx, &mut r);
        r.finish()
    } else {
        render::html(ctx, actix_web::http::StatusCode::OK, cached.body.clone())
    };
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&cached.etag.to_string()) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(crate::web::PAGE_CACHE_CONTROL),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::layout::Layout;

    fn key(minute: i64, here: &str, source: &Arc<u32>) -> PageKey {
        let mut layout = Layout::minimal();
        layout.here = here.into();
        PageKey {
            page: "now",
            layout,
            at: DateTime::from_timestamp(minute * 60, 0).unwrap(),
            minute,
            flags: 0,
            sources: vec![Some(Source::of(source))],
        }
    }

    #[test]
    fn entries_live_for_their_minute_their_sources_and_within_the_budget() {
        let cache = PageCache::new(10);
        let index = Arc::new(1u32);
        let newer = Arc::new(1u32);
        let a = cache.insert(key(1, "/", &index), Bytes::from_static(b"page a"));
        assert_eq!(cache.get(&key(1, "/", &index)).unwrap().etag, a.etag);
        // Equal content behind another Arc is another source: no hit.
        assert!(cache.get(&key(1, "/", &newer)).is_none());
        assert!(cache.get(&key(1, "/?tz=UTC", &index)).is_none());
        // Over the budget (10 bytes): emptied first.
        cache.insert(key(1, "/b", &index), Bytes::from_static(b"page b"));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&key(1, "/", &index)).is_none());
        // A new minute empties it.
        assert!(cache.get(&key(2, "/b", &index)).is_none());
        assert!(cache.is_empty());
        // The validator follows the bytes.
        let b = cache.insert(key(2, "/", &index), Bytes::from_static(b"page b"));
        assert_ne!(a.etag.tag(), b.etag.tag());
        assert!(b.etag.weak);
    }
}
