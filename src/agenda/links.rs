//! The secrets of the personal calendar: the feed token in `/agenda/<token>.ics`, and the
//! personal join links the feed carries.
//!
//! A feed token is a public feed id (16 hex digits, the database lookup key) followed by 43
//! characters of random secret; only its SHA-256 is stored, and it is compared in constant
//! time. A join link (`/agenda/join/<feed id>.<session id>.<tag>`) names one session of one
//! feed, under an HMAC with the server's link key: it cannot be turned into a link for another
//! session, and it dies with its feed (regenerating the feed or ending the owner's sessions
//! deletes the feed row, and with it the feed id the link names). Without a configured
//! `server.session_key` the link key is random per process, so join links already handed out
//! stop working at a restart; the feed itself keeps working and hands out new ones.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::agenda::store::Feed;
use crate::auth::store::hash;
use crate::rooms::token::LinkKey;

const FEED_ID_LEN: usize = 16;
const SECRET_LEN: usize = 43;

/// A new feed for `user_id` and the token that opens it (shown once, never stored).
pub fn new_feed(user_id: &str) -> (Feed, String) {
    let mut id = [0u8; FEED_ID_LEN / 2];
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut id);
    rand::thread_rng().fill_bytes(&mut secret);
    let feed_id = hex::encode(id);
    let token = format!("{feed_id}{}", URL_SAFE_NO_PAD.encode(secret));
    (
        Feed {
            user_id: user_id.to_owned(),
            feed_id,
            token_hash: hash(&token),
        },
        token,
    )
}

/// The feed id of a well-formed token.
pub fn feed_id_of(token: &str) -> Option<&str> {
    let ok = token.len() == FEED_ID_LEN + SECRET_LEN
        && token[..FEED_ID_LEN]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && token[FEED_ID_LEN..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| &token[..FEED_ID_LEN])
}

/// Whether `token` opens `feed` (constant-time comparison of the hashes).
pub fn opens(feed: &Feed, token: &str) -> bool {
    bool::from(hash(token).as_bytes().ct_eq(feed.token_hash.as_bytes()))
}

fn payload(feed: &Feed, session_id: i64) -> String {
    format!("agenda-join|{}|{}|{session_id}", feed.feed_id, feed.user_id)
}

/// The join link (path segment) of `session_id` in `feed`.
pub fn join_link(key: &LinkKey, feed: &Feed, session_id: i64) -> String {
    let tag = key.tag(payload(feed, session_id).as_bytes());
    format!("{}.{session_id}.{}", feed.feed_id, hex::encode(tag))
}

/// A join link taken apart: the feed id and the session, before the tag is checked.
pub struct JoinLink<'a> {
    /// The feed it claims to belong to.
    pub feed_id: &'a str,
    /// The session it claims to join.
    pub session_id: i64,
    tag: Vec<u8>,
}

impl<'a> JoinLink<'a> {
    /// Parses `<feed id>.<session id>.<tag>`.
    pub fn parse(link: &'a str) -> Option<Self> {
        let mut parts = link.split('.');
        let (feed_id, session, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || feed_id.len() != FEED_ID_LEN || session.len() > 18 {
            return None;
        }
        Some(Self {
            feed_id,
            session_id: session.parse().ok()?,
            tag: hex::decode(tag).ok()?,
        })
    }

    /// Whether the link was made for `feed` (which the caller found by [`Self::feed_id`]).
    pub fn made_for(&self, key: &LinkKey, feed: &Feed) -> bool {
        feed.feed_id == self.feed_id
            && key.verify_tag(payload(feed, self.session_id).as_bytes(), &self.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_feed_and_a_link_names_only_its_session() {
        let (feed, token) = new_feed("p-1");
        assert_eq!(feed_id_of(&token), Some(feed.feed_id.as_str()));
        assert!(opens(&feed, &token));
        let (other, other_token) = new_feed("p-1");
        assert!(!opens(&feed, &other_token) && !opens(&other, &token));
        assert_eq!(feed_id_of("short"), None);
        assert_eq!(feed_id_of(&format!("{token}x")), None);

        let key = LinkKey::new(None);
        let link = join_link(&key, &feed, 42);
        let parsed = JoinLink::parse(&link).expect("parses");
        assert_eq!(
            (parsed.feed_id, parsed.session_id),
            (feed.feed_id.as_str(), 42)
        );
        assert!(parsed.made_for(&key, &feed));
        assert!(!parsed.made_for(&key, &other), "another feed");
        assert!(!parsed.made_for(&LinkKey::new(None), &feed), "another key");
        let forged = link.replacen(".42.", ".43.", 1);
        assert!(!JoinLink::parse(&forged).unwrap().made_for(&key, &feed));
        assert!(JoinLink::parse("x.1.00").is_none());
    }
}
