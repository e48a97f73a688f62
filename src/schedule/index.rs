//! The stored schedule in memory: what the pages and the join check read, so neither costs a
//! database round trip.
//!
//! Built from the database at start and rebuilt whenever the `schedule` topic of the change
//! mechanism moves (an import on this or another instance, or a CLI import beside `serve`).
//! Readers take an `Arc` snapshot and never wait for a rebuild.
//!
//! Besides time, it indexes what the attendee pages look up: schedule rooms (in the configured
//! room order), tracks and speakers (each with a URL slug), and a lower-cased text per session
//! for search, so no page walks or re-lowercases the whole schedule per request.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::db::Db;
use crate::rooms::RoomDirectory;
use crate::schedule::store::{self, ConferenceInfo};
use crate::schedule::stored::StoredSession;

/// An immutable snapshot of the schedule.
#[derive(Debug, Default)]
pub struct ScheduleIndex {
    /// By start, then schedule room, then id.
    sessions: Vec<StoredSession>,
    by_id: HashMap<i64, usize>,
    /// Positions in `sessions`, by hallway room slug (sessions of unmapped rooms are absent).
    by_room: HashMap<String, Vec<usize>>,
    /// The longest session, to bound searches by time.
    longest: Duration,
    conference: Option<ConferenceInfo>,
    /// Schedule rooms, configured rooms first (in configuration order), then by name.
    rooms: Vec<Group>,
    /// Tracks by name.
    tracks: Vec<Group>,
    /// Speakers by name.
    speakers: Vec<Group>,
    /// Lower-cased searchable text, parallel to `sessions`.
    search: Vec<SearchText>,
    /// Positions in `rooms`, `tracks` and `speakers` by name as written and by slug.
    lookup: [HashMap<String, usize>; 6],
}

/// Which list a lookup key points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    RoomName,
    RoomSlug,
    TrackName,
    TrackSlug,
    SpeakerName,
    SpeakerSlug,
}

/// Sessions sharing a room, a track or a speaker, with the slug of their page.
#[derive(Debug, Clone)]
pub struct Group {
    /// URL name, unique within its kind (`/tracks/{slug}`, `/speakers/{slug}`, `/rooms/{slug}`).
    pub slug: String,
    /// Display name as the schedule writes it.
    pub name: String,
    /// For rooms: true when a configured hallway room hosts it (`slug` is then the room's).
    pub mapped: bool,
    /// Positions in the index, by start time.
    positions: Vec<usize>,
}

impl Group {
    /// How many sessions it has.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when it has no sessions.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// One session's text for search, lower-cased once at build time.
#[derive(Debug, Default)]
struct SearchText {
    title: String,
    people: String,
    track: String,
    body: String,
}

/// How well a session matched a search, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchField {
    /// Every word is in the title (or subtitle).
    Title,
    /// The words were found in the speakers' names (and maybe the title).
    Speaker,
    /// The words were found in the track (and maybe title and speakers).
    Track,
    /// Some word was found only in the abstract or description.
    Abstract,
}

/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A URL slug: lower-case ASCII letters and digits joined by `-`; common accented Latin letters
/// lose their accent (`Ångström` → `angstrom`), other characters separate words.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
            'ł' | 'ľ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => "",
        };
        let mut push = |s: &str| {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push_str(s);
        };
        if !folded.is_empty() {
            push(folded);
        } else if c.is_ascii_alphanumeric() {
            let mut b = [0u8; 4];
            push(c.encode_utf8(&mut b));
        } else {
            dash = true;
        }
    }
    out.truncate(80);
    let trimmed = out.trim_end_matches('-').len();
    out.truncate(trimmed);
    out
}

/// Groups positions by `key`, giving each group a unique slug (`-2`, `-3` on collisions, `x`
/// for names without a letter or digit).
fn group_by<'a>(
    sessions: &'a [StoredSession],
    keys: impl Fn(&'a StoredSession) -> Vec<&'a str>,
) -> Vec<Group> {
    let mut by_name: std::collections::BTreeMap<String, (String, Vec<usize>)> =
        std::collections::BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        for k in keys(s) {
            let k = k.trim();
            if k.is_empty() {
                continue;
            }
            let e = by_name
                .entry(crate::rooms::normalise(k))
                .or_insert_with(|| (k.to_owned(), Vec::new()));
            if e.1.last() != Some(&i) {
                e.1.push(i);
            }
        }
    }
    let mut groups: Vec<Group> = by_name
        .into_values()
        .map(|(name, positions)| Group {
            slug: String::new(),
            name,
            mapped: false,
            positions,
        })
        .collect();
    groups.sort_by_cached_key(|g| g.name.to_lowercase());
    let mut used = std::collections::HashSet::new();
    for g in &mut groups {
        let base = match slugify(&g.name) {
            s if s.is_empty() => "x".to_owned(),
            s => s,
        };
        let mut slug = base.clone();
        let mut n = 2;
        while !used.insert(slug.clone()) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        g.slug = slug;
    }
    groups
}

fn plain_text(html: Option<&str>) -> String {
    html.map(|t| ammonia::Builder::empty().clean(t).to_string())
        .unwrap_or_default()
}

impl ScheduleIndex {
    /// Builds the index from `sessions` (any order) and the last import's conference data;
    /// `rooms` maps schedule rooms to hallway rooms.
    pub fn new(
        mut sessions: Vec<StoredSession>,
        conference: Option<ConferenceInfo>,
        rooms: &RoomDirectory,
    ) -> Self {
        sessions.sort_by(|a, b| (a.start, &a.room, a.id).cmp(&(b.start, &b.room, b.id)));
        let by_id = sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let mut by_room: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in sessions.iter().enumerate() {
            if let Some(r) = rooms.for_schedule_room(&s.room) {
                by_room.entry(r.slug.to_string()).or_default().push(i);
            }
        }
        let longest = sessions
            .iter()
            .map(|s| s.end - s.start)
            .max()
            .unwrap_or_else(Duration::zero);
        let tracks = group_by(&sessions, |s| s.track.as_deref().into_iter().collect());
        let speakers = group_by(&sessions, |s| {
            s.persons.iter().map(String::as_str).collect()
        });
        let mut schedule_rooms = group_by(&sessions, |s| vec![s.room.as_str()]);
        // Mapped rooms take their hallway slug; the rest keep a slug that no configured room
        // uses, so `/rooms/{slug}` is never ambiguous.
        for g in &mut schedule_rooms {
            if let Some(r) = rooms.for_schedule_room(&g.name) {
                g.slug = r.slug.to_string();
                g.mapped = true;
            } else if rooms.get(&g.slug).is_some() {
                g.slug = format!("{}-schedule", g.slug);
            }
        }
        schedule_rooms.sort_by_key(|g| {
            (
                rooms
                    .position(&g.slug)
                    .filter(|_| g.mapped)
                    .unwrap_or(usize::MAX),
                g.name.to_lowercase(),
            )
        });
        let search = sessions
            .iter()
            .map(|s| SearchText {
                title: format!("{} {}", s.title, s.subtitle.as_deref().unwrap_or_default())
                    .to_lowercase(),
                people: s.persons.join(" ").to_lowercase(),
                track: s.track.as_deref().unwrap_or_default().to_lowercase(),
                body: format!(
                    "{} {}",
                    plain_text(s.abstract_text.as_deref()),
                    plain_text(s.description.as_deref())
                )
                .to_lowercase(),
            })
            .collect();
        let mut lookup: [HashMap<String, usize>; 6] = Default::default();
        for (groups, by_name, by_slug) in [
            (&schedule_rooms, Kind::RoomName, Kind::RoomSlug),
            (&tracks, Kind::TrackName, Kind::TrackSlug),
            (&speakers, Kind::SpeakerName, Kind::SpeakerSlug),
        ] {
            for (i, g) in groups.iter().enumerate() {
                lookup[by_slug as usize].entry(g.slug.clone()).or_insert(i);
                for &p in &g.positions {
                    let s = &sessions[p];
                    let names: Vec<&String> = match by_name {
                        Kind::RoomName => vec![&s.room],
                        Kind::TrackName => s.track.iter().collect(),
                        _ => s.persons.iter().collect(),
                    };
                    for n in names {
                        if crate::rooms::normalise(n) == crate::rooms::normalise(&g.name) {
                            lookup[by_name as usize].entry(n.clone()).or_insert(i);
                        }
                    }
                }
            }
        }
        Self {
            lookup,
            sessions,
            by_id,
            by_room,
            longest,
            conference,
            rooms: schedule_rooms,
            tracks,
            speakers,
            search,
        }
    }

    /// The sessions of a group, by start time.
    pub fn sessions_of<'a>(&'a self, g: &'a Group) -> impl Iterator<Item = &'a StoredSession> {
        g.positions.iter().map(|&i| &self.sessions[i])
    }

    /// Schedule rooms with sessions: configured rooms first, in configuration order.
    pub fn rooms(&self) -> &[Group] {
        &self.rooms
    }

    /// The schedule room with this slug (a hallway room slug when mapped).
    pub fn room(&self, slug: &str) -> Option<&Group> {
        self.find(&self.rooms, Kind::RoomSlug, slug)
    }

    /// The group of the schedule room `name`.
    pub fn room_named(&self, name: &str) -> Option<&Group> {
        self.find(&self.rooms, Kind::RoomName, name)
    }

    /// A group by exact key (names as the sessions write them, or slugs): one hash lookup,
    /// no allocation, so cards stay cheap.
    fn find<'a>(&'a self, groups: &'a [Group], kind: Kind, key: &str) -> Option<&'a Group> {
        self.lookup[kind as usize]
            .get(key)
            .and_then(|&i| groups.get(i))
    }

    /// Tracks, by name.
    pub fn tracks(&self) -> &[Group] {
        &self.tracks
    }

    /// The track with this slug.
    pub fn track(&self, slug: &str) -> Option<&Group> {
        self.find(&self.tracks, Kind::TrackSlug, slug)
    }

    /// The slug of the track called `name`.
    pub fn track_slug(&self, name: &str) -> Option<&str> {
        self.find(&self.tracks, Kind::TrackName, name)
            .map(|g| g.slug.as_str())
    }

    /// Speakers, by name.
    pub fn speakers(&self) -> &[Group] {
        &self.speakers
    }

    /// The speaker with this slug.
    pub fn speaker(&self, slug: &str) -> Option<&Group> {
        self.find(&self.speakers, Kind::SpeakerSlug, slug)
    }

    /// The slug of the speaker called `name`.
    pub fn speaker_slug(&self, name: &str) -> Option<&str> {
        self.find(&self.speakers, Kind::SpeakerName, name)
            .map(|g| g.slug.as_str())
    }

    /// In a room group: the sessions running at `t` and the first one starting after `t`.
    pub fn now_and_next<'a>(
        &'a self,
        g: &'a Group,
        t: DateTime<Utc>,
    ) -> (Vec<&'a StoredSession>, Option<&'a StoredSession>) {
        let k = g
            .positions
            .partition_point(|&i| self.sessions[i].start <= t);
        let running = g.positions[..k]
            .iter()
            .rev()
            .map(|&i| &self.sessions[i])
            .take_while(|s| s.start >= t - self.longest)
            .filter(|s| s.end > t)
            .collect::<Vec<_>>();
        let next = g.positions.get(k).map(|&i| &self.sessions[i]);
        (running.into_iter().rev().collect(), next)
    }

    /// In a room group: up to `n` sessions starting after `t`.
    pub fn upcoming<'a>(
        &'a self,
        g: &'a Group,
        t: DateTime<Utc>,
        n: usize,
    ) -> impl Iterator<Item = &'a StoredSession> {
        let k = g
            .positions
            .partition_point(|&i| self.sessions[i].start <= t);
        g.positions[k..].iter().take(n).map(|&i| &self.sessions[i])
    }

    /// The last session's end.
    pub fn last_end(&self) -> Option<DateTime<Utc>> {
        self.sessions.iter().map(|s| s.end).max()
    }

    /// Sessions whose text contains every word of `query` (case-insensitive), best match
    /// first (title, then speaker, track, abstract), then by start time; at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<(&StoredSession, MatchField)> {
        let words: Vec<String> = query
            .split_whitespace()
            .map(str::to_lowercase)
            .take(12)
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(usize, MatchField)> = self
            .search
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let mut worst = MatchField::Title;
                for w in &words {
                    let field = if t.title.contains(w.as_str()) {
                        MatchField::Title
                    } else if t.people.contains(w.as_str()) {
                        MatchField::Speaker
                    } else if t.track.contains(w.as_str()) {
                        MatchField::Track
                    } else if t.body.contains(w.as_str()) {
                        MatchField::Abstract
                    } else {
                        return None;
                    };
                    worst = worst.max(field);
                }
                Some((i, worst))
            })
            .collect();
        hits.sort_by_key(|&(i, f)| (f, i));
        hits.truncate(limit);
        hits.into_iter()
            .map(|(i, f)| (&self.sessions[i], f))
            .collect()
    }

    /// Loads the stored schedule (two queries).
    pub async fn load(db: &Db, rooms: &RoomDirectory) -> Result<Self, sqlx::Error> {
        let sessions = store::all_sessions(db).await?;
        let conference = store::conference_info(db).await?;
        Ok(Self::new(sessions, conference, rooms))
    }

    /// Every session, by start time.
    pub fn all(&self) -> &[StoredSession] {
        &self.sessions
    }

    /// The session with this id.
    pub fn session(&self, id: i64) -> Option<&StoredSession> {
        self.by_id.get(&id).map(|&i| &self.sessions[i])
    }

    /// Sessions overlapping `[from, to)`, by start time.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<&StoredSession> {
        let first = self
            .sessions
            .partition_point(|s| s.start < from - self.longest);
        let last = self.sessions.partition_point(|s| s.start < to);
        self.sessions[first..last.max(first)]
            .iter()
            .filter(|s| s.end > from)
            .collect()
    }

    /// The first session starting at or after `t` (of several at once, the lowest id: the
    /// first one the schedule listed).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<&StoredSession> {
        let i = self.sessions.partition_point(|s| s.start < t);
        let first = self.sessions.get(i)?;
        self.sessions[i..]
            .iter()
            .take_while(|s| s.start == first.start)
            .min_by_key(|s| s.id)
    }

    /// Sessions of the hallway room `slug` overlapping `[from, to)`, by start time.
    pub fn in_room_between(
        &self,
        slug: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<&StoredSession> {
        self.by_room
            .get(slug)
            .map(|list| {
                list.iter()
                    .map(|&i| &self.sessions[i])
                    .filter(|s| s.start < to && s.end > from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The last import's conference data.
    pub fn conference(&self) -> Option<&ConferenceInfo> {
        self.conference.as_ref()
    }
}

/// The current snapshot, swapped whole on reload.
#[derive(Debug, Default)]
pub struct SharedIndex(arc_swap::ArcSwap<ScheduleIndex>);

impl SharedIndex {
    /// Starts with `index`.
    pub fn new(index: ScheduleIndex) -> Self {
        Self(arc_swap::ArcSwap::from_pointee(index))
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<ScheduleIndex> {
        self.0.load_full()
    }

    /// Replaces the snapshot.
    pub fn set(&self, index: ScheduleIndex) {
        self.0.store(Arc::new(index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_words_and_fold_common_accents() {
        assert_eq!(slugify("Sølvi Ångström"), "solvi-angstrom");
        assert_eq!(slugify("  Networking & BPF "), "networking-bpf");
        assert_eq!(slugify("C++/Rust"), "c-rust");
        assert_eq!(slugify("日本"), "");
    }
}
