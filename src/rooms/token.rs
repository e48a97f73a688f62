//! Short-lived signed links that bring a browser back from BBB: the join URL's
//! `errorRedirectUrl` and `logoutURL` point at `/rooms/{slug}/return?t=TOKEN`.
//!
//! The token binds the user, the room, the meeting and its createTime, and an expiry, under
//! an HMAC-SHA256 with a key only hallway has. The GET that BBB sends the browser to (with
//! `?errors=` when the join was refused) therefore cannot be forged from another site to make
//! hallway re-create meetings or join someone into a room.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// How long a return link works.
pub const RETURN_LINK_LIFETIME: Duration = Duration::minutes(10);

/// The signing key (never shown, never logged), with the HMAC state already keyed: every
/// join signs a return link, and keying costs two of the four SHA-256 blocks of a signature.
#[derive(Clone)]
pub struct LinkKey(HmacSha256);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey([redacted])")
    }
}

impl LinkKey {
    /// Derived from the session key, so every instance with the same configuration accepts
    /// the others' links; random when there is none (one instance, links end on restart).
    pub fn new(session_key: Option<&SecretString>) -> Self {
        let mut k = [0u8; 32];
        match session_key {
            Some(s) => {
                let mut h = Sha256::new();
                h.update(b"hallway-link-key\0");
                h.update(s.expose_secret().as_bytes());
                k.copy_from_slice(&h.finalize());
            }
            None => rand::thread_rng().fill_bytes(&mut k),
        }
        Self(HmacSha256::new_from_slice(&k).expect("HMAC takes any key length"))
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut m = self.0.clone();
        m.update(payload);
        m
    }

    /// The HMAC-SHA256 tag of `payload`, for other signed links (the agenda's join links);
    /// callers put a purpose prefix in `payload` so no two kinds of link share a message.
    pub fn tag(&self, payload: &[u8]) -> Vec<u8> {
        self.mac(payload).finalize().into_bytes().to_vec()
    }

    /// Whether `tag` is the tag of `payload` (compared in constant time).
    pub fn verify_tag(&self, payload: &[u8], tag: &[u8]) -> bool {
        self.mac(payload).verify_slice(tag).is_ok()
    }
}

/// What a return link says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnTicket {
    /// The user the join was for.
    pub user_id: String,
    /// The room slug.
    pub room: String,
    /// The meeting joined.
    pub meeting_id: String,
    /// Its createTime at the time.
    pub create_time: Option<i64>,
    /// Whether this join was already a retry (a second refusal shows an error, no loop).
    pub retried: bool,
    /// Until when the link works.
    pub expires: DateTime<Utc>,
}

impl ReturnTicket {
    /// The signed token.
    pub fn sign(&self, key: &LinkKey) -> String {
        Self::sign_fields(
            key,
            &self.user_id,
            &self.room,
            &self.meeting_id,
            self.create_time,
            self.retried,
            self.expires,
        )
    }

    /// The signed token of a ticket with these fields, built from borrowed parts (the join
    /// path signs one per join).
    pub fn sign_fields(
        key: &LinkKey,
        user_id: &str,
        room: &str,
        meeting_id: &str,
        create_time: Option<i64>,
        retried: bool,
        expires: DateTime<Utc>,
    ) -> String {
        let mut digits = itoa::Buffer::new();
        let mut payload = String::with_capacity(user_id.len() + room.len() + meeting_id.len() + 48);
        for part in ["1|", user_id, "|", room, "|", meeting_id, "|"] {
            payload.push_str(part);
        }
        if let Some(t) = create_time {
            payload.push_str(digits.format(t));
        }
        payload.push_str(if retried { "|1|" } else { "|0|" });
        payload.push_str(digits.format(expires.timestamp()));
        let tag = key.mac(payload.as_bytes()).finalize().into_bytes();
        let mut token = String::with_capacity(payload.len() * 4 / 3 + 48);
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        token
    }

    /// Checks a token's signature and expiry; `None` for anything forged, tampered or old.
    pub fn verify(token: &str, key: &LinkKey, now: DateTime<Utc>) -> Option<Self> {
        let (p, t) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(p).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(t).ok()?;
        key.mac(&payload).verify_slice(&tag).ok()?;
        let text = String::from_utf8(payload).ok()?;
        let f: Vec<&str> = text.split('|').collect();
        let [version, user_id, room, meeting_id, ct, retried, exp] = f.as_slice() else {
            return None;
        };
        if *version != "1" {
            return None;
        }
        let expires = DateTime::from_timestamp(exp.parse().ok()?, 0)?;
        if expires <= now {
            return None;
        }
        Some(Self {
            user_id: (*user_id).to_owned(),
            room: (*room).to_owned(),
            meeting_id: (*meeting_id).to_owned(),
            create_time: if ct.is_empty() {
                None
            } else {
                Some(ct.parse().ok()?)
            },
            retried: *retried == "1",
            expires,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_return_link_works_once_signed_and_not_when_forged_tampered_or_old() {
        let key = LinkKey::new(Some(&SecretString::from("k".repeat(40))));
        let now = Utc.with_ymd_and_hms(2026, 9, 15, 9, 0, 0).unwrap();
        let t = ReturnTicket {
            user_id: "hw-1".into(),
            room: "mc1".into(),
            meeting_id: "hallway-mc1".into(),
            create_time: Some(1_789_000_000_123),
            retried: false,
            expires: now + RETURN_LINK_LIFETIME,
        };
        let token = t.sign(&key);
        assert_eq!(ReturnTicket::verify(&token, &key, now), Some(t.clone()));
        // A query carries it as it is (the join handler does not encode it).
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        // Another key (another deployment) does not accept it.
        let other = LinkKey::new(Some(&SecretString::from("o".repeat(40))));
        assert_eq!(ReturnTicket::verify(&token, &other, now), None);
        // A changed payload with the old signature is refused.
        let (_, sig) = token.split_once('.').unwrap();
        let forged = format!(
            "{}.{sig}",
            URL_SAFE_NO_PAD.encode("1|hw-2|mc1|hallway-mc1|1789000000123|0|99999999999")
        );
        assert_eq!(ReturnTicket::verify(&forged, &key, now), None);
        // Expired.
        assert_eq!(
            ReturnTicket::verify(&token, &key, now + RETURN_LINK_LIFETIME),
            None
        );
        assert_eq!(ReturnTicket::verify("garbage", &key, now), None);
    }
}
