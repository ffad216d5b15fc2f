//! ToolJet's webhook throttler as an extractor: `WEBHOOK_THROTTLE_LIMIT`
//! requests per `WEBHOOK_THROTTLE_TTL` per client IP and route, on every
//! webhook route (trigger, trigger-async, status, stream), checked before
//! anything else — as NestJS's `ThrottlerGuard` keys by handler and tracker.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

use super::{Face, error, original_uri};

/// Passed the throttle; the rejection is the 429 in ToolJet's error shape
/// with `Retry-After`.
pub(super) struct Throttled;

impl FromRequestParts<Face> for Throttled {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        // The route template (`…/{id}/status/{execution_id}`): every
        // workflow and execution shares its route's budget.
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or_else(|| parts.uri.path().to_owned(), |m| m.as_str().to_owned());
        let opts = &face.app.config.tooljet;
        face.throttle
            .hit(
                &format!("{client}|{route}"),
                opts.throttle_limit,
                opts.throttle_ttl,
            )
            .map_err(|retry_after| {
                let mut response = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    &original_uri(parts),
                    "ThrottlerException: Too Many Requests",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                response
            })?;
        Ok(Self)
    }
}
