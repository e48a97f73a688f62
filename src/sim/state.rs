//! In-memory state of the simulated BBB server.
//!
//! One [`SimState`] stands in for one bbb-web: meetings keyed by meetingID,
//! their attendees, and the pending client sessions created by join. It is
//! plain data plus the lifecycle rules (expiry of empty meetings, attendee
//! counts); the HTTP layer in `api.rs`/`control.rs` holds it behind a mutex.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use sha1::{Digest, Sha1};

use crate::bbb::Role;

/// A connected user.
#[derive(Clone, Debug)]
pub(crate) struct SimAttendee {
    pub user_id: String,
    pub full_name: String,
    pub role: Role,
    pub is_presenter: bool,
    pub listen_only: bool,
    pub voice: bool,
    pub video: bool,
    pub client_type: String,
    /// userdata-* of the join, shown as `<customdata>`.
    pub custom: Vec<(String, String)>,
    /// Session token of the browser that connected, if any.
    pub session_token: Option<String>,
}

/// A meeting in memory.
#[derive(Clone, Debug)]
pub(crate) struct SimMeeting {
    pub meeting_id: String,
    pub name: String,
    pub internal_id: String,
    pub create_time: i64,
    pub create_date: String,
    pub start_time: i64,
    pub voice_bridge: u32,
    pub dial_number: String,
    pub attendee_pw: String,
    pub moderator_pw: String,
    pub duration: u32,
    pub max_users: u32,
    pub record: bool,
    pub logout_url: Option<String>,
    /// Removal if nobody joined (`meetingExpireIfNoUserJoinedInMinutes`).
    pub expire_if_no_user_joined: Duration,
    /// Removal after the last user left
    /// (`meetingExpireWhenLastUserLeftInMinutes`).
    pub expire_when_last_user_left: Duration,
    pub has_user_joined: bool,
    pub attendees: Vec<SimAttendee>,
    pub metadata: BTreeMap<String, String>,
    pub created_at: Instant,
    pub last_left_at: Option<Instant>,
    /// Set by `end`: when, for removal after the linger time.
    pub ended_at: Option<Instant>,
    /// `endTime`, epoch ms, 0 while not ended.
    pub end_time: i64,
}

impl SimMeeting {
    /// Running means someone is connected.
    pub fn running(&self) -> bool {
        !self.attendees.is_empty()
    }

    /// True after `end` (until removal).
    pub fn forcibly_ended(&self) -> bool {
        self.ended_at.is_some()
    }

    pub fn count(&self, f: impl Fn(&SimAttendee) -> bool) -> usize {
        self.attendees.iter().filter(|a| f(a)).count()
    }

    /// True if a join as `user_id` would exceed `maxParticipants`, by
    /// bbb-web 3.0's `hasReachedMaxParticipants`: 0 disables the limit;
    /// everybody connected counts (moderators too), once per distinct
    /// external userID; a userID already connected may rejoin. Users who
    /// only called join and have not connected yet do not count.
    pub fn is_full_for(&self, user_id: Option<&str>) -> bool {
        if self.max_users == 0 {
            return false;
        }
        if user_id.is_some_and(|u| self.attendees.iter().any(|a| a.user_id == u)) {
            return false;
        }
        let unique: std::collections::BTreeSet<&str> =
            self.attendees.iter().map(|a| a.user_id.as_str()).collect();
        unique.len() >= self.max_users as usize
    }
}

/// A join that has not (or has) been opened by the browser yet.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub meeting_id: String,
    pub create_time: i64,
    pub user_id: String,
    pub full_name: String,
    pub role: Role,
    pub custom: Vec<(String, String)>,
}

/// Parameters of a new meeting (already validated).
pub(crate) struct NewMeeting {
    pub meeting_id: String,
    pub name: String,
    pub attendee_pw: Option<String>,
    pub moderator_pw: Option<String>,
    pub voice_bridge: Option<u32>,
    pub dial_number: Option<String>,
    pub duration: u32,
    pub max_users: u32,
    pub record: bool,
    pub logout_url: Option<String>,
    /// Per-meeting expiry (BBB 2.5+ create parameters); `None` = the
    /// server default.
    pub expire_if_no_user_joined: Option<Duration>,
    pub expire_when_last_user_left: Option<Duration>,
    pub metadata: BTreeMap<String, String>,
}

/// Server-wide lifecycle defaults (bigbluebutton.properties).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifecycle {
    /// `meetingExpireIfNoUserJoinedInMinutes` default.
    pub no_user_joined: Duration,
    /// `meetingExpireWhenLastUserLeftInMinutes` default.
    pub last_user_left: Duration,
}

/// Outcome of a create on an existing meetingID.
pub(crate) enum CreateOutcome {
    Created,
    Duplicate,
    IdNotUnique,
}

/// The whole server state.
#[derive(Debug, Default)]
pub(crate) struct SimState {
    pub meetings: BTreeMap<String, SimMeeting>,
    pub sessions: HashMap<String, Session>,
    /// How far tests moved the lifecycle clock ahead of the monotonic clock
    /// ([`SimState::advance`]); zero in production.
    pub skew: Duration,
}

/// Random lowercase alphanumerics (BBB tokens).
pub(crate) fn random_lower(n: usize) -> String {
    Alphanumeric
        .sample_string(&mut rand::thread_rng(), n)
        .to_ascii_lowercase()
}

/// Random alphanumerics (generated passwords).
pub(crate) fn random_alnum(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), n)
}

/// Epoch milliseconds now.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SimState {
    /// The instant the lifecycle rules decide by: the monotonic clock plus
    /// whatever tests advanced it by.
    pub fn now(&self) -> Instant {
        Instant::now() + self.skew
    }

    /// Moves the lifecycle clock forward by `by` (tests: expiry without
    /// sleeping).
    pub fn advance(&mut self, by: Duration) {
        self.skew += by;
    }

    /// Drops meetings nobody joined within their
    /// `expire_if_no_user_joined`, whose last user left more than their
    /// `expire_when_last_user_left` ago, or that ended more than `linger`
    /// ago. Called lazily on every request.
    pub fn expire(&mut self, linger: Duration) {
        let now = self.now();
        let gone: Vec<String> = self
            .meetings
            .values()
            .filter(|m| {
                if let Some(t) = m.ended_at {
                    return now.duration_since(t) >= linger;
                }
                if !m.attendees.is_empty() {
                    return false;
                }
                match (m.has_user_joined, m.last_left_at) {
                    (false, _) => now.duration_since(m.created_at) >= m.expire_if_no_user_joined,
                    (true, Some(t)) => now.duration_since(t) >= m.expire_when_last_user_left,
                    (true, None) => false,
                }
            })
            .map(|m| m.meeting_id.clone())
            .collect();
        for id in gone {
            self.remove_meeting(&id);
        }
    }

    /// Removes a meeting and every session pointing to it.
    pub fn remove_meeting(&mut self, meeting_id: &str) -> Option<SimMeeting> {
        let m = self.meetings.remove(meeting_id)?;
        self.sessions.retain(|_, s| s.meeting_id != meeting_id);
        Some(m)
    }

    /// Finds a meeting by meetingID or internalMeetingID (BBB 2.4+).
    pub fn find_key(&self, id: &str) -> Option<String> {
        if self.meetings.contains_key(id) {
            return Some(id.to_owned());
        }
        self.meetings
            .values()
            .find(|m| m.internal_id == id)
            .map(|m| m.meeting_id.clone())
    }

    /// Ends a meeting: everybody is disconnected, its sessions dropped,
    /// and it stays visible as forcibly ended until [`SimState::expire`]
    /// removes it.
    pub fn end_meeting(&mut self, meeting_id: &str) {
        let now = self.now();
        if let Some(m) = self.meetings.get_mut(meeting_id) {
            if m.ended_at.is_none() {
                m.ended_at = Some(now);
                m.end_time = now_ms();
                m.attendees.clear();
            }
        }
        self.sessions.retain(|_, s| s.meeting_id != meeting_id);
    }

    /// Creates a meeting or decides between duplicateWarning/idNotUnique.
    /// A create on a forcibly ended meeting starts a new session.
    pub fn create(&mut self, req: NewMeeting, defaults: Lifecycle) -> (CreateOutcome, SimMeeting) {
        if self
            .meetings
            .get(&req.meeting_id)
            .is_some_and(SimMeeting::forcibly_ended)
        {
            self.remove_meeting(&req.meeting_id);
        }
        if let Some(existing) = self.meetings.get(&req.meeting_id) {
            let same =
                |given: &Option<String>, have: &str| given.as_deref().is_none_or(|g| g == have);
            let outcome = if same(&req.attendee_pw, &existing.attendee_pw)
                && same(&req.moderator_pw, &existing.moderator_pw)
            {
                CreateOutcome::Duplicate
            } else {
                CreateOutcome::IdNotUnique
            };
            return (outcome, existing.clone());
        }
        let create_time = now_ms();
        let internal_id = format!(
            "{}-{}",
            hex::encode(Sha1::digest(req.meeting_id.as_bytes())),
            create_time
        );
        let voice_bridge = req.voice_bridge.unwrap_or_else(|| self.free_voice_bridge());
        let meeting = SimMeeting {
            meeting_id: req.meeting_id.clone(),
            name: req.name,
            internal_id,
            create_time,
            create_date: chrono::DateTime::from_timestamp_millis(create_time)
                .unwrap_or_default()
                .format("%a %b %d %H:%M:%S UTC %Y")
                .to_string(),
            // Real BBB sets startTime some 30-50 ms after createTime.
            start_time: create_time + 37,
            voice_bridge,
            dial_number: req.dial_number.unwrap_or_else(|| "613-555-1234".to_owned()),
            attendee_pw: req.attendee_pw.unwrap_or_else(|| random_alnum(8)),
            moderator_pw: req.moderator_pw.unwrap_or_else(|| random_alnum(8)),
            duration: req.duration,
            max_users: req.max_users,
            record: req.record,
            logout_url: req.logout_url,
            expire_if_no_user_joined: req
                .expire_if_no_user_joined
                .unwrap_or(defaults.no_user_joined),
            expire_when_last_user_left: req
                .expire_when_last_user_left
                .unwrap_or(defaults.last_user_left),
            has_user_joined: false,
            attendees: Vec::new(),
            metadata: req.metadata,
            created_at: self.now(),
            last_left_at: None,
            ended_at: None,
            end_time: 0,
        };
        self.meetings.insert(req.meeting_id, meeting.clone());
        (CreateOutcome::Created, meeting)
    }

    fn free_voice_bridge(&self) -> u32 {
        let mut rng = rand::thread_rng();
        loop {
            let vb = rng.gen_range(10000..=99999);
            if !self.meetings.values().any(|m| m.voice_bridge == vb) {
                return vb;
            }
        }
    }

    /// Adds a connected attendee; returns false if the meeting is gone.
    pub fn connect(&mut self, meeting_id: &str, attendee: SimAttendee) -> bool {
        let Some(m) = self
            .meetings
            .get_mut(meeting_id)
            .filter(|m| !m.forcibly_ended())
        else {
            return false;
        };
        m.has_user_joined = true;
        m.last_left_at = None;
        m.attendees.push(attendee);
        true
    }

    /// Removes an attendee by a predicate; returns true if one was removed.
    pub fn disconnect(&mut self, meeting_id: &str, f: impl Fn(&SimAttendee) -> bool) -> bool {
        let now = self.now();
        let Some(m) = self.meetings.get_mut(meeting_id) else {
            return false;
        };
        let before = m.attendees.len();
        m.attendees.retain(|a| !f(a));
        let removed = m.attendees.len() != before;
        if removed && m.attendees.is_empty() {
            m.last_left_at = Some(now);
        }
        removed
    }
}
