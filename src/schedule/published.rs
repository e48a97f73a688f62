//! What imported schedule text may become when hallway publishes it again, in pages and
//! exports alike: links only if they are absolute http(s) URLs (never `javascript:`, `data:` or
//! `mailto:`), no e-mail addresses, and HTML reduced to what is safe or to plain text.
//!
//! A schedule is written by many people and pulled from systems hallway does not control, so
//! everything here assumes hostile input. Kept apart from the pages and the exports so both
//! apply the same rules without depending on each other.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// `u` if it is an absolute http(s) URL (normalized), else empty: imported links must not
/// become `javascript:` or `data:` hrefs, nor `mailto:` addresses.
pub fn http_link(u: Option<&str>) -> String {
    u.and_then(|u| url::Url::parse(u.trim()).ok())
        .filter(|u| u.scheme() == "http" || u.scheme() == "https")
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// What an e-mail address is replaced with.
pub const EMAIL_REMOVED: &str = "(e-mail address removed)";

/// An e-mail address, with an optional `mailto:` in front and `?subject=…` behind. The
/// character before it is captured so that a fediverse handle (`@name@host.social`) is kept.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[^@\w.%+-])(?:mailto:)?[\w.%+-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?:\?[^\s)\]<>]*)?",
    )
    .expect("the e-mail pattern compiles")
});

/// `text` with every e-mail address replaced by [`EMAIL_REMOVED`]. Fediverse handles
/// (`@user@chaos.social`) are not e-mail addresses and stay.
pub fn without_emails(text: &str) -> String {
    EMAIL
        .replace_all(text, |c: &regex::Captures<'_>| {
            format!("{}{EMAIL_REMOVED}", &c[1])
        })
        .into_owned()
}

/// True when `t` contains something that looks like an HTML tag.
fn looks_like_html(t: &str) -> bool {
    t.match_indices('<')
        .any(|(i, _)| t[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'))
}

/// Imported text for an export that carries it as HTML or text (frab XML and JSON
/// `abstract`/`description`): HTML is cleaned by ammonia with http(s) as the only link scheme,
/// plain text (often Markdown) stays as it is; e-mail addresses are removed from both. `None`
/// and blank text give `None`.
pub fn export_text(text: Option<&str>) -> Option<String> {
    let t = text.map(str::trim).filter(|t| !t.is_empty())?;
    let cleaned = if looks_like_html(t) {
        ammonia::Builder::default()
            .url_schemes(HashSet::from(["http", "https"]))
            .clean(t)
            .to_string()
    } else {
        t.to_owned()
    };
    Some(without_emails(&cleaned))
}

/// Imported text as plain text (for iCalendar `DESCRIPTION`): HTML is parsed and reduced to its
/// text, paragraphs and line breaks kept as blank lines and newlines, scripts and styles
/// dropped; e-mail addresses removed; control characters other than newline and tab removed.
pub fn plain_text(text: Option<&str>) -> String {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return String::new();
    };
    let raw = if looks_like_html(t) {
        let doc = scraper::Html::parse_fragment(t);
        let mut out = String::new();
        text_of(doc.tree.root(), &mut out);
        out
    } else {
        t.to_owned()
    };
    let raw = raw.replace("\r\n", "\n");
    let raw: String = raw
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    // At most one blank line in a row; no trailing spaces.
    let mut lines: Vec<&str> = Vec::new();
    for line in raw.lines().map(str::trim_end) {
        if line.trim().is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(if line.trim().is_empty() { "" } else { line });
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    without_emails(&lines.join("\n"))
}

fn text_of(node: ego_tree::NodeRef<'_, scraper::Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            scraper::Node::Text(t) => {
                // HTML collapses runs of whitespace in text.
                let collapsed = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if t.starts_with(char::is_whitespace) && !out.ends_with([' ', '\n']) {
                    out.push(' ');
                }
                out.push_str(&collapsed);
                if t.ends_with(char::is_whitespace) && !collapsed.is_empty() {
                    out.push(' ');
                }
            }
            scraper::Node::Element(e) => {
                let name = e.name();
                match name {
                    "script" | "style" | "template" | "head" => {}
                    "br" => out.push('\n'),
                    "p" | "div" | "ul" | "ol" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                    | "pre" | "blockquote" | "table" | "tr" | "section" | "article" => {
                        // Items and rows end their line; other blocks are paragraphs.
                        let breaks = if name == "li" || name == "tr" { 1 } else { 2 };
                        line_breaks(out, breaks);
                        if name == "li" {
                            out.push_str("- ");
                        }
                        text_of(child, out);
                        line_breaks(out, breaks);
                    }
                    _ => text_of(child, out),
                }
            }
            _ => {}
        }
    }
}

/// Ends `out` with at least `n` line breaks (none at the very start), without trailing spaces.
fn line_breaks(out: &mut String, n: usize) {
    while out.ends_with(' ') {
        out.pop();
    }
    if out.is_empty() {
        return;
    }
    let have = out.len() - out.trim_end_matches('\n').len();
    for _ in have..n {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_from_a_schedule_are_rendered() {
        assert_eq!(http_link(Some("javascript:alert(1)")), "");
        assert_eq!(http_link(Some("data:text/html,x")), "");
        assert_eq!(http_link(Some("/relative")), "");
        assert_eq!(
            http_link(Some("https://pretalx.example/t/1/")),
            "https://pretalx.example/t/1/"
        );
    }

    #[test]
    fn only_absolute_http_links_survive() {
        assert_eq!(
            http_link(Some(" https://example.org/talk/1 ")),
            "https://example.org/talk/1"
        );
        assert_eq!(http_link(Some("http://example.org")), "http://example.org/");
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "mailto:someone@example.org",
            "/relative/path",
            "ftp://example.org/file",
            "",
        ] {
            assert_eq!(http_link(Some(bad)), "", "{bad}");
        }
        assert_eq!(http_link(None), "");
    }

    #[test]
    fn e_mail_addresses_are_removed_and_fediverse_handles_kept() {
        // Phrasings taken from the 36C3 fixture's descriptions.
        assert_eq!(
            without_emails("just send me an e-mail: contact@curtisanne.rocks or take a look"),
            "just send me an e-mail: (e-mail address removed) or take a look"
        );
        assert_eq!(
            without_emails("an [mls@ct.de](mailto:mls@ct.de?subject=Frage) senden"),
            "an [(e-mail address removed)]((e-mail address removed)) senden"
        );
        assert_eq!(
            without_emails("Mail (kochradio@gmx.de) und"),
            "Mail ((e-mail address removed)) und"
        );
        assert_eq!(
            without_emails("oder @DK6TM@chaos.social bei Mastodon"),
            "oder @DK6TM@chaos.social bei Mastodon"
        );
        assert_eq!(without_emails("no address @ all"), "no address @ all");
    }

    #[test]
    fn exported_html_loses_scripts_and_non_http_links() {
        let out = export_text(Some(
            r#"<p>See <a href="javascript:alert(1)">this</a>, <a href="https://example.org/">that</a> and <a href="mailto:a@example.org">me</a>.</p><script>alert(2)</script>"#,
        ))
        .unwrap();
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("mailto"), "{out}");
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains(r#"href="https://example.org/""#), "{out}");
        assert_eq!(export_text(Some("  ")), None);
        assert_eq!(
            export_text(Some("Plain *Markdown* stays.")).as_deref(),
            Some("Plain *Markdown* stays.")
        );
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_drops_tags() {
        assert_eq!(
            plain_text(Some(
                "<h2>Intro</h2><p>One &amp; two<br>three</p><ul><li>a</li><li>b</li></ul><script>x()</script>"
            )),
            "Intro\n\nOne & two\nthree\n\n- a\n- b"
        );
        assert_eq!(
            plain_text(Some("Line one\r\nLine two\u{7}\n\n\n\nEnd")),
            "Line one\nLine two\n\nEnd"
        );
        assert_eq!(
            plain_text(Some("write to x@example.org")),
            "write to (e-mail address removed)"
        );
        assert_eq!(plain_text(None), "");
    }
}
