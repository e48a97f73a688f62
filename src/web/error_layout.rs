//! Error pages in the full layout. `AppError` renders its page without the request (actix's
//! `ResponseError` has none), so this middleware, which runs inside the session middleware,
//! renders the same content again with the request's page context: the visitor's name and
//! login links, the conference's name, their zone. If that fails, the minimal page stays.
//! Last, it writes what the request decided about the cookies (`auth::session::finish`),
//! before the session middleware writes the session cookie.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::FromRequest;
use askama::Template;

use crate::error::ErrorContent;
use crate::web::page::PageCtx;

/// Re-renders error responses that carry an [`ErrorContent`].
pub async fn full_layout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    let Some(content) = res.response().extensions().get::<ErrorContent>().cloned() else {
        crate::auth::session::finish(&mut res);
        return Ok(res);
    };
    let (req, response) = res.into_parts();
    let html = match PageCtx::from_request(&req, &mut Payload::None).await {
        Ok(ctx) => content.page(ctx.layout).render().ok(),
        Err(_) => None,
    };
    let response = match html {
        Some(html) => response.set_body(BoxBody::new(html)),
        None => response,
    };
    let mut res = ServiceResponse::new(req, response);
    crate::auth::session::finish(&mut res);
    Ok(res)
}
