//! `/webhook/*` and `/webhook-test/*`: registration lookup and CORS ([`find_webhook`],
//! in the handler since webhooks are registered at run time: no middleware, no request
//! extension), body parsing and webhook-node auth ([`WebhookCall::read`]), then the run
//! ([`begin`]) and the answer of each response mode.

// Handlers return `Result<Response, Response>`: the error side is the ready
// answer, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::response::Response;
use axum::routing::any;
use futures::StreamExt;
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::body::read_limited;
use crate::config::{N8nExposure, N8nResponseData, N8nResponseMode};
use crate::engine::{EventKind, RunSnapshot, RunStatus, StartRun, StepStatus};

use super::answers::{self, JSON_UTF8, SANDBOX_CSP};
use super::auth;
use super::executions::{self, MODE_KEY, VERSION_KEY, WORKFLOW_KEY};
use super::request::{decode_path_segment, headers_json, parse_body, parse_query};
use super::workflows::N8nWorkflow;
use super::{Face, N8nFace, PREFIX, Registry};

type Reply = Result<Response, Response>;

/// The methods a Webhook node can listen on.
const WEBHOOK_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Production,
    Test,
}

impl Kind {
    /// The path segment under `/n8n`.
    fn segment(self) -> &'static str {
        match self {
            Self::Production => "webhook",
            Self::Test => "webhook-test",
        }
    }
}

/// The production and test webhook routes: `/n8n/webhook`, `/n8n/webhook/` and
/// `/n8n/webhook/{*path}`, the same under `/n8n/webhook-test`, any method.
pub(super) fn routes() -> Router<Face> {
    [Kind::Production, Kind::Test]
        .into_iter()
        .fold(Router::new(), |router, kind| {
            let prefix = format!("{PREFIX}/{}", kind.segment());
            let hook = any(move |State(face): State<Face>, req: Request| answer(face, kind, req));
            router
                .route(&prefix, hook.clone())
                .route(&format!("{prefix}/"), hook.clone())
                .route(&format!("{prefix}/{{*path}}"), hook)
        })
}

/// A registered webhook a call reached: what the run needs of its workflow.
struct Candidate {
    workflow_id: String,
    engine_id: Option<String>,
    version_id: String,
    exposure: Arc<N8nExposure>,
    params: Map<String, Value>,
}

/// The webhook a call reached (found by [`find_webhook`]).
struct Hook {
    kind: Kind,
    candidate: Candidate,
    /// `webhookUrl` as the workflow sees it.
    url: String,
}

/// The request path below `/n8n/webhook` (or `/n8n/webhook-test`), without its outer slashes.
fn request_path(uri_path: &str, kind: Kind) -> &str {
    let uri_path = uri_path.strip_prefix(PREFIX).unwrap_or(uri_path);
    uri_path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(kind.segment()))
        .unwrap_or(uri_path)
        .trim_matches('/')
}

/// A registered webhook whose path matches the request (for any method),
/// borrowed from the registry.
struct Found<'r> {
    /// Its workflow.
    wf: &'r N8nWorkflow,
    /// The workflow's webhook.
    exposure: &'r Arc<N8nExposure>,
    /// The path parameters of a dynamic path.
    params: Map<String, Value>,
    static_matches: usize,
}

/// Finds the registered webhooks whose path matches, for any method.
fn lookup<'r>(reg: &'r Registry, kind: Kind, path: &str, now: Instant) -> Vec<Found<'r>> {
    // The decoded segments, made only when a dynamic path is compared.
    let mut segments: Option<Vec<String>> = None;
    // Without escapes the decoded path is the path itself.
    let decoded = if path.contains('%') {
        std::borrow::Cow::Owned(
            path.split('/')
                .map(decode_path_segment)
                .collect::<Vec<_>>()
                .join("/"),
        )
    } else {
        std::borrow::Cow::Borrowed(path)
    };
    let mut out = Vec::new();
    for wf in &reg.workflows {
        let Some(exposure) = &wf.webhook else {
            continue;
        };
        let serving = match kind {
            Kind::Production => Registry::is_live(wf, now),
            Kind::Test => reg.armed.get(&wf.id).is_some_and(|n| *n > 0),
        };
        if !serving {
            continue;
        }
        let registered = exposure.path.trim_matches('/');
        let dynamic = is_dynamic(registered);
        let mut params = Map::new();
        let static_matches = if dynamic {
            let segments =
                segments.get_or_insert_with(|| path.split('/').map(decode_path_segment).collect());
            let pattern = registered.split('/');
            let ok = segments.len() == pattern.clone().count() + 1
                && segments[0] == exposure.webhook_id
                && pattern.clone().zip(&segments[1..]).all(|(p, s)| {
                    if let Some(name) = p.strip_prefix(':') {
                        params.insert(name.to_owned(), Value::String(s.clone()));
                        true
                    } else {
                        p == s
                    }
                });
            if !ok {
                continue;
            }
            pattern.filter(|p| !p.starts_with(':')).count()
        } else {
            if decoded != registered {
                continue;
            }
            registered.split('/').count()
        };
        out.push(Found {
            wf,
            exposure,
            params,
            static_matches,
        });
    }
    out
}

/// Whether a registered path has a `:param` segment.
fn is_dynamic(registered: &str) -> bool {
    registered.contains(':') && registered.split('/').any(|s| s.starts_with(':'))
}

/// The upper-case methods of the webhooks found, each once, in order.
fn methods_of(found: &[Found<'_>]) -> Vec<String> {
    let mut methods: Vec<String> = Vec::new();
    for f in found {
        let m = f.exposure.method.to_ascii_uppercase();
        if !methods.contains(&m) {
            methods.push(m);
        }
    }
    methods
}

/// CORS headers for a registered path, when the request has an `Origin`.
fn cors_headers(
    request: &HeaderMap,
    methods: &[String],
    preflight: bool,
) -> Vec<(HeaderName, HeaderValue)> {
    let Some(origin) = request.get(header::ORIGIN) else {
        return Vec::new();
    };
    let mut out = vec![(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone())];
    let mut allow = vec!["OPTIONS".to_owned()];
    allow.extend(methods.iter().cloned());
    if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
        out.push((header::ACCESS_CONTROL_ALLOW_METHODS, v));
    }
    if preflight {
        out.push((
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("300"),
        ));
        if let Some(h) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            out.push((header::ACCESS_CONTROL_ALLOW_HEADERS, h.clone()));
        }
    }
    out
}

fn with_headers(mut response: Response, headers: &[(HeaderName, HeaderValue)]) -> Response {
    for (k, v) in headers {
        response.headers_mut().insert(k.clone(), v.clone());
    }
    response
}

/// `ANY /webhook/..` and `/webhook-test/..`: finds the webhook ([`find_webhook`]), reads
/// the body, starts the run ([`begin`]) and waits for the answer its response mode gives
/// ([`Then`]); every answer gets the CORS headers of the path.
///
/// Not an `async fn`: the request is split before the future is made, so the future (boxed
/// by the router on every call) holds its parts once, and only what a wait needs.
fn answer(face: Face, kind: Kind, req: Request) -> impl Future<Output = Response> + Send {
    let found = find_webhook(&face, kind, &req);
    let (parts, body) = req.into_parts();
    async move {
        let (hook, cors) = match found {
            Ok(found) => found,
            Err(response) => return response,
        };
        let reply = match read_limited(body, face.body_limit()).await {
            Err(_) => Err(answers::problem_executing()),
            Ok(bytes) => match begin(&face, hook, parts, &bytes) {
                Err(response) => Err(response),
                Ok(Then::Now(reply)) => reply,
                Ok(Then::LastNode { id, status, data }) => {
                    last_node(&face, &id, status, data).await
                }
                Ok(Then::ResponseNode(id)) => Box::pin(response_node(&face, &id)).await,
            },
        };
        let response = match reply {
            Ok(response) | Err(response) => response,
        };
        with_headers(response, &cors)
    }
}

/// Routes a call to its registered webhook, as n8n's webhook server does: an unsupported
/// method is a 500 (`code: 0`), an unknown path a 404 naming it, a path registered for
/// other methods a 404 naming them, an `OPTIONS` preflight a 204. Otherwise the call goes
/// on with its [`Hook`] (a test webhook's arming is used up) and the CORS headers of the
/// path for its answer.
fn find_webhook(
    face: &Face,
    kind: Kind,
    req: &Request,
) -> Result<(Hook, Vec<(HeaderName, HeaderValue)>), Response> {
    let method = req.method().as_str();
    if method != "OPTIONS" && !WEBHOOK_METHODS.contains(&method) {
        return Err(answers::code_zero(&format!(
            "The method {method} is not supported."
        )));
    }
    let path = request_path(req.uri().path(), kind);
    let headers = req.headers();
    // The methods of the path are only shown in CORS headers and refusals.
    let show_methods = method == "OPTIONS" || headers.contains_key(header::ORIGIN);
    let now = Instant::now();
    // Look up, and for a test call consume the arming, under one lock.
    let (chosen, methods) = {
        let mut reg = face.registry();
        let mut found = lookup(&reg, kind, path, now);
        let best = found
            .iter()
            .enumerate()
            .filter(|(_, f)| f.exposure.method.eq_ignore_ascii_case(method))
            .max_by_key(|(_, f)| f.static_matches)
            .map(|(i, _)| i);
        let chosen = best.map(|i| found.swap_remove(i));
        // The others' methods, the chosen one's first if theirs lack it.
        let mut methods = Vec::new();
        if show_methods || chosen.is_none() {
            methods = methods_of(&found);
            if let Some(c) = &chosen {
                let m = c.exposure.method.to_ascii_uppercase();
                if !methods.contains(&m) {
                    methods.insert(0, m);
                }
            }
        }
        let chosen = chosen.map(candidate);
        if let (Kind::Test, Some(c)) = (kind, &chosen)
            && let Some(n) = reg.armed.get_mut(&c.workflow_id)
        {
            *n = n.saturating_sub(1);
        }
        (chosen, methods)
    };
    if method == "OPTIONS" {
        if methods.is_empty() && headers.contains_key(header::ORIGIN) {
            return Err(not_registered(kind, method, path));
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        return Err(with_headers(
            response,
            &cors_headers(headers, &methods, true),
        ));
    }
    let cors = cors_headers(headers, &methods, false);
    let Some(candidate) = chosen else {
        if methods.is_empty() {
            return Err(not_registered(kind, method, path));
        }
        return Err(with_headers(answers::wrong_method(method, &methods), &cors));
    };
    let url = webhook_url(req, kind, &candidate.exposure);
    Ok((
        Hook {
            kind,
            candidate,
            url,
        },
        cors,
    ))
}

/// What a call needs of the workflow of a webhook found.
fn candidate(found: Found<'_>) -> Candidate {
    Candidate {
        workflow_id: found.wf.id.clone(),
        engine_id: found.wf.engine_id.clone(),
        version_id: found.wf.version_id.clone(),
        exposure: found.exposure.clone(),
        params: found.params,
    }
}

fn not_registered(kind: Kind, method: &str, path: &str) -> Response {
    match kind {
        Kind::Production => answers::not_registered_production(method, path),
        Kind::Test => answers::not_registered_test(path),
    }
}

/// The `http://host/n8n/webhook/<path>` the workflow sees as `webhookUrl` (the face's
/// mount as the client addressed it, e.g. under a router that nests the server's), with
/// the registered path as n8n shows it (`<webhookId>/users/:id` for a dynamic one).
fn webhook_url(req: &Request, kind: Kind, exposure: &N8nExposure) -> String {
    let registered = exposure.path.trim_matches('/');
    let webhook_id = if is_dynamic(registered) {
        exposure.webhook_id.as_str()
    } else {
        ""
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let path = req.uri().path();
    let inner = path.strip_prefix(PREFIX).unwrap_or(path);
    let original = req
        .extensions()
        .get::<OriginalUri>()
        .map_or(path, |o| o.0.path());
    let mount = original.strip_suffix(inner).unwrap_or("");
    let segment = kind.segment();
    let parts = [
        "http://",
        host,
        mount,
        "/",
        segment,
        "/",
        webhook_id,
        if webhook_id.is_empty() { "" } else { "/" },
        registered,
    ];
    let mut url = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        url.push_str(part);
    }
    url
}

/// A call to a registered webhook whose body parsed (by its content type) and which
/// passed the Webhook node's authentication.
struct WebhookCall {
    hook: Hook,
    headers: HeaderMap,
    query: Map<String, Value>,
    body: Value,
    /// The verified JWT's payload (`$json.jwtPayload`).
    jwt_payload: Option<Value>,
}

impl WebhookCall {
    /// Reads the call to `hook` from the request's parts and body. Refusals: a body that
    /// does not parse (422, before authentication, as n8n parses first), then n8n's
    /// plain-text auth failures.
    fn read(parts: Parts, bytes: &[u8], face: &Face, hook: Hook) -> Result<Self, Response> {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = parse_body(content_type, bytes).map_err(|hint| answers::parse_failure(&hint))?;
        let jwt_payload = auth::check(
            &hook.candidate.exposure.auth,
            &parts.headers,
            face.version(),
        )
        .map_err(auth::AuthFailure::into_response)?;
        Ok(Self {
            hook,
            query: parse_query(parts.uri.query().unwrap_or("")),
            headers: parts.headers,
            body,
            jwt_payload,
        })
    }
}

/// What a call does once its run has started: answer now, or wait for the run.
enum Then {
    /// The answer (`onReceived`, streaming, a refusal).
    Now(Reply),
    /// The `lastNode` answer, once the run has ended.
    LastNode {
        id: Arc<str>,
        status: StatusCode,
        data: N8nResponseData,
    },
    /// The Respond node's answer, once it has answered or the run has ended.
    ResponseNode(Arc<str>),
}

/// Starts the workflow of a call to `hook` (its request's parts and body, read within the
/// body limit) and says how its response mode answers.
fn begin(face: &Face, hook: Hook, parts: Parts, bytes: &[u8]) -> Result<Then, Response> {
    let call = WebhookCall::read(parts, bytes, face, hook)?;
    let WebhookCall {
        hook: Hook {
            kind,
            candidate: c,
            url,
        },
        headers,
        query,
        body,
        jwt_payload,
    } = call;
    let mut item = item_keys().clone();
    let values = [
        headers_json(&headers),
        Value::Object(c.params),
        Value::Object(query),
        body,
        Value::String(url),
        json!(if kind == Kind::Test {
            "test"
        } else {
            "production"
        }),
    ];
    for (slot, value) in item.values_mut().zip(values) {
        *slot = value;
    }
    if let Some(p) = jwt_payload {
        item.insert("jwtPayload".into(), p);
    }
    let execution_mode = if kind == Kind::Test {
        "manual"
    } else {
        "webhook"
    };
    let engine_id = c.engine_id.ok_or_else(answers::problem_executing)?;
    let target = RunTarget {
        workflow_id: c.workflow_id,
        engine_id,
        version_id: c.version_id,
    };
    let input = Value::Object(item);
    let exposure = &c.exposure;
    let status = StatusCode::from_u16(exposure.response_code).unwrap_or(StatusCode::OK);
    // The modes that wait for the run need only its id.
    let run_id = |input| {
        start_run(face, &target, input, execution_mode, |s| s.id.clone())
            .ok_or_else(answers::problem_executing)
    };
    Ok(match exposure.response_mode {
        N8nResponseMode::LastNode => Then::LastNode {
            id: run_id(input)?,
            status,
            data: exposure.response_data,
        },
        N8nResponseMode::ResponseNode => Then::ResponseNode(run_id(input)?),
        mode => {
            let started = start_run(face, &target, input, execution_mode, RunSnapshot::clone)
                .ok_or_else(answers::problem_executing)?;
            Then::Now(match mode {
                N8nResponseMode::Streaming => streaming(face, &started),
                _ => Ok(on_received(face, exposure, &started, status)),
            })
        }
    })
}

/// The keys of the item a webhook call gives its workflow, in n8n's order (`jwtPayload`
/// follows when there is one), hashed once: a call clones the map and fills in its values
/// in place, hashing no key.
fn item_keys() -> &'static Map<String, Value> {
    static KEYS: OnceLock<Map<String, Value>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            "headers",
            "params",
            "query",
            "body",
            "webhookUrl",
            "executionMode",
        ]
        .into_iter()
        .map(|key| (key.to_owned(), Value::Null))
        .collect()
    })
}

/// Which workflow a run is for.
pub(crate) struct RunTarget {
    /// n8n workflow id.
    pub workflow_id: String,
    /// Engine workflow id.
    pub engine_id: String,
    /// Workflow version id.
    pub version_id: String,
}

/// Starts a run under a fresh numeric execution id.
/// Returns what `pending` makes of the pending snapshot.
pub(crate) fn start_run<T>(
    face: &N8nFace,
    target: &RunTarget,
    input: Value,
    mode: &str,
    pending: impl FnOnce(&RunSnapshot) -> T,
) -> Option<T> {
    let mut req = StartRun::new(&target.engine_id, input, face.next_execution_id());
    req.meta = run_meta(face, mode, target);
    face.engine()
        .start_numbered(req, || face.next_execution_id(), pending)
        .ok()
}

/// The metadata of the runs of one (mode, workflow, version), with its key
/// kept beside it so finding it compares strings and reads no map.
pub(super) struct KnownMeta {
    mode: String,
    workflow_id: String,
    version_id: String,
    meta: Arc<Map<String, Value>>,
}

/// A run's metadata (mode, n8n workflow id, version), one map shared by
/// every run that carries the same, so a kept run holds no copy of it.
fn run_meta(face: &N8nFace, mode: &str, target: &RunTarget) -> Arc<Map<String, Value>> {
    let mut known = face
        .run_meta
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(k) = known.iter().find(|k| {
        k.mode == mode && k.workflow_id == target.workflow_id && k.version_id == target.version_id
    }) {
        return k.meta.clone();
    }
    let meta = Arc::new(Map::from_iter([
        (MODE_KEY.to_owned(), json!(mode)),
        (WORKFLOW_KEY.to_owned(), json!(target.workflow_id)),
        (VERSION_KEY.to_owned(), json!(target.version_id)),
    ]));
    // Each workflow update makes a new version: keep the list short.
    if known.len() >= 256 {
        known.clear();
    }
    known.push(KnownMeta {
        mode: mode.to_owned(),
        workflow_id: target.workflow_id.clone(),
        version_id: target.version_id.clone(),
        meta: meta.clone(),
    });
    meta
}

fn success(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX_CSP),
    );
    response
}

/// What `{{$execution.id}}` reads in an `onReceived` answer: 1.x answers before the execution
/// exists, so the expression evaluates to `__UNKNOWN__` there.
const UNKNOWN_EXECUTION_ID: &str = "__UNKNOWN__";

/// The `onReceived` answer without a custom body (`{"message": "Workflow was started"}`
/// as compact JSON).
const WORKFLOW_STARTED: &str = r#"{"message":"Workflow was started"}"#;

fn on_received(
    face: &N8nFace,
    exposure: &N8nExposure,
    started: &RunSnapshot,
    status: StatusCode,
) -> Response {
    match exposure.on_received_body.as_deref() {
        Some("") => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = status;
            success(r)
        }
        Some(custom) => {
            let id = if face.is_v1() {
                UNKNOWN_EXECUTION_ID
            } else {
                &started.id
            };
            let ctx = json!({"input": started.input, "execution": {"id": id}});
            let text = crate::engine::template::render_str(custom, &ctx)
                .map(|v| crate::engine::template::to_text(&v))
                .unwrap_or_else(|_| custom.to_owned());
            success(answers::raw(status, "text/html; charset=utf-8", text))
        }
        None => success(answers::raw(status, JSON_UTF8, WORKFLOW_STARTED)),
    }
}

async fn last_node(face: &N8nFace, id: &str, status: StatusCode, data: N8nResponseData) -> Reply {
    face.engine()
        .wait_then(
            id,
            |s| s.status.is_terminal(),
            |snap| last_node_answer(snap, status, data),
        )
        .await
        .ok_or_else(answers::problem_executing)?
}

/// The `lastNode` answer of a run that has ended (built under the run's lock,
/// serializing the items without a copy of the snapshot).
fn last_node_answer(snap: &RunSnapshot, status: StatusCode, data: N8nResponseData) -> Reply {
    match snap.status {
        RunStatus::Succeeded => {}
        RunStatus::Failed => return Err(answers::error_in_workflow()),
        _ => return Err(answers::problem_executing()),
    }
    let items = executions::last_node_items(snap);
    let answer = match data {
        N8nResponseData::AllEntries => answers::json(status, items),
        N8nResponseData::NoData => answers::raw(status, JSON_UTF8, Body::empty()),
        _ => {
            let first = items
                .first()
                .ok_or_else(|| answers::code_zero("No item to return was found"))?;
            answers::json(status, first)
        }
    };
    Ok(success(answer))
}

async fn response_node(face: &N8nFace, id: &str) -> Reply {
    let mut snap = face
        .engine()
        .wait_for_response(id)
        .await
        .ok_or_else(answers::problem_executing)?;
    if snap.response.is_some() && respond_cut_off(&snap) {
        snap = face
            .engine()
            .wait(id)
            .await
            .ok_or_else(answers::problem_executing)?;
        snap.response = None;
    }
    if let Some(resp) = &snap.response {
        let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
        let mut response = match &resp.body {
            Value::Null => answers::raw(status, JSON_UTF8, Body::empty()),
            Value::String(s) => answers::raw(status, "text/html; charset=utf-8", s.clone()),
            other => answers::json(status, other),
        };
        for (k, v) in &resp.headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v))
            {
                response.headers_mut().insert(name, value);
            }
        }
        return Ok(success(response));
    }
    // An unreached Respond node: 200, n8n's JSON content type, no body and no sandbox header.
    // 1.x answers a failure before the Respond node the same way.
    let unreached = || Ok(answers::raw(StatusCode::OK, JSON_UTF8, Body::empty()));
    match snap.status {
        RunStatus::Succeeded => unreached(),
        RunStatus::Failed if face.is_v1() => unreached(),
        RunStatus::Failed => Err(answers::error_in_workflow()),
        RunStatus::TimedOut => Err(answers::code_zero(
            "The execution was cancelled because it timed out",
        )),
        _ => Err(answers::code_zero("The execution was cancelled manually")),
    }
}

/// In n8n a node that emits no items ends its branch: a Respond node after a step whose
/// output is `[]` is never reached (the run then answers 200 with an empty body).
///
/// The respond step that set the response is the first one that has started: the engine
/// records the response before the step's output, so a snapshot taken in between has a
/// response and a respond step that is still `running` with no output.
fn respond_cut_off(snap: &RunSnapshot) -> bool {
    let Some(respond) = snap.steps.iter().position(|s| {
        s.step_type == "respond" && !matches!(s.status, StepStatus::Pending | StepStatus::Skipped)
    }) else {
        return false;
    };
    snap.steps[..respond]
        .iter()
        .any(|s| s.output.as_deref().is_some_and(executions::is_no_items))
}

/// NDJSON: `begin` / `item` / `end` per step, `error` when a step fails or the run is stopped.
fn streaming(face: &N8nFace, started: &RunSnapshot) -> Reply {
    let names: HashMap<Arc<str>, Arc<str>> = started
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let events = face
        .engine()
        .subscribe(&started.id, 0)
        .ok_or_else(answers::problem_executing)?;
    let lines = events.flat_map(move |event| {
        let millis = event
            .at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let meta = |step: &str| {
            json!({
                "nodeId": step,
                "nodeName": names.get(step).map_or(step, |name| &**name),
                "itemIndex": 0,
                "runIndex": 0,
                "timestamp": millis,
            })
        };
        let chunks: Vec<Value> = match event.kind {
            EventKind::StepStarted { step } => {
                vec![json!({"type": "begin", "metadata": meta(&step)})]
            }
            EventKind::StepCompleted { step, output } => {
                let content = match &*output {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                vec![
                    json!({"type": "item", "content": content, "metadata": meta(&step)}),
                    json!({"type": "end", "metadata": meta(&step)}),
                ]
            }
            EventKind::StepFailed { step, error } => {
                vec![json!({"type": "error", "content": error.message, "metadata": meta(&step)})]
            }
            EventKind::Finished {
                status: RunStatus::Cancelled | RunStatus::TimedOut,
                error,
                ..
            } => {
                let message =
                    error.map_or_else(|| "The execution was cancelled".to_owned(), |e| e.message);
                vec![json!({"type": "error", "content": message, "metadata": meta("")})]
            }
            _ => Vec::new(),
        };
        futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<Bytes, Infallible>(Bytes::from(format!("{c}\n")))),
        )
    });
    let mut response = answers::raw(StatusCode::OK, JSON_UTF8, Body::from_stream(lines));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(success(response))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::{Value, json};

    use super::respond_cut_off;
    use crate::engine::{RunResponse, RunSnapshot, RunStatus, StepState, StepStatus};

    fn step(
        id: &str,
        step_type: &'static str,
        status: StepStatus,
        output: Option<Value>,
    ) -> StepState {
        StepState {
            id: id.into(),
            name: id.into(),
            step_type,
            status,
            input: None,
            output: output.map(std::sync::Arc::new),
            error: None,
            attempt: 1,
            started_at: None,
            finished_at: None,
        }
    }

    fn snapshot(steps: Vec<StepState>) -> RunSnapshot {
        RunSnapshot {
            id: "1".into(),
            workflow_id: "w".into(),
            workflow_name: "w".into(),
            status: RunStatus::Running,
            input: json!({}).into(),
            output: None,
            response: Some(RunResponse {
                status: 200,
                headers: Default::default(),
                body: json!({"reached": true}),
            }),
            error: None,
            steps,
            created_at: SystemTime::now(),
            started_at: None,
            finished_at: None,
            meta: Default::default(),
            retry_of: None,
            last_seq: 0,
            headers: Default::default(),
        }
    }

    #[test]
    fn a_respond_step_after_zero_items_is_cut_off_even_before_its_output_is_recorded() {
        let drop = || step("drop", "transform", StepStatus::Completed, Some(json!([])));
        // The snapshot a waiter can see between `Responded` and `StepCompleted`.
        let between = snapshot(vec![
            drop(),
            step("respond", "respond", StepStatus::Running, None),
        ]);
        assert!(respond_cut_off(&between));
        let after = snapshot(vec![
            drop(),
            step(
                "respond",
                "respond",
                StepStatus::Completed,
                Some(json!({"reached": true})),
            ),
        ]);
        assert!(respond_cut_off(&after));
        let reached = snapshot(vec![
            step(
                "one",
                "transform",
                StepStatus::Completed,
                Some(json!({"a": 1})),
            ),
            step("respond", "respond", StepStatus::Running, None),
        ]);
        assert!(!respond_cut_off(&reached));
    }
}
