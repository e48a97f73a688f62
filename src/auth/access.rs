//! Who may do what: the one function that decides.
//!
//! Pages, handlers and navigation links all ask [`decide`] (directly, or through the typed
//! extractors in `auth::guard`), so no handler carries its own role check and a menu never
//! offers what the handler would refuse. The decision is pure: the user, the action with what it
//! concerns, and the instant. It knows nothing of HTTP, sessions or guest mode (a guest whose
//! mode was switched off never reaches it: the session layer drops them).
//!
//! | action                 | anonymous | guest, attendee          | moderator | track moderator / speaker      | staff     | admin     |
//! |------------------------|-----------|--------------------------|-----------|--------------------------------|-----------|-----------|
//! | join a hackroom        | login     | viewer                   | moderator | (as their role)                | moderator | moderator |
//! | join a session room    | login     | viewer, in the join window | viewer, in the window | moderator, in the window of *their* session | moderator until the end | moderator until the end |
//! | join a private room    | denied    | denied                   | denied    | denied                         | moderator | moderator |
//! | end a room's meeting   | login     | denied                   | hackrooms | denied                         | any room  | any room  |
//! | staff pages (status)   | login     | denied                   | denied    | denied                         | allowed   | allowed   |
//! | schedule, guests, users| login     | denied                   | denied    | denied                         | denied    | allowed   |
//! | servers (drain, move)  | login     | denied                   | denied    | denied                         | denied    | allowed   |
//! | unpublished recordings | login     | denied                   | denied    | denied                         | allowed   | allowed   |
//! | keep a calendar feed   | login     | login (guest), allowed   | allowed   | allowed                        | allowed   | allowed   |
//! | agenda join link       | —         | —, viewer in the window  | viewer, in the window | viewer, in the window  | login     | login     |
//!
//! The agenda join link is the one principal that is not the visitor: whoever holds the link
//! acts for the link's owner (the user asked about), in that one session only, always as a
//! viewer, and never for staff or admins (who log in and join as themselves).
//!
//! A track moderator is a person whose `tracks` name the running session's track; a speaker is
//! a registered person whose `speaker_of` names the session's guid or one of its persons exactly
//! as the schedule writes it. Guests are never either, whatever name they type.

use chrono::{DateTime, Utc};

use crate::auth::user::{SessionUser, UserRole};
use crate::bbb::Role;
use crate::rooms::model::{JoinWindow, Room, RoomKind};

/// A scheduled session as far as access is concerned: when it runs, and who runs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot<'a> {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// The schedule's track.
    pub track: Option<&'a str>,
    /// The schedule's guid.
    pub guid: Option<&'a str>,
    /// Speaker names as the schedule writes them.
    pub persons: &'a [String],
}

/// Something a visitor wants to do.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Enter a room's meeting; `sessions` are the room's scheduled sessions around now.
    JoinRoom {
        /// The room.
        room: &'a Room,
        /// Its sessions (only session rooms look at them).
        sessions: &'a [Slot<'a>],
    },
    /// End a room's running meeting for everyone.
    EndMeeting {
        /// The room.
        room: &'a Room,
    },
    /// See the staff pages (status dashboard).
    SeeStaffPages,
    /// Upload or re-import the schedule.
    ManageSchedule,
    /// Switch guest mode on or off.
    ManageGuests,
    /// See the registration list, end someone's sessions.
    ManageUsers,
    /// Change server states, move rooms, start and end meetings from the dashboard.
    ManageServers,
    /// See recordings BBB has not published (yet) in session and room lists.
    ViewUnpublishedRecordings,
    /// Keep a personal calendar feed (`/agenda/<token>.ics`): registered accounts only.
    KeepCalendarFeed,
    /// The holder of a personal agenda join link enters the one session it names, on behalf
    /// of the link's owner (the user asked about).
    JoinWithAgendaLink {
        /// The session's room.
        room: &'a Room,
        /// The session.
        session: Slot<'a>,
    },
}

/// What the visitor is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// Join, with this BBB role.
    Join(Role),
    /// See or do it.
    Yes,
}

/// Why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// A logged-in user might be allowed: log in first.
    LoginRequired,
    /// Only the conference staff may.
    StaffOnly,
    /// Only admins may.
    AdminOnly,
    /// Only moderators (of this kind of room) may.
    ModeratorOnly,
    /// The room is private (staff room, green room).
    PrivateRoom {
        /// Its display name.
        room: String,
    },
    /// A session room with no session in its join window.
    RoomClosed {
        /// Its display name.
        room: String,
        /// When it opens next, if a session is coming.
        opens_at: Option<DateTime<Utc>>,
    },
}

/// Whether `user` moderates `slot`: its track moderator or one of its speakers.
fn runs(user: &SessionUser, slot: &Slot<'_>) -> bool {
    if user.role == UserRole::Guest {
        return false;
    }
    let norm = |s: &str| s.trim().to_lowercase();
    let by_track = slot
        .track
        .is_some_and(|t| user.tracks.iter().any(|m| norm(m) == norm(t)));
    let by_guid = slot
        .guid
        .is_some_and(|g| user.speaker_of.iter().any(|s| s.trim() == g));
    let by_name = slot
        .persons
        .iter()
        .any(|p| user.speaker_of.iter().any(|s| s.trim() == p.trim()));
    by_track || by_guid || by_name
}

/// Decides whether `user` (None: not logged in) may do `action` at `now`.
///
/// For an anonymous visitor the answer is computed as for a guest: when a guest would be
/// allowed, the answer is [`Denied::LoginRequired`]; a page only some role may see also sends
/// them to log in; a private room stays a plain refusal.
pub fn decide(
    user: Option<&SessionUser>,
    action: Action<'_>,
    window: JoinWindow,
    now: DateTime<Utc>,
) -> Result<Allowed, Denied> {
    let role = user.map_or(UserRole::Guest, |u| u.role);
    let outcome = match action {
        Action::SeeStaffPages | Action::ViewUnpublishedRecordings => {
            if role >= UserRole::Staff {
                Ok(Allowed::Yes)
            } else {
                Err(Denied::StaffOnly)
            }
        }
        Action::ManageSchedule
        | Action::ManageGuests
        | Action::ManageUsers
        | Action::ManageServers => {
            if role == UserRole::Admin {
                Ok(Allowed::Yes)
            } else {
                Err(Denied::AdminOnly)
            }
        }
        Action::KeepCalendarFeed => {
            if user.is_some_and(|u| u.role != UserRole::Guest) {
                Ok(Allowed::Yes)
            } else {
                Err(Denied::LoginRequired)
            }
        }
        Action::JoinWithAgendaLink { room, session } => {
            if !holds_agenda_links(user) {
                // Staff and admins log in and join as themselves (as moderators).
                Err(Denied::LoginRequired)
            } else if room.kind == RoomKind::Private {
                Err(Denied::PrivateRoom {
                    room: room.name.clone(),
                })
            } else if window.is_open(session.start, session.end, now) {
                Ok(Allowed::Join(Role::Viewer))
            } else {
                Err(Denied::RoomClosed {
                    room: room.name.clone(),
                    opens_at: (session.end > now).then(|| window.opens_at(session.start)),
                })
            }
        }
        Action::EndMeeting { room } => match (role, room.kind) {
            (UserRole::Staff | UserRole::Admin, _) => Ok(Allowed::Yes),
            (UserRole::Moderator, RoomKind::Hack) => Ok(Allowed::Yes),
            _ => Err(Denied::ModeratorOnly),
        },
        Action::JoinRoom { room, sessions } => {
            if role >= UserRole::Staff {
                Ok(Allowed::Join(Role::Moderator))
            } else {
                match room.kind {
                    RoomKind::Hack if role == UserRole::Moderator => {
                        Ok(Allowed::Join(Role::Moderator))
                    }
                    RoomKind::Hack => Ok(Allowed::Join(Role::Viewer)),
                    RoomKind::Private => Err(Denied::PrivateRoom {
                        room: room.name.clone(),
                    }),
                    RoomKind::Session => {
                        let mut open = sessions
                            .iter()
                            .filter(|s| window.is_open(s.start, s.end, now))
                            .peekable();
                        if open.peek().is_none() {
                            Err(Denied::RoomClosed {
                                room: room.name.clone(),
                                opens_at: sessions
                                    .iter()
                                    .filter(|s| s.end > now)
                                    .map(|s| window.opens_at(s.start))
                                    .min(),
                            })
                        } else if user.is_some_and(|u| open.any(|s| runs(u, s))) {
                            Ok(Allowed::Join(Role::Moderator))
                        } else {
                            Ok(Allowed::Join(Role::Viewer))
                        }
                    }
                }
            }
        }
    };
    match (user, outcome) {
        (None, Ok(_)) => Err(Denied::LoginRequired),
        (None, Err(Denied::StaffOnly | Denied::AdminOnly | Denied::ModeratorOnly)) => {
            Err(Denied::LoginRequired)
        }
        (_, other) => other,
    }
}

/// Whether a page should offer the Join button for a session of `room` running `slot`: the
/// visitor may join, or could after logging in.
pub fn offers_join(
    user: Option<&SessionUser>,
    room: &Room,
    slot: Slot<'_>,
    window: JoinWindow,
    now: DateTime<Utc>,
) -> bool {
    let admin_window_open = slot.end > now;
    match decide(
        user,
        Action::JoinRoom {
            room,
            sessions: &[slot],
        },
        window,
        now,
    ) {
        // Staff may open a room any time before its session ends; the button shows then.
        Ok(Allowed::Join(Role::Moderator)) => admin_window_open,
        Ok(_) | Err(Denied::LoginRequired) => true,
        Err(_) => false,
    }
}

/// Whether a page should offer the Join button of a room without sessions (hackroom, staff
/// room): the visitor may join, or could after logging in.
pub fn offers_open_room(user: Option<&SessionUser>, room: &Room, now: DateTime<Utc>) -> bool {
    room.kind != RoomKind::Session
        && matches!(
            decide(
                user,
                Action::JoinRoom {
                    room,
                    sessions: &[]
                },
                JoinWindow::default(),
                now
            ),
            Ok(_) | Err(Denied::LoginRequired)
        )
}

/// Whether `user`'s calendar feed carries personal join links: registered accounts below
/// staff (guests have no feed; staff and admins join from their own login, as moderators).
pub fn holds_agenda_links(user: Option<&SessionUser>) -> bool {
    user.is_some_and(|u| u.role != UserRole::Guest && !u.role.is_privileged())
}

/// Whether navigation should link the staff pages.
pub fn sees_staff_pages(user: Option<&SessionUser>, now: DateTime<Utc>) -> bool {
    decide(user, Action::SeeStaffPages, JoinWindow::default(), now).is_ok()
}

/// Whether navigation should link the schedule admin page (upload, pulls).
pub fn sees_schedule_admin(user: Option<&SessionUser>, now: DateTime<Utc>) -> bool {
    decide(user, Action::ManageSchedule, JoinWindow::default(), now).is_ok()
}

/// Whether recording lists include unpublished recordings for `user`.
pub fn sees_unpublished_recordings(user: Option<&SessionUser>, now: DateTime<Utc>) -> bool {
    decide(
        user,
        Action::ViewUnpublishedRecordings,
        JoinWindow::default(),
        now,
    )
    .is_ok()
}

/// Whether navigation should link the admin pages (users, guest mode).
pub fn sees_admin_pages(user: Option<&SessionUser>, now: DateTime<Utc>) -> bool {
    decide(user, Action::ManageUsers, JoinWindow::default(), now).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rooms::model::{RoomSlug, ServerName};
    use chrono::{Duration, TimeZone};

    fn room(kind: RoomKind) -> Room {
        Room {
            slug: RoomSlug::parse("r").unwrap(),
            name: "Room R".into(),
            kind,
            server: ServerName::parse("bbb1").unwrap(),
            schedule_rooms: vec![],
            chat_url: None,
            stream_url: None,
            max_participants: None,
        }
    }

    fn user(role: UserRole) -> SessionUser {
        SessionUser::new("u", "U", role)
    }

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 14, h, m, 0).unwrap()
    }

    /// Who is asking, in the order of the module's table.
    #[derive(Clone, Copy, Debug)]
    enum Who {
        Anon,
        Guest,
        Attendee,
        Moderator,
        TrackMod,
        Speaker,
        SpeakerByGuid,
        OtherTrackMod,
        GuestNamedLikeSpeaker,
        Staff,
        Admin,
    }

    /// Every kind of [`Who`], in the table's order.
    const EVERYONE: [Who; 11] = [
        Who::Anon,
        Who::Guest,
        Who::Attendee,
        Who::Moderator,
        Who::TrackMod,
        Who::Speaker,
        Who::SpeakerByGuid,
        Who::OtherTrackMod,
        Who::GuestNamedLikeSpeaker,
        Who::Staff,
        Who::Admin,
    ];

    fn person(who: Who) -> Option<SessionUser> {
        let mut u = match who {
            Who::Anon => return None,
            Who::Guest | Who::GuestNamedLikeSpeaker => user(UserRole::Guest),
            Who::Moderator => user(UserRole::Moderator),
            Who::Staff => user(UserRole::Staff),
            Who::Admin => user(UserRole::Admin),
            _ => user(UserRole::Attendee),
        };
        match who {
            Who::TrackMod => u.tracks = vec!["kernel ".into()],
            Who::OtherTrackMod => u.tracks = vec!["Toolchains".into()],
            Who::Speaker => u.speaker_of = vec!["Jörg Rödel".into()],
            Who::SpeakerByGuid => u.speaker_of = vec!["guid-1".into()],
            Who::GuestNamedLikeSpeaker => {
                u.name = "Jörg Rödel".into();
                u.speaker_of = vec!["Jörg Rödel".into()];
            }
            _ => {}
        }
        Some(u)
    }

    #[test]
    fn every_role_gets_exactly_what_the_table_says() {
        use Allowed::*;
        use Denied::*;
        let persons = vec!["Jörg Rödel".to_string()];
        let talk = [Slot {
            start: t(10, 0),
            end: t(10, 45),
            track: Some("Kernel"),
            guid: Some("guid-1"),
            persons: &persons,
        }];
        let w = JoinWindow::default();
        let (hack, session, private) = (
            room(RoomKind::Hack),
            room(RoomKind::Session),
            room(RoomKind::Private),
        );
        let v = Ok(Join(Role::Viewer));
        let m = Ok(Join(Role::Moderator));
        let closed = |opens| {
            Err(RoomClosed {
                room: "Room R".into(),
                opens_at: opens,
            })
        };
        let private_no = Err(PrivateRoom {
            room: "Room R".into(),
        });
        // who, hackroom, session room at 10:05, at 9:49 (before the window), at 8:00,
        // private room, end a hackroom, end a session room, staff pages, admin pages
        type Row = (
            Who,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
            Result<Allowed, Denied>,
        );
        let login = Err(LoginRequired);
        let table: Vec<Row> = vec![
            (
                Who::Anon,
                login.clone(),
                login.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                login.clone(),
                login.clone(),
                login.clone(),
                login.clone(),
            ),
            (
                Who::Guest,
                v.clone(),
                v.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::Attendee,
                v.clone(),
                v.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::Moderator,
                m.clone(),
                v.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Ok(Yes),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::TrackMod,
                v.clone(),
                m.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::Speaker,
                v.clone(),
                m.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::SpeakerByGuid,
                v.clone(),
                m.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::OtherTrackMod,
                v.clone(),
                v.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::GuestNamedLikeSpeaker,
                v.clone(),
                v.clone(),
                closed(Some(t(9, 50))),
                closed(Some(t(9, 50))),
                private_no.clone(),
                Err(ModeratorOnly),
                Err(ModeratorOnly),
                Err(StaffOnly),
                Err(AdminOnly),
            ),
            (
                Who::Staff,
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                Ok(Yes),
                Ok(Yes),
                Ok(Yes),
                Err(AdminOnly),
            ),
            (
                Who::Admin,
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                Ok(Yes),
                Ok(Yes),
                Ok(Yes),
                Ok(Yes),
            ),
        ];
        for (who, hackroom, now, early, morning, priv_, end_hack, end_session, staff, admin) in
            table
        {
            let u = person(who);
            let u = u.as_ref();
            let join = |r: &Room, at| {
                decide(
                    u,
                    Action::JoinRoom {
                        room: r,
                        sessions: &talk,
                    },
                    w,
                    at,
                )
            };
            assert_eq!(join(&hack, t(3, 0)), hackroom, "{who:?} hackroom");
            assert_eq!(join(&session, t(10, 5)), now, "{who:?} session room 10:05");
            assert_eq!(join(&session, t(9, 49)), early, "{who:?} session room 9:49");
            assert_eq!(
                join(&session, t(8, 0)),
                morning,
                "{who:?} session room 8:00"
            );
            assert_eq!(join(&private, t(10, 0)), priv_, "{who:?} private room");
            let end = |r| decide(u, Action::EndMeeting { room: r }, w, t(10, 0));
            assert_eq!(end(&hack), end_hack, "{who:?} end hackroom");
            assert_eq!(end(&session), end_session, "{who:?} end session room");
            assert_eq!(
                decide(u, Action::SeeStaffPages, w, t(1, 0)),
                staff,
                "{who:?} staff pages"
            );
            for action in [
                Action::ManageSchedule,
                Action::ManageGuests,
                Action::ManageUsers,
                Action::ManageServers,
            ] {
                assert_eq!(decide(u, action, w, t(1, 0)), admin, "{who:?} {action:?}");
            }
        }
        // After the session: nobody but staff gets in, and nothing opens again.
        let guest = person(Who::Guest);
        assert_eq!(
            decide(
                guest.as_ref(),
                Action::JoinRoom {
                    room: &session,
                    sessions: &talk
                },
                w,
                t(10, 45)
            ),
            closed(None)
        );
    }

    #[test]
    fn an_agenda_link_lets_its_holder_in_as_viewer_only_in_the_window_and_never_for_staff() {
        let talk = Slot {
            start: t(10, 0),
            end: t(10, 45),
            ..Slot::default()
        };
        let w = JoinWindow::default();
        let session = room(RoomKind::Session);
        let link = |who: Who, at| {
            decide(
                person(who).as_ref(),
                Action::JoinWithAgendaLink {
                    room: &session,
                    session: talk,
                },
                w,
                at,
            )
        };
        for who in [Who::Attendee, Who::Moderator, Who::TrackMod, Who::Speaker] {
            assert_eq!(
                link(who, t(10, 5)),
                Ok(Allowed::Join(Role::Viewer)),
                "{who:?}"
            );
            assert_eq!(
                link(who, t(8, 0)),
                Err(Denied::RoomClosed {
                    room: "Room R".into(),
                    opens_at: Some(t(9, 50))
                }),
                "{who:?}"
            );
            assert!(link(who, t(10, 45)).is_err(), "{who:?} after the end");
        }
        for who in [Who::Anon, Who::Guest, Who::Staff, Who::Admin] {
            assert_eq!(link(who, t(10, 5)), Err(Denied::LoginRequired), "{who:?}");
        }
        let private = room(RoomKind::Private);
        assert!(matches!(
            decide(
                person(Who::Attendee).as_ref(),
                Action::JoinWithAgendaLink {
                    room: &private,
                    session: talk
                },
                w,
                t(10, 5)
            ),
            Err(Denied::PrivateRoom { .. })
        ));
        let feed = |who| decide(person(who).as_ref(), Action::KeepCalendarFeed, w, t(1, 0));
        assert_eq!(feed(Who::Anon), Err(Denied::LoginRequired));
        assert_eq!(feed(Who::Guest), Err(Denied::LoginRequired));
        assert_eq!(feed(Who::Attendee), Ok(Allowed::Yes));
        assert_eq!(feed(Who::Staff), Ok(Allowed::Yes));
    }

    #[test]
    fn pages_offer_join_to_anonymous_visitors_only_where_a_guest_could_join() {
        let slot = Slot {
            start: t(10, 0),
            end: t(10, 45),
            ..Slot::default()
        };
        let w = JoinWindow::default();
        assert!(offers_join(
            None,
            &room(RoomKind::Session),
            slot,
            w,
            t(9, 55)
        ));
        assert!(!offers_join(
            None,
            &room(RoomKind::Session),
            slot,
            w,
            t(9, 0)
        ));
        assert!(!offers_join(
            None,
            &room(RoomKind::Private),
            slot,
            w,
            t(10, 0)
        ));
        let admin = user(UserRole::Admin);
        assert!(offers_join(
            Some(&admin),
            &room(RoomKind::Session),
            slot,
            w,
            t(9, 0)
        ));
        assert!(!offers_join(
            Some(&admin),
            &room(RoomKind::Session),
            slot,
            w,
            t(10, 45) + Duration::minutes(1)
        ));
    }

    #[test]
    fn only_staff_and_admins_see_unpublished_recordings() {
        use Who::*;
        let w = JoinWindow::default();
        for who in EVERYONE {
            let u = person(who);
            let got = decide(u.as_ref(), Action::ViewUnpublishedRecordings, w, t(10, 0));
            let want = match who {
                Staff | Admin => Ok(Allowed::Yes),
                Anon => Err(Denied::LoginRequired),
                _ => Err(Denied::StaffOnly),
            };
            assert_eq!(got, want, "{who:?}");
            assert_eq!(
                sees_unpublished_recordings(u.as_ref(), t(10, 0)),
                want.is_ok()
            );
        }
    }
}
