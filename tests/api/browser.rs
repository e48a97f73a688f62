//! Real headless Chromium: the page's JavaScript picks up the browser's time zone.
//!
//! Needs Debian's `chromium` and `chromium-driver`. On a developer machine without them the
//! test is reported as SKIPPED (see docs/TESTING.md) and passes; with `CI=true` it must run.

use std::process::Stdio;
use std::time::Duration;

use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{skip, spawn_app, texts};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver and the port it bound (killed on drop).
struct Driver(#[allow(dead_code)] Child, u16);

/// Starts chromedriver on port 0 and reads the port it chose from its first lines
/// ("ChromeDriver was started successfully on port N."): no port is picked and given up first.
async fn start_chromedriver() -> Option<Driver> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        skip(
            "chromium",
            &format!("{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"),
        );
        return None;
    }
    let mut child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut seen = Vec::new();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read chromedriver output") {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return rest.trim_end_matches('.').trim().parse::<u16>().ok();
            }
            seen.push(line);
        }
        None
    })
    .await;
    let port = match port {
        Ok(Some(port)) => port,
        Ok(None) => panic!("chromedriver exited without reporting its port: {seen:?}"),
        Err(_) => panic!("chromedriver did not report its port within 30 s: {seen:?}"),
    };
    // Keep draining its stdout so that chromedriver never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Driver(child, port))
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
        // Polls until the page says so, for at most 20 s (generous for a loaded machine).
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
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
