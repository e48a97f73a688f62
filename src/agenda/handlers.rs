//! The agenda's routes: starring (a plain form post, so it works without JavaScript),
//! `/agenda` (the starred sessions in the visitor's zone, with join states and overlaps), the
//! calendar feed `/agenda/<token>.ics`, making a new feed, and the personal join links the
//! feed carries (a confirm page, so link previewers join nobody, and the POST that joins).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::agenda::links::{self, JoinLink};
use crate::agenda::stars::{self, kept_in_db};
use crate::agenda::store;
use crate::auth::access::{self, Action, Allowed, Slot};
use crate::auth::guard::{check, refusal, Posted};
use crate::auth::handlers::Empty;
use crate::auth::people;
use crate::auth::user::SessionUser;
use crate::bbb::Role;
use crate::error::{AppError, AppResult};
use crate::rooms::handlers::enter;
use crate::rooms::meeting::target_for;
use crate::rooms::model::Room;
use crate::schedule::feeds::{export_data, ICS};
use crate::schedule::ical_export;
use crate::schedule::pages::common::{by_local_day, opens_note, DayGroup};
use crate::schedule::stored::StoredSession;
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::redirect::safe_next;
use crate::web::render::{self, see_other};
use crate::web::routes::Routes;

/// Registers the agenda's routes.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/agenda", "the visitor's starred sessions", agenda_page)
        .post("/agenda/star", "star or unstar a session", star)
        .post(
            "/agenda/feed",
            "a new personal calendar feed (revokes the old one)",
            new_feed,
        )
        .get(
            "/agenda/join/{link}",
            "a personal join link: the confirm page",
            join_confirm,
        )
        .post(
            "/agenda/join/{link}",
            "a personal join link: into its session as a viewer",
            join_with_link,
        )
        .get_head(
            "/agenda/{token}.ics",
            "a personal calendar feed (the token is the credential)",
            feed_ics,
        );
}

/// The star form.
#[derive(Deserialize)]
pub struct StarForm {
    /// The session.
    session: i64,
    /// "star" or "unstar".
    action: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /agenda/star`: stars or unstars a session, then back to where the form was.
pub async fn star(post: Posted<StarForm>) -> AppResult<HttpResponse> {
    let Posted { ctx, form } = post;
    let state = &ctx.state;
    let on = match form.action.as_str() {
        "star" => true,
        "unstar" => false,
        _ => return Err(AppError::BadRequest("Star or unstar?".into())),
    };
    if on && state.schedule.get().session(form.session).is_none() {
        return Err(AppError::NotFound);
    }
    let session = &ctx.session;
    let user = ctx.layout.user.as_ref();
    match user.filter(|u| kept_in_db(Some(u))) {
        Some(u) => {
            if on {
                if store::stars(&state.db, &u.id).await?.len() >= store::MAX_STARS {
                    return Err(too_many());
                }
                store::star(&state.db, &u.id, &[form.session], state.clock.now()).await?;
            } else {
                store::unstar(&state.db, &u.id, form.session).await?;
            }
            stars::sync_from_db(state, session, u).await?;
        }
        None => {
            let mut list = session.stars();
            if on {
                if list.len() >= store::MAX_STARS {
                    return Err(too_many());
                }
                list.push(form.session);
            } else {
                list.retain(|id| *id != form.session);
            }
            session.set_stars(&stars::tidy(list))?;
        }
    }
    Ok(see_other(&safe_next(form.next.as_deref())))
}

fn too_many() -> AppError {
    AppError::BadRequest(format!(
        "Your agenda holds at most {} sessions. Unstar some first.",
        store::MAX_STARS
    ))
}

/// Two starred sessions that overlap.
pub struct Overlap {
    /// The earlier one.
    pub first: String,
    /// The later one.
    pub second: String,
    /// When they overlap, in the visitor's zone ("10:30–10:45 (your time)").
    pub during: String,
}

/// The calendar feed part of the page.
pub struct FeedBox {
    /// The visitor may keep a feed (registered account).
    pub allowed: bool,
    /// They have one.
    pub active: bool,
    /// Just made: its URL, shown this once.
    pub new_url: Option<String>,
    /// Its events carry personal join links.
    pub join_links: bool,
}

/// `/agenda`.
#[derive(Template)]
#[template(path = "agenda/agenda.html")]
pub struct AgendaPage {
    /// Header.
    pub layout: Layout,
    /// The starred sessions under the visitor's days.
    pub days: Vec<DayGroup>,
    /// Overlapping pairs.
    pub overlaps: Vec<Overlap>,
    /// Stars are kept only in this browser (anonymous visitors and guests).
    pub browser_only: bool,
    /// The calendar feed.
    pub feed: FeedBox,
}

/// Pairs of `sessions` (sorted by start) that overlap in time.
pub fn overlapping<'s>(
    sessions: &[&'s StoredSession],
) -> Vec<(&'s StoredSession, &'s StoredSession)> {
    let mut out = Vec::new();
    for (i, a) in sessions.iter().enumerate() {
        for b in sessions[i + 1..].iter().take_while(|b| b.start < a.end) {
            out.push((*a, *b));
        }
    }
    out
}

/// `GET /agenda`.
pub async fn agenda_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let user = ctx.layout.user.clone();
    let mut layout = ctx.layout.clone();
    if let Some(u) = user.as_ref().filter(|u| kept_in_db(Some(u))) {
        // The database is the truth: this device catches up with stars made elsewhere.
        let fresh = stars::sync_from_db(state, &ctx.session, u).await?;
        if fresh != layout.agenda.stars {
            layout.agenda =
                stars::layout_box(&ctx.session, state, user.as_ref(), ctx.real_now, true);
        }
    }
    let index = state.schedule.get();
    let mut sessions: Vec<&StoredSession> = layout
        .agenda
        .stars
        .iter()
        .filter_map(|id| index.session(*id))
        .collect();
    sessions.sort_by_key(|s| (s.start, s.id));
    let times = ctx.times(ctx.shown_now);
    let overlaps = overlapping(&sessions)
        .into_iter()
        .map(|(a, b)| {
            let shown = times.range(b.start, a.end.min(b.end));
            Overlap {
                first: a.title.clone(),
                second: b.title.clone(),
                during: match shown.local {
                    Some(local) => format!("{local} (your time)"),
                    None => shown.utc,
                },
            }
        })
        .collect();
    let allowed = check(&ctx, Action::KeepCalendarFeed).is_ok();
    let active = match user.as_ref().filter(|_| allowed) {
        Some(u) => store::has_feed(&state.db, &u.id).await?,
        None => false,
    };
    let new_url = ctx
        .session
        .take_new_feed_token()
        .filter(|_| active)
        .map(|token| state.settings.public_link(&format!("/agenda/{token}.ics")));
    let page = AgendaPage {
        days: by_local_day(&ctx, &index, sessions.iter().copied()),
        overlaps,
        browser_only: !kept_in_db(user.as_ref()),
        feed: FeedBox {
            allowed,
            active,
            new_url,
            join_links: access::holds_agenda_links(user.as_ref()),
        },
        layout,
    };
    render::page(&ctx, &page)
}

/// `POST /agenda/feed`: a new calendar feed for the logged-in account; the old feed URL and
/// every join link it carried stop working. The new URL is shown once on `/agenda`.
pub async fn new_feed(post: Posted<Empty>) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    let state = &ctx.state;
    let user = match check(&ctx, Action::KeepCalendarFeed) {
        Ok(_) => ctx.layout.user.clone().ok_or(AppError::NotFound)?,
        Err(AppError::LoginRequired { .. }) => {
            return Err(AppError::LoginRequired {
                next: "/agenda".into(),
            })
        }
        Err(e) => return Err(e),
    };
    let (feed, token) = links::new_feed(&user.id);
    store::replace_feed(&state.db, &feed, state.clock.now()).await?;
    ctx.session.put_new_feed_token(&token)?;
    tracing::info!(user = %user.id, "agenda: new calendar feed");
    Ok(see_other("/agenda#calendar"))
}

/// The account a feed belongs to, as it is now: from the registration list (its roles may
/// have changed since the feed was made), else as it last logged in (an OpenID Connect
/// account's role comes from the provider at each login); `None` when it is known to neither.
async fn owner(state: &AppState, user_id: &str) -> AppResult<Option<SessionUser>> {
    if let Some(p) = crate::auth::store::person_by_id(&state.db, user_id).await? {
        return Ok(Some(people::session_user(&p)));
    }
    Ok(crate::auth::store::latest_login(&state.db, user_id)
        .await?
        .map(|(name, role)| SessionUser::new(user_id, name, role)))
}

/// `GET /agenda/{token}.ics`: the starred sessions of the token's owner, with personal join
/// links for attendees; 404 for any token that is not a live feed's.
pub async fn feed_ics(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let feed_id = links::feed_id_of(&token).ok_or(AppError::NotFound)?;
    let feed = store::feed_by_id(&state.db, feed_id)
        .await?
        .filter(|f| links::opens(f, &token))
        .ok_or(AppError::NotFound)?;
    let with_links = access::holds_agenda_links(owner(&state, &feed.user_id).await?.as_ref());
    let starred = store::stars(&state.db, &feed.user_id).await?;
    let (meta, index) = export_data(&state);
    let mut sessions: Vec<&StoredSession> =
        starred.iter().filter_map(|id| index.session(*id)).collect();
    sessions.sort_by_key(|s| (s.start, s.id));
    let location = |s: &StoredSession| {
        state
            .rooms
            .for_schedule_room(&s.room)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| s.room.clone())
    };
    let join = |s: &StoredSession| {
        (with_links && state.rooms.for_schedule_room(&s.room).is_some()).then(|| {
            state.settings.public_link(&format!(
                "/agenda/join/{}",
                links::join_link(&state.link_key, &feed, s.id)
            ))
        })
    };
    let name = format!("{}: my agenda", meta.title);
    let dtstamp = meta.imported_at.unwrap_or_default();
    let body = ical_export::calendar_with(&meta, &name, sessions, location, join, dtstamp);
    Ok(HttpResponse::Ok()
        .content_type(ICS)
        // Personal: no shared cache may keep it, and its URL must not leak onwards.
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body))
}

/// What a join link resolves to.
struct Resolved {
    owner: SessionUser,
    session: StoredSession,
    room: Room,
}

/// The live feed, its owner, the session and its room a join link names; 404 for anything
/// else (a forged, revoked or mangled link, an account that is gone, a session no longer in
/// the schedule).
async fn resolve(state: &AppState, raw: &str) -> AppResult<Resolved> {
    let link = JoinLink::parse(raw).ok_or(AppError::NotFound)?;
    let feed = store::feed_by_id(&state.db, link.feed_id)
        .await?
        .filter(|f| link.made_for(&state.link_key, f))
        .ok_or(AppError::NotFound)?;
    let owner = owner(state, &feed.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let index = state.schedule.get();
    let session = index
        .session(link.session_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let room = state
        .rooms
        .for_schedule_room(&session.room)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok(Resolved {
        owner,
        session,
        room,
    })
}

/// What access says about the link holder entering the link's session now.
fn decide_link(ctx: &PageCtx, r: &Resolved) -> Result<Role, AppError> {
    let s = &r.session;
    let slot = Slot {
        start: s.start,
        end: s.end,
        track: s.track.as_deref(),
        guid: s.guid.as_deref(),
        persons: &s.persons,
    };
    let action = Action::JoinWithAgendaLink {
        room: &r.room,
        session: slot,
    };
    let state = &ctx.state;
    match access::decide(Some(&r.owner), action, state.join_window, ctx.real_now) {
        Ok(Allowed::Join(role)) => Ok(role),
        Ok(Allowed::Yes) => Ok(Role::Viewer),
        Err(d) => Err(refusal(d, &format!("/sessions/{}", s.id), ctx.zone.tz)),
    }
}

/// The confirm page of a join link: link previewers and prefetchers only ever GET.
#[derive(Template)]
#[template(path = "agenda/join.html")]
pub struct JoinLinkPage {
    /// Header.
    pub layout: Layout,
    /// The link (posted back to itself).
    pub link: String,
    /// Session id.
    pub id: i64,
    /// Session title.
    pub title: String,
    /// Room name.
    pub room: String,
    /// Who BBB will show.
    pub name: String,
    /// When, in the visitor's zone.
    pub when: crate::web::time::Shown,
    /// The Join button is offered now.
    pub open: bool,
    /// Otherwise why not: "Opens at 09:50 (your time)", "Ended".
    pub note: String,
}

/// `GET /agenda/join/{link}`.
pub async fn join_confirm(ctx: PageCtx, link: web::Path<String>) -> AppResult<HttpResponse> {
    let r = resolve(&ctx.state, &link).await?;
    let times = ctx.times(r.session.start);
    let (open, note) = match decide_link(&ctx, &r) {
        Ok(_) => (true, String::new()),
        Err(AppError::RoomClosed { .. }) if r.session.end > ctx.real_now => (
            false,
            opens_note(&times, ctx.state.join_window.opens_at(r.session.start)),
        ),
        Err(AppError::RoomClosed { .. }) => (false, "This session has ended.".into()),
        Err(_) => (
            false,
            "This link cannot join this account; please log in and join from the session page."
                .into(),
        ),
    };
    let page = JoinLinkPage {
        layout: ctx.layout.clone(),
        link: link.into_inner(),
        id: r.session.id,
        title: r.session.title.clone(),
        room: r.room.name.clone(),
        name: r.owner.name.clone(),
        when: times.range(r.session.start, r.session.end),
        open,
        note,
    };
    let mut response = render::page(&ctx, &page)?;
    // The link is a credential: the Join click must not carry it to BBB as a referrer.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// `POST /agenda/join/{link}`: into the link's session as its owner, with the role access
/// gives the link holder (viewer), through the join path every Join button uses. Nobody is
/// logged in by it.
pub async fn join_with_link(
    link: web::Path<String>,
    post: Posted<Empty>,
) -> AppResult<HttpResponse> {
    let ctx = post.ctx;
    let r = resolve(&ctx.state, &link).await?;
    let role = decide_link(&ctx, &r)?;
    let state = &ctx.state;
    let target = target_for(
        state.rooms.meeting_prefix(),
        &r.room,
        &[&r.session],
        state.join_window,
        ctx.real_now,
    );
    let back = format!("/sessions/{}", r.session.id);
    let url = enter(&ctx, &r.room, &target, &r.owner, role, false, &back).await?;
    tracing::info!(user = %r.owner.id, session = r.session.id, "agenda: joined with a personal link");
    Ok(see_other(&url))
}
