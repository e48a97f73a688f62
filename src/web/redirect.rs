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

/// Where "come back here" points for a request. A GET or HEAD comes back to itself; a form
/// post comes back to the page the form was on (its same-origin `Referer`), never to the
/// POST-only path, which a browser would then GET and find missing; else the front page.
pub fn come_back_to(req: &actix_web::HttpRequest) -> String {
    use actix_web::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{}", req.path(), q),
        };
    }
    let host = req.connection_info().host().to_owned();
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            u.host_str().is_some_and(|h| format!("{h}{port}") == host)
        })
        .map(|u| match u.query() {
            Some(q) => safe_next(Some(&format!("{}?{q}", u.path()))),
            None => safe_next(Some(u.path())),
        })
        .unwrap_or_else(|| "/".to_owned())
}

#[cfg(test)]
mod come_back_tests {
    use actix_web::test::TestRequest;

    use super::come_back_to;

    #[test]
    fn a_get_comes_back_to_itself_and_a_post_to_the_page_its_form_was_on() {
        let get = TestRequest::get()
            .uri("/sessions/4?tz=UTC")
            .to_http_request();
        assert_eq!(come_back_to(&get), "/sessions/4?tz=UTC");
        let post = TestRequest::post()
            .uri("/agenda/star")
            .insert_header(("host", "portal.example:8080"))
            .insert_header(("referer", "http://portal.example:8080/schedule?day=2"))
            .to_http_request();
        assert_eq!(come_back_to(&post), "/schedule?day=2");
        let elsewhere = TestRequest::post()
            .uri("/agenda/star")
            .insert_header(("host", "portal.example:8080"))
            .insert_header(("referer", "https://evil.example/schedule"))
            .to_http_request();
        assert_eq!(come_back_to(&elsewhere), "/");
        let bare = TestRequest::post()
            .uri("/admin/guest-mode")
            .to_http_request();
        assert_eq!(come_back_to(&bare), "/");
    }
}
