//! The baseline of hallway's HTTP benchmarks: what actix-web alone costs.
//!
//! Every benchmark in `benches/*.sh` reports hallway as a ratio against this server, built
//! and measured in the same run on the same machine, because the machines are noisy. It
//! answers the same kinds of responses with no work behind them:
//!
//! - `POST /join` (any form body, read and dropped) → `303 See Other` with the bytes of
//!   hallway's warm join answer: a SHA-256-signed `role` join URL of the same shape and length
//!   (~680 bytes: `errorRedirectUrl` and `logoutURL` each carry the signed return link) and the
//!   same security headers hallway sends on every response, so that the ratio measures
//!   hallway's work and not a shorter response;
//! - `GET /page` → `200 text/html` with a static body: the bytes of the file given with
//!   `--page FILE` (the scripts pass the very page hallway served), else 45 KB of filler;
//! - `GET /events` → a server-sent-event stream holding one broadcast receiver, and
//!   `POST /start` → one `started` event to every open stream (the lobby fan-out).
//!
//! Usage: `hallway-bench-bare PORT [--page FILE]`; listens on 127.0.0.1 only, with actix's
//! default worker count (one per core), as hallway does.

use actix_web::{http::header, web, App, HttpResponse, HttpServer};

/// A join URL as hallway signs it for BBB 3.0 in benches/join.sh (role join, createTime, both
/// return links, SHA-256 checksum): the same shape and length as hallway's answer there.
const JOIN_URL: &str = "http://127.0.0.1:33215/bigbluebutton/api/join?meetingID=hallway-hack1&fullName=Bench+Guest&role=VIEWER&userID=hw-8ddf1b562a7198e6ba5955a1&createTime=1796135312313&errorRedirectUrl=http%3A%2F%2F127.0.0.1%3A32969%2Frooms%2Fhack1%2Freturn%3Ft%3DMXxody04ZGRmMWI1NjJhNzE5OGU2YmE1OTU1YTF8aGFjazF8aGFsbHdheS1oYWNrMXwxNzk2MTM1MzEyMzEzfDB8MTc5NjEzNTkxMg.pbWTM2cQnpvSI9UoryxU3e4PqiRumMMoUpqlY8vPs2Q&logoutURL=http%3A%2F%2F127.0.0.1%3A32969%2Frooms%2Fhack1%2Freturn%3Ft%3DMXxody04ZGRmMWI1NjJhNzE5OGU2YmE1OTU1YTF8aGFjazF8aGFsbHdheS1oYWNrMXwxNzk2MTM1MzEyMzEzfDB8MTc5NjEzNTkxMg.pbWTM2cQnpvSI9UoryxU3e4PqiRumMMoUpqlY8vPs2Q&checksum=a7a25ec676640d15dd783395f6fcae72150d631a22cc83b479dde37ff613989e";

/// The security headers hallway sends on every response (`web::outer`).
const SECURITY_HEADERS: [(&str, &str); 3] = [
    (
        "content-security-policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

fn filler_page() -> Vec<u8> {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Now</title></head><body>\n",
    );
    let mut i = 0;
    while page.len() < 45_000 {
        page.push_str(&format!(
            "<article class=\"session\"><h3><a href=\"/sessions/{i}\">Session {i}: a talk about plumbing</a></h3><p class=\"when\">10:00–10:45 · Room {r}</p></article>\n",
            r = i % 20
        ));
        i += 1;
    }
    page.push_str("</body></html>\n");
    page.into_bytes()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: hallway-bench-bare PORT [--page FILE]");
    let page = match (args.next().as_deref(), args.next()) {
        (Some("--page"), Some(file)) => std::fs::read(file)?,
        _ => filler_page(),
    };
    let page = web::Bytes::from(page);
    // The lobby fan-out baseline (benches/lobby.sh): GET /events holds one broadcast
    // receiver per stream, POST /start sends one event to all of them.
    let (tx, _) = tokio::sync::broadcast::channel::<()>(16);
    println!(
        "bare listening on http://127.0.0.1:{port}/ (page {} bytes)",
        page.len()
    );
    HttpServer::new(move || {
        let page = page.clone();
        let (events_tx, start_tx) = (tx.clone(), tx.clone());
        App::new()
            .route(
                "/events",
                web::get().to(move || {
                    let rx = events_tx.subscribe();
                    async move {
                        let hello = futures_util::stream::once(async {
                            Ok::<_, actix_web::Error>(web::Bytes::from_static(b": connected\n\n"))
                        });
                        let events = futures_util::stream::unfold(rx, |mut rx| async move {
                            rx.recv().await.ok()?;
                            Some((
                                Ok(web::Bytes::from_static(b"event: started\ndata: bare\n\n")),
                                rx,
                            ))
                        });
                        HttpResponse::Ok()
                            .content_type("text/event-stream")
                            .streaming(futures_util::StreamExt::chain(hello, events))
                    }
                }),
            )
            .route(
                "/start",
                web::post().to(move || {
                    let n = start_tx.send(()).unwrap_or(0);
                    async move { HttpResponse::Ok().body(n.to_string()) }
                }),
            )
            .route(
                "/join",
                web::post().to(|_body: web::Bytes| async {
                    let mut res = HttpResponse::SeeOther();
                    res.insert_header((header::LOCATION, JOIN_URL));
                    for h in SECURITY_HEADERS {
                        res.insert_header(h);
                    }
                    res.finish()
                }),
            )
            .route(
                "/page",
                web::get().to(move || {
                    let page = page.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(page)
                    }
                }),
            )
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
