//! BBB API checksums.
//!
//! Every BBB API call (except the API root) carries
//! `checksum = lowercase_hex(H(callName + queryString + sharedSecret))`,
//! computed over the query string exactly as it goes on the wire. The only
//! safe way to get that right is to build the query once, sign exactly those
//! bytes and send exactly that string; [`signed_query`] does this. The
//! simulator uses [`checksum`] and [`ChecksumAlgorithm::from_hex_len`] to
//! verify incoming requests the way bbb-web does.

use std::fmt;
use std::str::FromStr;

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// A hash algorithm BBB accepts for checksums (2.5.8+ accepts all four and
/// picks one by the length of the hex checksum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumAlgorithm {
    /// SHA-1, 40 hex characters. Accepted by every BBB version.
    Sha1,
    /// SHA-256, 64 hex characters. BBB 2.0+.
    Sha256,
    /// SHA-384, 96 hex characters. BBB 2.5.8+; never accepted by Scalelite.
    Sha384,
    /// SHA-512, 128 hex characters. BBB 2.5.8+.
    Sha512,
}

impl ChecksumAlgorithm {
    /// All algorithms, weakest first.
    pub const ALL: [Self; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// Lowercase name as used in BBB's `supportedChecksumAlgorithms`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of the hex digest.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha384 => 96,
            Self::Sha512 => 128,
        }
    }

    /// The algorithm whose hex digest has this length, as BBB chooses it.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.hex_len() == len)
    }

    /// Lowercase hex digest of `data`.
    pub fn hex_digest(self, data: &[u8]) -> String {
        let mut out = String::with_capacity(self.hex_len());
        self.push_hex_digest(&[data], &mut out);
        out
    }

    /// Appends the lowercase hex digest of the concatenation of `parts` to `out`.
    pub fn push_hex_digest(self, parts: &[&[u8]], out: &mut String) {
        let mut buf = [0u8; 128];
        out.push_str(self.write_hex_digest(parts, &mut buf));
    }

    /// The lowercase hex digest of the concatenation of `parts`, written into `buf`: no
    /// buffer joins the parts first and nothing is allocated (the join path signs every URL).
    pub fn write_hex_digest<'b>(self, parts: &[&[u8]], buf: &'b mut [u8; 128]) -> &'b str {
        fn digest<'b, D: Digest>(parts: &[&[u8]], buf: &'b mut [u8; 128]) -> &'b str {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            let sum = h.finalize();
            let hex = &mut buf[..sum.len() * 2];
            hex::encode_to_slice(&sum, hex).expect("two hex digits per byte");
            std::str::from_utf8(hex).expect("hex is ASCII")
        }
        match self {
            Self::Sha1 => digest::<Sha1>(parts, buf),
            Self::Sha256 => digest::<Sha256>(parts, buf),
            Self::Sha384 => digest::<Sha384>(parts, buf),
            Self::Sha512 => digest::<Sha512>(parts, buf),
        }
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown checksum algorithm name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown checksum algorithm {0:?} (expected sha1, sha256, sha384 or sha512)")]
pub struct ParseAlgorithmError(pub String);

impl FromStr for ChecksumAlgorithm {
    type Err = ParseAlgorithmError;

    /// Case-insensitive; accepts `sha1` and `sha-1` style names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "");
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == norm)
            .ok_or_else(|| ParseAlgorithmError(s.to_owned()))
    }
}

/// Lowercase hex of `H(call + query + secret)`.
///
/// `query` must be the query string exactly as sent (still percent-encoded,
/// without the leading `?` and without the checksum parameter).
pub fn checksum(alg: ChecksumAlgorithm, call: &str, query: &str, secret: &str) -> String {
    let mut out = String::with_capacity(alg.hex_len());
    alg.push_hex_digest(
        &[call.as_bytes(), query.as_bytes(), secret.as_bytes()],
        &mut out,
    );
    out
}

/// Form-urlencodes `params` in the given order (space as `+`, uppercase
/// `%XX`, byte-identical to Java's `URLEncoder`).
pub fn build_query(params: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// Builds the form-urlencoded query (`url::form_urlencoded::Serializer`,
/// space as `+`) once, signs exactly those bytes and appends the checksum.
///
/// Returns `"a=1&b=2&checksum=<hex>"`, or `"checksum=<hex>"` without params.
pub fn signed_query(
    alg: ChecksumAlgorithm,
    call: &str,
    params: &[(&str, &str)],
    secret: &str,
) -> String {
    let mut out = String::with_capacity(query_capacity(alg, params));
    push_signed_query(&mut out, alg, call, params, secret);
    out
}

/// A capacity that holds the signed query of `params` without growing in the usual case
/// (a few characters percent-encoded).
pub(crate) fn query_capacity(alg: ChecksumAlgorithm, params: &[(&str, &str)]) -> usize {
    let pairs: usize = params
        .iter()
        .map(|(k, v)| k.len() + v.len() + v.len() / 4 + 2)
        .sum();
    pairs + "checksum=".len() + alg.hex_len()
}

/// The bytes `application/x-www-form-urlencoded` leaves as they are: ASCII letters and
/// digits and `*-._` (space becomes `+`, everything else `%XX`), as in `form_urlencoded`.
const FORM_UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] =
            matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    t
};

/// Appends `bytes` form-urlencoded exactly as `form_urlencoded::byte_serialize` writes them
/// (the unit tests compare every byte value), copying runs of unreserved bytes whole: the
/// join URL's return links are long and mostly unreserved.
fn push_form_encoded(buf: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if FORM_UNRESERVED[usize::from(b)] {
            continue;
        }
        buf.extend_from_slice(&bytes[run..i]);
        if b == b' ' {
            buf.push(b'+');
        } else {
            buf.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        run = i + 1;
    }
    buf.extend_from_slice(&bytes[run..]);
}

/// [`signed_query`], appended to `out` (which may already hold the URL up to its `?`): the
/// query is encoded in place and the checksum covers exactly the appended bytes.
pub fn push_signed_query(
    out: &mut String,
    alg: ChecksumAlgorithm,
    call: &str,
    params: &[(&str, &str)],
    secret: &str,
) {
    let start = out.len();
    // form_urlencoded's encoding (`push_form_encoded`), pair by pair as its `Serializer`
    // writes them; a value equal to the one before it (a join's errorRedirectUrl and
    // logoutURL are one link) is copied from where it was encoded instead of being encoded
    // again. The encoding is ASCII, so the bytes are a string again afterwards.
    let mut buf = std::mem::take(out).into_bytes();
    let mut previous: Option<(&str, std::ops::Range<usize>)> = None;
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            buf.push(b'&');
        }
        push_form_encoded(&mut buf, k.as_bytes());
        buf.push(b'=');
        match &previous {
            Some((p, range)) if p == v => {
                let range = range.clone();
                buf.extend_from_within(range);
            }
            _ => {
                let at = buf.len();
                push_form_encoded(&mut buf, v.as_bytes());
                previous = Some((v, at..buf.len()));
            }
        }
    }
    *out = String::from_utf8(buf).expect("a URL prefix and form-urlencoded ASCII");
    // The digest reads the query where it was written: the bytes signed are the bytes sent.
    let mut buf = [0u8; 128];
    let sum = alg.write_hex_digest(
        &[call.as_bytes(), &out.as_bytes()[start..], secret.as_bytes()],
        &mut buf,
    );
    if out.len() > start {
        out.push('&');
    }
    out.push_str("checksum=");
    out.push_str(sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        vectors: Vec<Vector>,
    }

    #[derive(serde::Deserialize)]
    struct Vector {
        call: String,
        query: String,
        secret: String,
        algorithm: ChecksumAlgorithm,
        checksum: String,
        #[serde(default)]
        note: Option<String>,
    }

    fn fixtures_dir() -> Option<std::path::PathBuf> {
        let dir = std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/bbb"
        ));
        if dir.is_dir() {
            Some(dir)
        } else if std::env::var("CI").as_deref() == Ok("true") {
            panic!("fixture directory {} missing (CI=true)", dir.display());
        } else {
            eprintln!("skipping: fixture directory {} missing", dir.display());
            None
        }
    }

    /// The join URL's own encoder writes what `form_urlencoded` writes, for every byte value
    /// alone, in runs and mixed with unreserved text.
    #[test]
    fn form_encoding_matches_form_urlencoded_for_every_byte() {
        let reference = |b: &[u8]| url::form_urlencoded::byte_serialize(b).collect::<String>();
        let mut all = Vec::new();
        for b in 0..=255u8 {
            let alone = [b];
            let mixed = [b'a', b, b, b'-', b'Z', b];
            for input in [&alone[..], &mixed[..]] {
                let mut out = Vec::new();
                push_form_encoded(&mut out, input);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    reference(input),
                    "byte {b}"
                );
            }
            all.push(b);
        }
        let mut out = b"prefix=".to_vec();
        push_form_encoded(&mut out, &all);
        assert_eq!(
            out,
            [b"prefix=".as_slice(), reference(&all).as_bytes()].concat()
        );
        let mut out = Vec::new();
        push_form_encoded(&mut out, b"");
        assert!(out.is_empty());
    }

    /// Every vector of checksum-vectors.json. The one marked "negative
    /// vector" hashes the DECODED query: its stated checksum is correct for
    /// that exact (decoded) string, so `checksum()` reproduces it, and we also
    /// check that it differs from the checksum of the encoded query a client
    /// would actually send, i.e. such a client gets checksumError.
    #[test]
    fn checksum_vectors_reproduced() {
        let Some(dir) = fixtures_dir() else { return };
        let text =
            std::fs::read_to_string(dir.join("checksum-vectors.json")).expect("read vectors");
        let v: Vectors = serde_json::from_str(&text).expect("parse vectors");
        assert!(v.vectors.len() >= 40, "expected the full vector set");
        let mut negatives = 0;
        for vec in &v.vectors {
            let got = checksum(vec.algorithm, &vec.call, &vec.query, &vec.secret);
            assert_eq!(vec.algorithm.hex_len(), vec.checksum.len(), "{}", vec.query);
            assert_eq!(
                got, vec.checksum,
                "vector {} {} {}",
                vec.call, vec.query, vec.algorithm
            );
            let negative = vec
                .note
                .as_deref()
                .is_some_and(|n| n.contains("negative vector"));
            if negative {
                negatives += 1;
                let sent: Vec<(String, String)> = url::form_urlencoded::parse(vec.query.as_bytes())
                    .into_owned()
                    .collect();
                let pairs: Vec<(&str, &str)> =
                    sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let encoded = build_query(&pairs);
                assert_ne!(encoded, vec.query);
                assert_ne!(
                    checksum(vec.algorithm, &vec.call, &encoded, &vec.secret),
                    vec.checksum
                );
            }
        }
        assert_eq!(
            negatives, 1,
            "the vector file has exactly one negative vector"
        );
    }

    #[test]
    fn signed_query_matches_bbbctl_create() {
        let q = signed_query(
            ChecksumAlgorithm::Sha1,
            "create",
            &[("meetingID", "lpc-room-1"), ("name", "LPC Room 1")],
            "330a8b08c3b4c61533e1d0c5ce1ac88f",
        );
        assert_eq!(
            q,
            "meetingID=lpc-room-1&name=LPC+Room+1&checksum=2da668cfebe8a65b830721241068fac5c88e0d1a"
        );
    }

    #[test]
    fn signed_query_encodes_like_python_urlencode() {
        // test-peers.md §5: bigbluebutton2 join, python urlencode '+' form.
        let q = signed_query(
            ChecksumAlgorithm::Sha1,
            "join",
            &[
                ("meetingID", "lpc-room-1"),
                ("fullName", "Jörg Rödel"),
                ("role", "MODERATOR"),
            ],
            "330a8b08c3b4c61533e1d0c5ce1ac88f",
        );
        assert_eq!(
            q,
            "meetingID=lpc-room-1&fullName=J%C3%B6rg+R%C3%B6del&role=MODERATOR&checksum=7ac2d1f7f86074cc35657232da265fbd803d5f60"
        );
        let plus = build_query(&[("fullName", "C++ Hacker")]);
        assert_eq!(plus, "fullName=C%2B%2B+Hacker");
    }

    #[test]
    fn signed_query_without_params() {
        let q = signed_query(ChecksumAlgorithm::Sha1, "getMeetings", &[], "AFFE");
        assert_eq!(q, "checksum=e0a2f45a343479c590e64a9bdd673331adff2a75");
    }

    #[test]
    fn algorithm_names_and_lengths() {
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(a.to_string().parse::<ChecksumAlgorithm>(), Ok(a));
            assert_eq!(
                a.to_string().to_uppercase().parse::<ChecksumAlgorithm>(),
                Ok(a)
            );
            assert_eq!(ChecksumAlgorithm::from_hex_len(a.hex_len()), Some(a));
            assert_eq!(a.hex_digest(b"x").len(), a.hex_len());
        }
        assert_eq!(
            "SHA-256".parse::<ChecksumAlgorithm>(),
            Ok(ChecksumAlgorithm::Sha256)
        );
        assert!("md5".parse::<ChecksumAlgorithm>().is_err());
        assert_eq!(ChecksumAlgorithm::from_hex_len(41), None);
        let json = serde_json::to_string(&ChecksumAlgorithm::Sha384).expect("json");
        assert_eq!(json, "\"sha384\"");
    }

    #[test]
    fn a_signed_query_is_the_serializers_query_signed_also_with_repeated_values() {
        let link = "https://hallway.example.org/rooms/r1/return?t=a.b-c_d";
        let cases: [&[(&str, &str)]; 4] = [
            &[("errorRedirectUrl", link), ("logoutURL", link)],
            &[("a", ""), ("b", ""), ("c d", "Jörg Rödel & C++ 100%")],
            &[("x", link), ("y", "other"), ("z", link), ("z", link)],
            &[("k", "v")],
        ];
        for params in cases {
            for alg in ChecksumAlgorithm::ALL {
                let query = build_query(params);
                let expected = format!(
                    "{query}&checksum={}",
                    checksum(alg, "join", &query, "secret")
                );
                assert_eq!(signed_query(alg, "join", params, "secret"), expected);
            }
        }
    }
}
