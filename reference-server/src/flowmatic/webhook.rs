//! `POST|GET /api/webhooks/{webhookId}`: signed triggers, sync Response nodes.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use serde_json::{Map, Value, json};

use super::{Face, IdPath, Reply, error, signature, status_name};
use crate::config::Workflow;
use crate::path::FacePath;
use crate::time::now_iso;

pub(super) async fn post_webhook(
    State(face): State<Face>,
    FacePath(webhook_id, _): IdPath<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let wf = find(&face, &webhook_id)?;
    let bytes = face.read_body(body).await?;
    check_signature(&wf, &headers, &bytes)?;
    let fields = parse_body(&headers, &bytes)?;
    trigger(&face, &wf, &webhook_id, &headers, &uri, fields).await
}

pub(super) async fn get_webhook(
    State(face): State<Face>,
    FacePath(webhook_id, _): IdPath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Reply {
    let wf = find(&face, &webhook_id)?;
    let raw_query = uri.query().unwrap_or_default();
    check_signature(&wf, &headers, raw_query.as_bytes())?;
    let fields = match query_map(&uri) {
        Some(Value::Object(map)) => map,
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                "Malformed query string",
            ));
        }
    };
    trigger(&face, &wf, &webhook_id, &headers, &uri, fields).await
}

fn find(face: &super::FlowmaticFace, webhook_id: &str) -> Result<Arc<Workflow>, Response> {
    face.app
        .engine
        .find_workflow(|w| {
            w.flowmatic
                .as_ref()
                .is_some_and(|f| f.webhook_id == webhook_id)
        })
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "NOT_FOUND", "Webhook not found"))
}

fn check_signature(wf: &Workflow, headers: &HeaderMap, signed: &[u8]) -> Result<(), Response> {
    let Some(secret) = wf.flowmatic.as_ref().and_then(|f| f.secret.as_deref()) else {
        return Ok(());
    };
    let given = headers
        .get("x-webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if signature::verify(secret, signed, given) {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SIGNATURE",
            "Invalid webhook signature",
        ))
    }
}

/// The body's fields: a JSON object as is, other JSON under `body`, a form as
/// an object; an empty body is `{}`.
fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Map<String, Value>, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let uri: Uri = format!("/?{}", String::from_utf8_lossy(bytes))
            .parse()
            .map_err(|_| bad_body("Malformed form body"))?;
        return match query_map(&uri) {
            Some(Value::Object(map)) => Ok(map),
            _ => Err(bad_body("Malformed form body")),
        };
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let mut map = Map::new();
            map.insert("body".to_owned(), other);
            Ok(map)
        }
        Err(e) => Err(bad_body(&format!("Invalid JSON body: {e}"))),
    }
}

fn bad_body(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

/// Query parameters as an object: repeated keys become arrays.
fn query_map(uri: &Uri) -> Option<Value> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
    let mut map = Map::new();
    for (k, v) in pairs {
        match map.get_mut(&k) {
            Some(Value::Array(items)) => items.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
            None => {
                map.insert(k, Value::String(v));
            }
        }
    }
    Some(Value::Object(map))
}

fn headers_map(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        map.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    Value::Object(map)
}

async fn trigger(
    face: &super::FlowmaticFace,
    wf: &Workflow,
    webhook_id: &str,
    headers: &HeaderMap,
    uri: &Uri,
    mut fields: Map<String, Value>,
) -> Reply {
    let exposure = wf.flowmatic.clone().unwrap_or_default();
    fields.insert(
        "_webhook".to_owned(),
        json!({
            "webhookId": webhook_id,
            "triggerId": exposure.trigger_id,
            "headers": headers_map(headers),
            "query": query_map(uri).unwrap_or_else(|| json!({})),
            "receivedAt": now_iso(),
        }),
    );
    let run = face.start(wf, Value::Object(fields), "webhook")?;
    let ack = |status: &str| {
        (
            StatusCode::OK,
            axum::Json(json!({
                "status": "success",
                "message": "Webhook received and workflow triggered",
                "webhookId": webhook_id,
                "workflowId": wf.id,
                "executionId": run.id,
                "executionStatus": status,
            })),
        )
            .into_response()
    };
    if !wf.has_respond_step() {
        return Ok(ack("RUNNING"));
    }
    let waited = tokio::time::timeout(
        face.app.config.flowmatic.sync_timeout,
        face.app.engine.wait_for_response(&run.id),
    )
    .await;
    match waited {
        Ok(Some(snap)) => match snap.response {
            Some(resp) => {
                let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
                let mut response = match &resp.body {
                    Value::String(text) => (status, text.clone()).into_response(),
                    body => (status, axum::Json(body.clone())).into_response(),
                };
                for (k, v) in &resp.headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::try_from(k.as_str()),
                        HeaderValue::try_from(v.as_str()),
                    ) {
                        response.headers_mut().insert(name, value);
                    }
                }
                Ok(response)
            }
            None => Ok(ack(status_name(snap.status))),
        },
        Ok(None) | Err(_) => Ok(ack("RUNNING")),
    }
}
