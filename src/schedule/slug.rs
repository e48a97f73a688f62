//! URL slugs for schedule things that have only a name, such as tracks: `/tracks/{slug}`,
//! `/tracks/{slug}.ics`. One function, so every page and export writes the same address.
//!
//! A slug is derived from the name alone, so it is the same on every instance and across
//! re-imports as long as the track keeps its name. Names that differ only in case, accents or
//! punctuation ("Open Source", "open-source") share a slug; lookups therefore compare slugs
//! ([`track_matches`]) and a shared slug shows the sessions of both names.

use sha2::{Digest, Sha256};

/// The slug of a track name: transliterated to ASCII, lower case, words joined by `-`
/// ("Security & Privacy" → `security-privacy`, "Ünïcödé" → `unicode`). A name with nothing to
/// transliterate (punctuation only, say) gets `track-` and eight hex digits of its SHA-256.
pub fn track_slug(name: &str) -> String {
    let s = slug::slugify(name.trim());
    if s.is_empty() {
        let digest = Sha256::digest(name.trim().as_bytes());
        format!("track-{}", &hex::encode(digest)[..8])
    } else {
        s
    }
}

/// True when the session track `track` has the slug `slug`.
pub fn track_matches(track: Option<&str>, slug: &str) -> bool {
    track
        .filter(|t| !t.trim().is_empty())
        .is_some_and(|t| track_slug(t) == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_names_become_lowercase_ascii_words() {
        assert_eq!(track_slug("Security & Privacy"), "security-privacy");
        assert_eq!(track_slug("  Open Source  "), "open-source");
        assert_eq!(track_slug("Ünïcödé Tälks"), "unicode-talks");
        assert_eq!(track_slug("C++ / Rust"), "c-rust");
    }

    #[test]
    fn a_name_without_letters_gets_a_hash_slug() {
        // SHA-256("!!!") starts with these digits (computed with `printf '!!!' | sha256sum`).
        assert_eq!(track_slug("!!!"), "track-e84c538e");
        // Emoji are transliterated, not hashed.
        assert_eq!(track_slug("🎉 Party"), "tada-party");
    }

    #[test]
    fn empty_tracks_match_nothing() {
        assert!(track_matches(
            Some("Security & Privacy"),
            "security-privacy"
        ));
        assert!(!track_matches(Some("Security"), "security-privacy"));
        assert!(!track_matches(None, "track-e3b0c442"));
        assert!(!track_matches(Some("  "), "track-e3b0c442"));
    }
}
