//! `/api/v1`: the bot check, routing (404 / 405) before auth, `X-N8N-API-KEY`, unknown query
//! parameters (refused by 1.x, ignored by 2.x), then the workflow, execution and tag
//! handlers. Each step is an extractor of [`handle`], in n8n's order.
//!
//! The routes are a table matched the way n8n's Express router matches them (a trailing
//! slash is the same path, a method another route of the same shape has is a 405, a GET
//! of `/workflows/{id}/activate` reaches `/workflows/{id}/{versionId}`), with the routes
//! and query parameters 1.x lacks left out on a 1.x face.

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

mod executions;
mod tags;
mod workflows;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::response::Response;
use http::request::Parts;
use http::{StatusCode, header};
use serde_json::{Map, Value, json};

use super::answers;
use super::auth::constant_time_eq;
use super::request::parse_query;
use super::{Face, N8nFace};
use crate::body::read_limited;

type Reply = Result<Response, Response>;

/// Which handler a path + method reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    ListWorkflows,
    CreateWorkflow,
    GetWorkflow,
    UpdateWorkflow,
    DeleteWorkflow,
    Activate,
    Deactivate,
    Publish,
    Unpublish,
    WorkflowVersion,
    GetWorkflowTags,
    PutWorkflowTags,
    Execute,
    ListExecutions,
    GetExecution,
    DeleteExecution,
    Retry,
    Stop,
    ListTags,
    CreateTag,
    GetTag,
    UpdateTag,
    DeleteTag,
}

/// `{}` is a path parameter.
struct RouteDef {
    pattern: &'static [&'static str],
    method: &'static str,
    route: Route,
    query: &'static [&'static str],
}

const WORKFLOW_LIST_QUERY: &[&str] = &[
    "active",
    "tags",
    "name",
    "projectId",
    "excludePinnedData",
    "limit",
    "cursor",
];
const EXECUTION_LIST_QUERY: &[&str] = &[
    "includeData",
    "status",
    "workflowId",
    "projectId",
    "limit",
    "cursor",
    "startedAfter",
    "startedBefore",
    "redactExecutionData",
    "ignoreDataSizeLimit",
];
const EXECUTION_QUERY: &[&str] = &["includeData", "redactExecutionData", "ignoreDataSizeLimit"];

const ROUTES: &[RouteDef] = &[
    RouteDef {
        pattern: &["workflows"],
        method: "GET",
        route: Route::ListWorkflows,
        query: WORKFLOW_LIST_QUERY,
    },
    RouteDef {
        pattern: &["workflows"],
        method: "POST",
        route: Route::CreateWorkflow,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}"],
        method: "GET",
        route: Route::GetWorkflow,
        query: &["excludePinnedData"],
    },
    RouteDef {
        pattern: &["workflows", "{}"],
        method: "PUT",
        route: Route::UpdateWorkflow,
        query: &["publishIfActive"],
    },
    RouteDef {
        pattern: &["workflows", "{}"],
        method: "DELETE",
        route: Route::DeleteWorkflow,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "activate"],
        method: "POST",
        route: Route::Activate,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "deactivate"],
        method: "POST",
        route: Route::Deactivate,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "publish"],
        method: "POST",
        route: Route::Publish,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "unpublish"],
        method: "POST",
        route: Route::Unpublish,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "tags"],
        method: "GET",
        route: Route::GetWorkflowTags,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "tags"],
        method: "PUT",
        route: Route::PutWorkflowTags,
        query: &[],
    },
    RouteDef {
        pattern: &["workflows", "{}", "{}"],
        method: "GET",
        route: Route::WorkflowVersion,
        query: &[],
    },
    RouteDef {
        pattern: &["executions"],
        method: "GET",
        route: Route::ListExecutions,
        query: EXECUTION_LIST_QUERY,
    },
    RouteDef {
        pattern: &["executions", "{}"],
        method: "GET",
        route: Route::GetExecution,
        query: EXECUTION_QUERY,
    },
    RouteDef {
        pattern: &["executions", "{}"],
        method: "DELETE",
        route: Route::DeleteExecution,
        query: &[],
    },
    RouteDef {
        pattern: &["executions", "{}", "retry"],
        method: "POST",
        route: Route::Retry,
        query: &[],
    },
    RouteDef {
        pattern: &["executions", "{}", "stop"],
        method: "POST",
        route: Route::Stop,
        query: &[],
    },
    RouteDef {
        pattern: &["tags"],
        method: "GET",
        route: Route::ListTags,
        query: &["limit", "cursor"],
    },
    RouteDef {
        pattern: &["tags"],
        method: "POST",
        route: Route::CreateTag,
        query: &[],
    },
    RouteDef {
        pattern: &["tags", "{}"],
        method: "GET",
        route: Route::GetTag,
        query: &[],
    },
    RouteDef {
        pattern: &["tags", "{}"],
        method: "PUT",
        route: Route::UpdateTag,
        query: &[],
    },
    RouteDef {
        pattern: &["tags", "{}"],
        method: "DELETE",
        route: Route::DeleteTag,
        query: &[],
    },
];

/// Routes 1.x does not have: a 1.x face answers them as unknown paths (or 405 where
/// another route has the same shape).
const V2_ONLY_ROUTES: &[Route] = &[Route::Publish, Route::Unpublish, Route::Stop];

/// Query parameters 1.x does not know (it answers `Unknown query parameter`).
const V2_ONLY_QUERY: &[&str] = &[
    "startedAfter",
    "startedBefore",
    "redactExecutionData",
    "ignoreDataSizeLimit",
    "publishIfActive",
];

/// The optional execute endpoint (`config.n8n.execute_endpoint`).
const EXECUTE_ROUTE: RouteDef = RouteDef {
    pattern: &["workflows", "{}", "execute"],
    method: "POST",
    route: Route::Execute,
    query: &[],
};

/// What a handler gets: the face, path parameters, query, parsed JSON body.
pub(crate) struct Ctx {
    pub face: Face,
    pub params: Vec<String>,
    pub query: Map<String, Value>,
    pub body: Value,
}

impl Ctx {
    /// The first path parameter.
    pub(crate) fn id(&self) -> &str {
        self.params.first().map_or("", String::as_str)
    }

    /// A query value as a string (the first one when repeated).
    pub(crate) fn q(&self, key: &str) -> Option<String> {
        match self.query.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => items.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    }
}

/// `ANY /healthz` and `/healthz/readiness`.
pub(crate) async fn healthz() -> Response {
    answers::json(StatusCode::OK, &json!({"status": "ok"}))
}

fn matches(pattern: &[&str], segments: &[&str]) -> Option<Vec<String>> {
    if pattern.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (p, s) in pattern.iter().zip(segments) {
        if *p == "{}" {
            if s.is_empty() {
                return None;
            }
            params.push(super::request::decode_path_segment(s));
        } else if p != s {
            return None;
        }
    }
    Some(params)
}

fn literal_count(pattern: &[&str]) -> usize {
    pattern.iter().filter(|p| **p != "{}").count()
}

/// `ANY /api/v1/{*rest}`.
pub(crate) async fn handle(
    State(face): State<Face>,
    _: NotBot,
    endpoint: Endpoint,
    _: ApiKey,
    KnownQuery(query): KnownQuery,
    JsonBody(body): JsonBody,
) -> Reply {
    let ctx = Ctx {
        face,
        params: endpoint.params,
        query,
        body,
    };
    dispatch(endpoint.route, ctx).await
}

/// Not a bot: n8n answers a `User-Agent` containing `bot` with an empty 204, before
/// routing.
pub(crate) struct NotBot;

impl<S: Send + Sync> FromRequestParts<S> for NotBot {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let is_bot = parts
            .headers
            .get(header::USER_AGENT)
            .map(|ua| String::from_utf8_lossy(ua.as_bytes()).to_ascii_lowercase())
            .is_some_and(|ua| ua.contains("bot"));
        if is_bot {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            return Err(r);
        }
        Ok(Self)
    }
}

/// The route a path and method reach, with its decoded path parameters; the
/// rejection is n8n's 404 or 405. The query parameters the route knows are left in the
/// request's extensions for [`KnownQuery`].
pub(crate) struct Endpoint {
    route: Route,
    params: Vec<String>,
}

/// The query parameters of the route a request reached.
#[derive(Clone, Copy)]
struct RouteQuery(&'static [&'static str]);

impl FromRequestParts<Face> for Endpoint {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        let path = parts.uri.path();
        let rest = path
            .strip_prefix("/api/v1")
            .unwrap_or(path)
            .trim_start_matches('/');
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segments: Vec<&str> = rest.split('/').collect();
        let method = parts.method.as_str();
        let execute_on = face.options().execute_endpoint;
        let v1 = face.is_v1();
        let candidates: Vec<(&RouteDef, Vec<String>)> = ROUTES
            .iter()
            .chain(execute_on.then_some(&EXECUTE_ROUTE))
            .filter(|def| !(v1 && V2_ONLY_ROUTES.contains(&def.route)))
            .filter_map(|def| matches(def.pattern, &segments).map(|p| (def, p)))
            .collect();
        if candidates.is_empty() {
            return Err(answers::api_error(StatusCode::NOT_FOUND, "not found"));
        }
        let chosen = candidates
            .into_iter()
            .filter(|(def, _)| def.method == method)
            .max_by_key(|(def, _)| literal_count(def.pattern));
        let Some((def, params)) = chosen else {
            return Err(answers::api_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("{method} method not allowed"),
            ));
        };
        parts.extensions.insert(RouteQuery(def.query));
        Ok(Self {
            route: def.route,
            params,
        })
    }
}

/// A request with a known `X-N8N-API-KEY`; the rejection is the 401: `Unauthorized` on
/// 2.x, on 1.x `'X-N8N-API-KEY' header required` (no header) or `unauthorized` (a wrong
/// key).
pub(crate) struct ApiKey;

impl FromRequestParts<Face> for ApiKey {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        authorized(face, &parts.headers)
            .map(|()| Self)
            .map_err(|message| answers::api_error(StatusCode::UNAUTHORIZED, message))
    }
}

fn authorized(face: &N8nFace, headers: &http::HeaderMap) -> Result<(), &'static str> {
    let v1 = face.is_v1();
    let Some(given) = headers.get("x-n8n-api-key") else {
        return Err(if v1 {
            "'X-N8N-API-KEY' header required"
        } else {
            "Unauthorized"
        });
    };
    let known = face
        .options()
        .api_keys
        .iter()
        .any(|k| constant_time_eq(k.as_bytes(), given.as_bytes()));
    match (known, v1) {
        (true, _) => Ok(()),
        (false, true) => Err("unauthorized"),
        (false, false) => Err("Unauthorized"),
    }
}

/// The query, parsed like Express' `qs`. 1.x validates it after the key and refuses
/// parameters the route does not know (400 `Unknown query parameter`); 2.x ignores them.
pub(crate) struct KnownQuery(Map<String, Value>);

impl FromRequestParts<Face> for KnownQuery {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, face: &Face) -> Result<Self, Response> {
        let query = parse_query(parts.uri.query().unwrap_or(""));
        let RouteQuery(allowed) = parts
            .extensions
            .get::<RouteQuery>()
            .copied()
            .unwrap_or(RouteQuery(&[]));
        let known = |k: &str| allowed.contains(&k) && !V2_ONLY_QUERY.contains(&k);
        if face.is_v1()
            && let Some(unknown) = query.keys().find(|k| !known(k))
        {
            return Err(answers::api_error(
                StatusCode::BAD_REQUEST,
                &format!("Unknown query parameter '{unknown}'"),
            ));
        }
        Ok(Self(query))
    }
}

/// The body as JSON (`null` when empty); over the body limit 413, not JSON 400.
pub(crate) struct JsonBody(Value);

impl FromRequest<Face> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, face: &Face) -> Result<Self, Response> {
        let bytes = read_limited(req.into_body(), face.body_limit())
            .await
            .map_err(|_| {
                answers::api_error(StatusCode::PAYLOAD_TOO_LARGE, "request entity too large")
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Value::Null));
        }
        serde_json::from_slice(&bytes).map(Self).map_err(|_| {
            answers::api_error(StatusCode::BAD_REQUEST, "Invalid JSON in request body")
        })
    }
}

async fn dispatch(route: Route, ctx: Ctx) -> Reply {
    match route {
        Route::ListWorkflows => workflows::list(&ctx),
        Route::CreateWorkflow => workflows::create(&ctx),
        Route::GetWorkflow => workflows::get(&ctx),
        Route::UpdateWorkflow => workflows::update(&ctx),
        Route::DeleteWorkflow => workflows::delete(&ctx),
        Route::Activate => workflows::activate(&ctx, true, true),
        Route::Deactivate => workflows::activate(&ctx, false, true),
        Route::Publish => workflows::activate(&ctx, true, false),
        Route::Unpublish => workflows::activate(&ctx, false, false),
        Route::WorkflowVersion => workflows::version(&ctx),
        Route::GetWorkflowTags => workflows::get_tags(&ctx),
        Route::PutWorkflowTags => workflows::put_tags(&ctx),
        Route::Execute => workflows::execute(&ctx),
        Route::ListExecutions => executions::list(&ctx),
        Route::GetExecution => executions::get(&ctx),
        Route::DeleteExecution => executions::delete(&ctx),
        Route::Retry => executions::retry(&ctx).await,
        Route::Stop => executions::stop(&ctx),
        Route::ListTags => tags::list(&ctx),
        Route::CreateTag => tags::create(&ctx),
        Route::GetTag => tags::get(&ctx),
        Route::UpdateTag => tags::update(&ctx),
        Route::DeleteTag => tags::delete(&ctx),
    }
}

/// `limit` (default 100); `Err` when it is not a non-negative integer.
pub(crate) fn parse_limit(ctx: &Ctx) -> Result<u64, Response> {
    match ctx.q("limit") {
        None => Ok(100),
        Some(s) => s.trim().parse::<u64>().map_err(|_| {
            answers::api_error(
                StatusCode::BAD_REQUEST,
                "request/query/limit must be number",
            )
        }),
    }
}

/// A boolean query value; `Err` when it is neither `true` nor `false`.
pub(crate) fn parse_bool(ctx: &Ctx, key: &str) -> Result<Option<bool>, Response> {
    match ctx.q(key).as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(answers::api_error(
            StatusCode::BAD_REQUEST,
            &format!("request/query/{key} must be boolean"),
        )),
    }
}

/// `{"message":"Not Found"}`.
pub(crate) fn not_found() -> Response {
    answers::api_error(StatusCode::NOT_FOUND, "Not Found")
}

/// 400 `An invalid cursor was provided`.
pub(crate) fn bad_cursor() -> Response {
    answers::api_error(StatusCode::BAD_REQUEST, "An invalid cursor was provided")
}

/// 400 with n8n's `{"message"}`.
pub(crate) fn bad_request(message: &str) -> Response {
    answers::api_error(StatusCode::BAD_REQUEST, message)
}

/// A 200 JSON answer.
pub(crate) fn ok(body: &Value) -> Reply {
    Ok(answers::json(StatusCode::OK, body))
}

/// `{"data":[..],"nextCursor":..}`.
pub(crate) fn page(data: Vec<Value>, next: Option<String>) -> Reply {
    ok(&json!({"data": data, "nextCursor": next}))
}

/// Offset pagination shared by workflows and tags: the page and the next cursor.
pub(crate) fn offset_page<T: Clone>(
    ctx: &Ctx,
    items: &[T],
) -> Result<(Vec<T>, Option<String>), Response> {
    use super::cursor::{OffsetCursor, decode, encode};
    let (limit, offset) = match ctx.q("cursor") {
        Some(raw) => {
            let c: OffsetCursor = decode(&raw).ok_or_else(bad_cursor)?;
            (c.limit, c.offset)
        }
        None => (parse_limit(ctx)?, 0),
    };
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(items.len());
    let end = if limit == 0 {
        items.len()
    } else {
        start
            .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
            .min(items.len())
    };
    let next = (items.len() as u64 > offset.saturating_add(limit)).then(|| {
        encode(&OffsetCursor {
            limit,
            offset: offset.saturating_add(limit),
        })
    });
    Ok((items[start..end].to_vec(), next))
}
