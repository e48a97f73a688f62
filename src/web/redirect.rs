//! Where a browser may be sent back to after a login or a form: local paths only, so a crafted
//! `next=` can never turn hallway into an open redirect.

/// A local path safe to redirect to: "/..." that stays on this host once a browser has parsed
/// it (no "//host", no backslashes, no whitespace or control characters, which browsers strip).
pub fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        let base = url::Url::parse("http://hallway.invalid/").ok();
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
            && base
                .and_then(|b| b.join(n).ok())
                .is_some_and(|u| u.host_str() == Some("hallway.invalid"))
    };
    match next {
        Some(n) if ok(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/sessions/3")), "/sessions/3");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some("/?tz=Asia/Tokyo")), "/?tz=Asia/Tokyo");
    }
}
