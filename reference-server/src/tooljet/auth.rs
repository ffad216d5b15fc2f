//! ToolJet's workflow-token guard as extractors: the workflow of the path must
//! exist (404 `Workflow doesn't exists`), then the request must carry its bearer
//! token (401 `Invalid authentication token`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Query, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};
use serde::Deserialize;
use serde_json::Value;

use super::{Face, IdPath, ToolJetFace, error, original_uri};
use crate::body::{BodyError, read_limited};
use crate::config::Workflow;
use crate::engine::RunSnapshot;
use crate::path::FacePath;

/// The workflow id of a route (`{id}`, whatever else the route has).
#[derive(Deserialize)]
struct WorkflowPath {
    id: String,
}

/// The ids of an execution route.
#[derive(Deserialize)]
struct ExecutionPath {
    id: String,
    execution_id: String,
}

/// An execution of the path's workflow, whose token the request carries; an
/// execution of another workflow or of no face but ToolJet's is 404
/// `Execution not found`.
pub(super) struct AuthorizedExecution {
    pub wf: Arc<Workflow>,
    pub run: RunSnapshot,
}

impl FromRequestParts<Face> for AuthorizedExecution {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        let FacePath(ExecutionPath { id, execution_id }, _) =
            IdPath::<ExecutionPath>::from_request_parts(parts, face).await?;
        let uri = original_uri(parts);
        let wf = authorize(face, &id, parts, &uri)?;
        let run = face
            .app
            .engine
            .snapshot(&execution_id)
            .filter(|s| {
                *s.workflow_id == *wf.id
                    && s.meta.get("face").and_then(Value::as_str) == Some("tooljet")
            })
            .ok_or_else(|| error(StatusCode::NOT_FOUND, &uri, "Execution not found"))?;
        Ok(Self { wf, run })
    }
}

/// A trigger of the path's workflow, whose token the request carries, with its
/// body, its query (empty when it does not parse) and its URI (for the error
/// shape). The body is read before the token is checked, as NestJS parses it
/// before its guards run: past the body limit is 413 whatever the token.
pub(super) struct AuthorizedTrigger {
    pub wf: Arc<Workflow>,
    pub body: Bytes,
    pub query: HashMap<String, String>,
    pub uri: OriginalUri,
}

impl FromRequest<Face> for AuthorizedTrigger {
    type Rejection = Response;

    async fn from_request(req: Request, face: &Face) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let FacePath(WorkflowPath { id }, _) =
            IdPath::<WorkflowPath>::from_request_parts(&mut parts, face).await?;
        let uri = original_uri(&parts);
        let body = match read_limited(body, face.app.config.body_limit).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Err((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PayloadTooLargeError: request entity too large",
                )
                    .into_response());
            }
            Err(BodyError::Read) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    &uri,
                    "Could not read the request body",
                ));
            }
        };
        let wf = authorize(face, &id, &parts, &uri)?;
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(q)| q)
            .unwrap_or_default();
        Ok(Self {
            wf,
            body,
            query,
            uri,
        })
    }
}

/// Workflow lookup then token check (the order of the contract).
fn authorize(
    face: &ToolJetFace,
    id: &str,
    parts: &Parts,
    uri: &OriginalUri,
) -> Result<Arc<Workflow>, Response> {
    let wf = face
        .app
        .engine
        .workflow(id)
        .filter(|w| w.tooljet.is_some())
        .ok_or_else(|| error(StatusCode::NOT_FOUND, uri, "Workflow doesn't exists"))?;
    let token = wf
        .tooljet
        .as_ref()
        .map(|t| t.token.as_str())
        .unwrap_or_default();
    let given = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token.is_empty() || given != Some(token) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            uri,
            "Invalid authentication token",
        ));
    }
    Ok(wf)
}
