//! Real headless Chromium: the page's JavaScript picks up the browser's time zone.
//!
//! Needs Debian's `chromium` and `chromium-driver`. On a developer machine without them the
//! test prints why and passes; with `CI=true` it must run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

use crate::helpers::{required, spawn_app, texts};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_chromedriver() -> Option<Driver> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            !required(),
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("skipping browser test: install chromium and chromium-driver to run it");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child, port);
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/status"))
            .await
            .is_ok()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(port: u16) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
    ] {
        caps.add_arg(arg).unwrap();
    }
    WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
        .await
        .expect("open a Chromium session")
}

#[tokio::test]
async fn the_browser_zone_is_detected_and_times_are_shown_in_it() {
    let Some(driver) = start_chromedriver().await else {
        return;
    };
    let app = spawn_app().await;
    app.import_sample().await;

    for (zone, expected) in [
        ("America/Denver", "01:00–01:45 MDT"),
        ("Asia/Kolkata", "12:30–13:15 IST"),
    ] {
        // Arrange: a browser living in `zone`, never seen by hallway.
        let b = browser(driver.1).await;
        b.cdp()
            .emulation()
            .set_timezone_override(zone)
            .await
            .expect("emulate zone");

        // Act: open the page; its script stores the zone and reloads once.
        b.goto(format!("{}/?at=2026-09-15T07:15:00Z", app.address))
            .await
            .unwrap();
        let mut known = String::new();
        for _ in 0..100 {
            known = b
                .find(By::Css("body"))
                .await
                .unwrap()
                .attr("data-zone-known")
                .await
                .unwrap()
                .unwrap_or_default();
            if known == "true" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let html = b.source().await.unwrap();
        let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "target/screenshot-now-{}.png",
            zone.replace('/', "_")
        ));
        let _ = b.screenshot(&shot).await;
        b.quit().await.unwrap();

        // Assert
        assert_eq!(
            known, "true",
            "{zone}: the page never learned the browser's zone"
        );
        let keynote = texts(&html, "article.session")
            .into_iter()
            .find(|t| t.contains("Keynote: Thirty years of plumbing"))
            .expect("keynote cell");
        assert!(keynote.contains("07:00–07:45 UTC"), "{zone}: {keynote}");
        assert!(keynote.contains(expected), "{zone}: {keynote}");
    }
}
