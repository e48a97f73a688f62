//! Who may do what: the one function that decides.
//!
//! Pages, handlers and navigation links all ask [`decide`] (directly, or through the typed
//! extractors in `auth::guard`), so no handler carries its own role check and a menu never
//! offers what the handler would refuse. The decision is pure: the user, the action with what it
//! concerns, and the instant. It knows nothing of HTTP.
//!
//! | action                | anonymous      | guest                          | admin           |
//! |-----------------------|----------------|--------------------------------|-----------------|
//! | join a hackroom       | login          | viewer                         | moderator       |
//! | join a session room   | login (window) | viewer, within the join window | moderator, any time before the session ends |
//! | join a private room   | denied         | denied                         | moderator       |
//! | staff pages (status)  | login          | denied                         | allowed         |
//! | manage the schedule   | login          | denied                         | allowed         |
//! | manage servers (drain, move rooms, end meetings) | login | denied         | allowed         |

use chrono::{DateTime, Utc};

use crate::auth::user::{SessionUser, UserRole};
use crate::bbb::Role;
use crate::rooms::model::{JoinWindow, Room, RoomKind};

/// A scheduled session as far as access is concerned: when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// Something a visitor wants to do.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Enter a room's meeting; `sessions` are the room's scheduled sessions around now.
    JoinRoom {
        /// The room.
        room: &'a Room,
        /// Its sessions (only session rooms look at them).
        sessions: &'a [Slot],
    },
    /// See the staff pages (status dashboard).
    SeeStaffPages,
    /// Upload or re-import the schedule.
    ManageSchedule,
    /// Change server states, move rooms, start and end meetings from the dashboard.
    ManageServers,
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
    /// A logged-in guest would be allowed: log in first.
    LoginRequired,
    /// Only the conference staff may.
    StaffOnly,
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

fn role_of(user: Option<&SessionUser>) -> Option<UserRole> {
    user.map(|u| u.role)
}

/// Decides whether `user` (None: not logged in) may do `action` at `now`.
///
/// For an anonymous visitor the answer is computed as for a guest: when a guest would be
/// allowed, the answer is [`Denied::LoginRequired`]; otherwise the guest's own refusal.
pub fn decide(
    user: Option<&SessionUser>,
    action: Action<'_>,
    window: JoinWindow,
    now: DateTime<Utc>,
) -> Result<Allowed, Denied> {
    let role = role_of(user);
    let is_admin = role == Some(UserRole::Admin);
    let outcome = match action {
        Action::SeeStaffPages | Action::ManageSchedule | Action::ManageServers => {
            if is_admin {
                Ok(Allowed::Yes)
            } else {
                Err(Denied::StaffOnly)
            }
        }
        Action::JoinRoom { room, sessions } => {
            if is_admin {
                Ok(Allowed::Join(Role::Moderator))
            } else {
                match room.kind {
                    RoomKind::Hack => Ok(Allowed::Join(Role::Viewer)),
                    RoomKind::Private => Err(Denied::PrivateRoom {
                        room: room.name.clone(),
                    }),
                    RoomKind::Session => {
                        if sessions.iter().any(|s| window.is_open(s.start, s.end, now)) {
                            Ok(Allowed::Join(Role::Viewer))
                        } else {
                            Err(Denied::RoomClosed {
                                room: room.name.clone(),
                                opens_at: sessions
                                    .iter()
                                    .filter(|s| s.end > now)
                                    .map(|s| window.opens_at(s.start))
                                    .min(),
                            })
                        }
                    }
                }
            }
        }
    };
    match (role, outcome) {
        (None, Ok(_)) => Err(Denied::LoginRequired),
        (None, Err(Denied::StaffOnly)) => Err(Denied::LoginRequired),
        (_, other) => other,
    }
}

/// Whether a page should offer the Join button for a session of `room` running `slot`: the
/// visitor may join, or could after logging in.
pub fn offers_join(
    user: Option<&SessionUser>,
    room: &Room,
    slot: Slot,
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
        // Admins may open a room any time before its session ends; the button shows then.
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

/// Whether navigation should link the staff pages.
pub fn sees_staff_pages(user: Option<&SessionUser>, now: DateTime<Utc>) -> bool {
    decide(user, Action::SeeStaffPages, JoinWindow::default(), now).is_ok()
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
        SessionUser {
            id: "u".into(),
            name: "U".into(),
            role,
        }
    }

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 14, h, m, 0).unwrap()
    }

    #[test]
    fn every_role_gets_exactly_what_the_table_says() {
        let guest = user(UserRole::Guest);
        let admin = user(UserRole::Admin);
        let talk = [Slot {
            start: t(10, 0),
            end: t(10, 45),
        }];
        let w = JoinWindow::default();
        let join = |u: Option<&SessionUser>, kind, at| {
            decide(
                u,
                Action::JoinRoom {
                    room: &room(kind),
                    sessions: &talk,
                },
                w,
                at,
            )
        };
        use Allowed::*;
        use Denied::*;
        // Hackrooms: guests as viewers, admins as moderators, anonymous visitors log in.
        assert_eq!(
            join(Some(&guest), RoomKind::Hack, t(3, 0)),
            Ok(Join(Role::Viewer))
        );
        assert_eq!(
            join(Some(&admin), RoomKind::Hack, t(3, 0)),
            Ok(Join(Role::Moderator))
        );
        assert_eq!(join(None, RoomKind::Hack, t(3, 0)), Err(LoginRequired));
        // Private rooms: admins only, and anonymous visitors are not even sent to log in.
        assert!(matches!(
            join(Some(&guest), RoomKind::Private, t(10, 0)),
            Err(PrivateRoom { .. })
        ));
        assert!(matches!(
            join(None, RoomKind::Private, t(10, 0)),
            Err(PrivateRoom { .. })
        ));
        assert_eq!(
            join(Some(&admin), RoomKind::Private, t(10, 0)),
            Ok(Join(Role::Moderator))
        );
        // Session rooms: guests within the window (10 minutes before, until the end).
        assert_eq!(
            join(Some(&guest), RoomKind::Session, t(9, 50)),
            Ok(Join(Role::Viewer))
        );
        assert_eq!(
            join(Some(&guest), RoomKind::Session, t(9, 49)),
            Err(RoomClosed {
                room: "Room R".into(),
                opens_at: Some(t(9, 50))
            })
        );
        assert_eq!(
            join(Some(&guest), RoomKind::Session, t(10, 45)),
            Err(RoomClosed {
                room: "Room R".into(),
                opens_at: None
            })
        );
        assert_eq!(
            join(Some(&admin), RoomKind::Session, t(8, 0)),
            Ok(Join(Role::Moderator))
        );
        assert_eq!(join(None, RoomKind::Session, t(10, 0)), Err(LoginRequired));
        // Staff pages.
        for action in [
            Action::SeeStaffPages,
            Action::ManageSchedule,
            Action::ManageServers,
        ] {
            assert_eq!(decide(Some(&admin), action, w, t(1, 0)), Ok(Yes));
            assert_eq!(decide(Some(&guest), action, w, t(1, 0)), Err(StaffOnly));
            assert_eq!(decide(None, action, w, t(1, 0)), Err(LoginRequired));
        }
    }

    #[test]
    fn pages_offer_join_to_anonymous_visitors_only_where_a_guest_could_join() {
        let slot = Slot {
            start: t(10, 0),
            end: t(10, 45),
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
}
