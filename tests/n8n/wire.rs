//! Wire rows: what each target answers, status, headers and body, request by request
//! (`sdk-n8n/docs/contract.md` §1–§3). Where 1.x and 2.x differ, the row states both answers.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::target::{Reply, Target};
use crate::{NOT_REGISTERED_HINT, PATH_PARAM_WEBHOOK_ID, digits};

/// A finished successful execution: the `echo-set` fixture answers with its own id.
pub async fn successful_execution(t: &Target) -> String {
    let r = t.post_json("echo-set", json!({"ok": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    let id = digits(&r.json()["executionId"]);
    t.execution_until(&id, &["success"]).await;
    id
}

/// n8n's empty answer: `application/json` and no body (never to be JSON-decoded).
fn assert_empty_json(t: &Target, r: &Reply) {
    assert_eq!(
        r.content_type().as_deref(),
        Some("application/json"),
        "{}",
        t.label
    );
    assert!(r.body.is_empty(), "{}: {:?}", t.label, r.text());
}

fn assert_auth_failure(t: &Target, r: &Reply, status: u16, body: &str) {
    assert_eq!(r.status.as_u16(), status, "{}: {}", t.label, r.text());
    assert_eq!(r.text(), body, "{}", t.label);
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some(r#"Basic realm="Webhook""#),
        "{}",
        t.label
    );
    assert_eq!(
        r.content_type(),
        None,
        "{}: auth failures have no content type",
        t.label
    );
}

/// §1 onReceived: 200 `{"message":"Workflow was started"}`, whatever the body.
pub async fn webhook_on_received_default(t: Arc<Target>) {
    for req in [
        t.http.post(t.webhook("echo")).json(&json!({"a": 1})),
        t.http.post(t.webhook("echo")),
        t.http
            .post(t.webhook("echo"))
            .header("content-type", "text/plain")
            .body("hi"),
    ] {
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.label);
        assert_eq!(
            r.content_type().as_deref(),
            Some("application/json"),
            "{}",
            t.label
        );
        assert_eq!(
            r.json(),
            json!({"message": "Workflow was started"}),
            "{}",
            t.label
        );
    }
}

/// §1 onReceived with responseCode 202 + responseData: the custom string as text/html.
pub async fn webhook_on_received_custom(t: Arc<Target>) {
    let r = t.post_json("accepted", json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", t.label);
    assert_eq!(
        r.content_type().as_deref(),
        Some("text/html"),
        "{}",
        t.label
    );
    assert_eq!(r.text(), "queued", "{}", t.label);
}

/// REAL-N8N ROW: an onReceived `responseData` expression can carry `$execution.id`. On 2.x
/// the id in the answer is the execution the API shows; 1.x answers before the execution
/// exists, so the expression reads `"__UNKNOWN__"` there.
pub async fn webhook_on_received_execution_id(t: Arc<Target>) {
    let r = t.post_json("accepted-id", json!({"n": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    let v: Value = serde_json::from_str(&r.text()).expect("JSON text");
    if t.line == crate::target::Line::V1 {
        assert_eq!(v["executionId"], "__UNKNOWN__", "{}", t.label);
        return;
    }
    let id = digits(&v["executionId"]);
    let ex = t.execution_until(&id, &["success"]).await;
    assert_eq!(
        ex["workflowId"],
        json!(t.id("ONRECEIVED_EXECUTION_ID")),
        "{}",
        t.label
    );
    assert_eq!(ex["mode"], "webhook", "{}", t.label);
    assert_eq!(ex["finished"], true, "{}", t.label);
}

/// §1 onReceived with `noResponseBody`: 200, no body.
pub async fn webhook_on_received_no_body(t: Arc<Target>) {
    let r = t.post_json("no-body", json!({"a": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    assert!(r.body.is_empty(), "{}: {:?}", t.label, r.text());
}

/// §1 lastNode/firstEntryJson: the first item as sent; what the Webhook node saw (lower-case
/// headers, query arrays and bare keys, body, webhookUrl, executionMode).
pub async fn webhook_last_node_first_entry_and_request_shape(t: Arc<Target>) {
    let r = t
        .send(
            t.http
                .post(t.webhook("echo-last") + "?q=rust&page=2&tag=a&tag=b&flag")
                .header("X-Request-Id", "req-123")
                .json(&json!({"hello": "world", "nested": {"arr": [1, 2, 3]}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    let v = r.json();
    let seen = &v["seen"];
    assert_eq!(
        seen["query"],
        json!({"q": "rust", "page": "2", "tag": ["a", "b"], "flag": ""}),
        "{}",
        t.label
    );
    assert_eq!(
        seen["body"],
        json!({"hello": "world", "nested": {"arr": [1, 2, 3]}}),
        "{}",
        t.label
    );
    assert_eq!(seen["params"], json!({}), "{}", t.label);
    assert_eq!(seen["headers"]["x-request-id"], "req-123", "{}", t.label);
    assert_eq!(
        seen["headers"]["content-type"], "application/json",
        "{}",
        t.label
    );
    assert_eq!(seen["executionMode"], "production", "{}", t.label);
    assert_eq!(
        seen["webhookUrl"],
        json!(t.webhook("echo-last")),
        "{}",
        t.label
    );
    assert_eq!(
        v["keys"],
        json!([
            "headers",
            "params",
            "query",
            "body",
            "webhookUrl",
            "executionMode"
        ]),
        "{}",
        t.label
    );
}

/// §1 body types: text → string, form → object, empty body with a JSON content type → `{}`.
/// REAL-N8N ROW: a raw `application/octet-stream` body is not put in `$json.body` (`{}`).
pub async fn webhook_body_types(t: Arc<Target>) {
    let body_of = |r: Reply| {
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
        r.json()["seen"]["body"].clone()
    };
    let url = t.webhook("echo-last");
    let text = t
        .send(
            t.http
                .post(&url)
                .header("content-type", "text/plain")
                .body("just text"),
        )
        .await;
    assert_eq!(body_of(text), json!("just text"), "{}: text/plain", t.label);
    let form = t
        .send(t.http.post(&url).form(&[("a", "1"), ("b", "two")]))
        .await;
    assert_eq!(
        body_of(form),
        json!({"a": "1", "b": "two"}),
        "{}: form",
        t.label
    );
    let empty = t
        .send(t.http.post(&url).header("content-type", "application/json"))
        .await;
    assert_eq!(body_of(empty), json!({}), "{}: empty JSON body", t.label);
    let bytes = t
        .send(
            t.http
                .post(&url)
                .header("content-type", "application/octet-stream")
                .body(vec![0u8, 1, 255]),
        )
        .await;
    assert_eq!(body_of(bytes), json!({}), "{}: octet-stream", t.label);
}

/// §1 lastNode/allEntries: every item of the last node, as an array.
pub async fn webhook_last_node_all_entries(t: Arc<Target>) {
    let r = t
        .send(
            t.http
                .post(t.webhook("echo-all") + "?x=1")
                .json(&json!({"hello": "world"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    assert_eq!(
        r.json(),
        json!([{"n": 1, "body": {"hello": "world"}, "query": {"x": "1"}},
               {"n": 2, "method": "application/json"}]),
        "{}",
        t.label
    );
}

/// §1 lastNode/noData: 200, `application/json`, empty body.
pub async fn webhook_last_node_no_data(t: Arc<Target>) {
    let r = t.post_json("nodata", json!({"a": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    assert_empty_json(&t, &r);
}

/// §1 lastNode/firstEntryJson with no items: 500 `No item to return was found`.
pub async fn webhook_last_node_no_items_500(t: Arc<Target>) {
    let r = t.post_json("empty", json!({})).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", t.label);
    assert_eq!(
        r.json(),
        json!({"code": 0, "message": "No item to return was found"}),
        "{}",
        t.label
    );
}

/// §1 responseNode: the Respond node's code, headers and body (with `$execution.id`).
pub async fn webhook_response_node(t: Arc<Target>) {
    let r = t.post_json("respond", json!({"order": 7})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.label, r.text());
    assert_eq!(
        r.header("x-fixture").as_deref(),
        Some("respond-node"),
        "{}",
        t.label
    );
    let v = r.json();
    assert_eq!(v["ok"], true, "{}", t.label);
    assert_eq!(v["received"], json!({"order": 7}), "{}", t.label);
    digits(&v["id"]);
}

/// §1 responseNode, Respond never reached (0 items): 200, `application/json`, empty body.
pub async fn webhook_response_node_unreached_empty_200(t: Arc<Target>) {
    let r = t.post_json("respond-skip", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    assert_empty_json(&t, &r);
}

/// §1 node error in lastNode: 500 `{"message":"Error in workflow"}` exactly. In
/// responseNode, before the Respond node: the same on 2.x; 1.x answers 200 with an empty
/// body, as for an unreached Respond node.
pub async fn webhook_workflow_error_500(t: Arc<Target>) {
    let fail = t.post_json("fail", json!({"a": 1})).await;
    assert_eq!(
        fail.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        t.label
    );
    assert_eq!(
        fail.text(),
        r#"{"message":"Error in workflow"}"#,
        "{}",
        t.label
    );
    let r = t.post_json("respond-fail", json!({"a": 1})).await;
    let (status, body) = t.on(
        (StatusCode::OK, ""),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":"Error in workflow"}"#,
        ),
    );
    assert_eq!(r.status, status, "{}: respond-fail", t.label);
    assert_eq!(r.text(), body, "{}: respond-fail", t.label);
    let failed = t.newest_execution("RESPOND_NODE_ERROR", "error").await;
    let ex = t.execution_until(&failed, &["error"]).await;
    assert_eq!(ex["finished"], false, "{}", t.label);
}

/// §1 onReceived, then a node fails: 200 started, the execution ends `error`.
pub async fn webhook_on_received_then_error(t: Arc<Target>) {
    let r = t.post_json("fire-and-fail", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    assert_eq!(
        r.json(),
        json!({"message": "Workflow was started"}),
        "{}",
        t.label
    );
    let failed = t.newest_execution("ONRECEIVED_ERROR", "error").await;
    let ex = t.execution_until(&failed, &["error"]).await;
    assert_eq!(ex["finished"], false, "{}", t.label);
}

/// §1 streaming: 200, `application/json`, NDJSON chunks `{"type":"begin"|"item"|"end"|"error",..}`.
/// REAL-N8N ROW: real 2.41.1 sends **no chunks** when no node streams (Code, Set and
/// Respond-to-Webhook nodes do not; only AI/agent nodes do): the body is empty. The reference
/// server streams begin/item/end for every step. Both are valid framing; the row checks that.
pub async fn webhook_streaming_ndjson_framing(t: Arc<Target>) {
    let r = t.post_json("stream", json!({"x": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", t.label);
    assert_eq!(
        r.content_type().as_deref(),
        Some("application/json"),
        "{}",
        t.label
    );
    let text = r.text();
    let mut chunks = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let chunk: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: chunk {line:?} is not JSON: {e}", t.label));
        let kind = chunk["type"].as_str().unwrap_or("");
        assert!(
            ["begin", "item", "end", "error"].contains(&kind),
            "{}: {line}",
            t.label
        );
        assert!(chunk["metadata"].is_object(), "{}: {line}", t.label);
        chunks += 1;
    }
    if !t.real {
        assert_eq!(chunks, 3, "{}: begin, item, end for the one step", t.label);
    }
}

/// §1 GET webhook: query values as strings, a bare key as `""`, body `{}`.
pub async fn webhook_get_query(t: Arc<Target>) {
    let r = t
        .send(
            t.http
                .get(t.webhook("search") + "?q=hello%20world&limit=10&flag"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    let seen = &r.json()["seen"];
    assert_eq!(
        seen["query"],
        json!({"q": "hello world", "limit": "10", "flag": ""}),
        "{}",
        t.label
    );
    assert_eq!(seen["body"], json!({}), "{}", t.label);
}

/// §1 dynamic path: served under `/webhook/{webhookId}/users/:userId` only.
pub async fn webhook_dynamic_path_needs_webhook_id(t: Arc<Target>) {
    let bare = t.send(t.http.get(t.webhook("users/42"))).await;
    assert_eq!(bare.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(
        bare.json(),
        json!({"code": 404, "message": "The requested webhook \"GET users/42\" is not registered.",
               "hint": NOT_REGISTERED_HINT}),
        "{}",
        t.label
    );
    let r = t
        .send(
            t.http
                .get(t.webhook(&format!("{PATH_PARAM_WEBHOOK_ID}/users/42")) + "?x=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    let seen = &r.json()["seen"];
    assert_eq!(seen["params"], json!({"userId": "42"}), "{}", t.label);
    assert_eq!(seen["query"], json!({"x": "1"}), "{}", t.label);
    assert_eq!(
        seen["webhookUrl"],
        json!(t.webhook(&format!("{PATH_PARAM_WEBHOOK_ID}/users/:userId"))),
        "{}",
        t.label
    );
}

/// §1 header auth: name case-insensitive, value exact; failures 403 plain text.
pub async fn webhook_header_auth(t: Arc<Target>) {
    let url = t.webhook("secure-header");
    let (name, value) = &t.header;
    let ok = t
        .send(
            t.http
                .post(&url)
                .header(name.to_uppercase(), value)
                .json(&json!({})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}: {}", t.label, ok.text());
    assert_eq!(
        ok.json(),
        json!({"message": "Workflow was started"}),
        "{}",
        t.label
    );
    let missing = t.send(t.http.post(&url).json(&json!({}))).await;
    assert_auth_failure(&t, &missing, 403, "Authorization data is wrong!");
    let wrong = t
        .send(t.http.post(&url).header(name, "nope").json(&json!({})))
        .await;
    assert_auth_failure(&t, &wrong, 403, "Authorization data is wrong!");
}

/// §1 basic auth: none → 401 `Authorization is required!`; wrong → 401 `Authentication data
/// is wrong!` on 2.x, 403 `Authorization data is wrong!` on 1.x.
pub async fn webhook_basic_auth(t: Arc<Target>) {
    let url = t.webhook("secure-basic");
    let (user, password) = &t.basic;
    let ok = t
        .send(
            t.http
                .post(&url)
                .basic_auth(user, Some(password))
                .json(&json!({})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}: {}", t.label, ok.text());
    let none = t.send(t.http.post(&url).json(&json!({}))).await;
    assert_auth_failure(&t, &none, 401, "Authorization is required!");
    let wrong = t
        .send(
            t.http
                .post(&url)
                .basic_auth(user, Some("nope"))
                .json(&json!({})),
        )
        .await;
    let (status, text) = t.on(
        (403, "Authorization data is wrong!"),
        (401, "Authentication data is wrong!"),
    );
    assert_auth_failure(&t, &wrong, status, text);
}

/// §1 JWT auth (HS256): no token → 401 `No token provided`; a bad signature or an expired
/// token → 403 with the library's message; a good token → the payload as `$json.jwtPayload`.
pub async fn webhook_jwt_auth(t: Arc<Target>) {
    let url = t.webhook("secure-jwt");
    let none = t.send(t.http.post(&url).json(&json!({}))).await;
    assert_auth_failure(&t, &none, 401, "No token provided");
    for (token, text) in [
        (
            crate::jwt(&json!({"sub": "ada"}), "not-the-secret"),
            "invalid signature",
        ),
        (
            crate::jwt(&json!({"sub": "ada", "exp": 1_000_000}), &t.jwt_secret),
            "jwt expired",
        ),
    ] {
        let r = t
            .send(t.http.post(&url).bearer_auth(token).json(&json!({})))
            .await;
        assert_auth_failure(&t, &r, 403, text);
    }
    let ok = t
        .send(
            t.http
                .post(&url)
                .bearer_auth(crate::jwt(&json!({"sub": "ada"}), &t.jwt_secret))
                .json(&json!({})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}: {}", t.label, ok.text());
    assert_eq!(ok.json(), json!({"sub": "ada"}), "{}", t.label);
}

/// §1 404 rows: unknown path, inactive workflow, test URL not listening, wrong method.
pub async fn webhook_not_registered_and_wrong_method(t: Arc<Target>) {
    for path in ["does-not-exist", "inactive-path"] {
        let r = t.post_json(path, json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {path}", t.label);
        assert_eq!(
            r.json(),
            json!({"code": 404,
                   "message": format!("The requested webhook \"POST {path}\" is not registered."),
                   "hint": NOT_REGISTERED_HINT}),
            "{}",
            t.label
        );
    }
    let test = t
        .send(
            t.http
                .post(format!("{}/webhook-test/echo", t.base))
                .json(&json!({})),
        )
        .await;
    assert_eq!(test.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(
        test.json(),
        json!({"code": 404, "message": "The requested webhook \"echo\" is not registered.",
               "hint": "Click the 'Execute workflow' button on the canvas, then try again. (In test mode, the webhook only works for one call after you click this button)"}),
        "{}",
        t.label
    );
    let wrong = t.send(t.http.get(t.webhook("echo"))).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(
        wrong.json(),
        json!({"code": 404, "message": "This webhook is not registered for GET requests. Did you mean to make a POST request?"}),
        "{}",
        t.label
    );
}

/// §1 422: a body that does not parse; no execution is created.
pub async fn webhook_bad_json_422(t: Arc<Target>) {
    let r = t
        .send(
            t.http
                .post(t.webhook("echo-last"))
                .header("content-type", "application/json")
                .body("{bad json"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
    let v = r.json();
    assert_eq!(v["code"], 422, "{}", t.label);
    assert_eq!(v["message"], "Failed to parse request body", "{}", t.label);
    assert!(
        v["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "{}: {v}",
        t.label
    );
}

/// §1 a method that is none of the six → 500 `The method TRACE is not supported.`;
/// HEAD on a GET webhook → 404 (headers only).
pub async fn webhook_unsupported_method_500(t: Arc<Target>) {
    let r = t
        .send(t.http.request(
            Method::from_bytes(b"TRACE").expect("method"),
            t.webhook("echo"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", t.label);
    assert_eq!(
        r.json(),
        json!({"code": 0, "message": "The method TRACE is not supported."}),
        "{}",
        t.label
    );
    let head = t.send(t.http.head(t.webhook("search"))).await;
    assert_eq!(head.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert!(head.body.is_empty(), "{}", t.label);
}

/// §1 OPTIONS preflight: 204 with CORS headers for the registered methods.
pub async fn webhook_options_preflight(t: Arc<Target>) {
    let r = t
        .send(
            t.http
                .request(Method::OPTIONS, t.webhook("echo"))
                .header("origin", "http://example.test")
                .header("access-control-request-method", "POST"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", t.label);
    assert_eq!(
        r.header("access-control-allow-methods").as_deref(),
        Some("OPTIONS, POST"),
        "{}",
        t.label
    );
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("http://example.test"),
        "{}",
        t.label
    );
}

/// §3 the seeds' execute endpoints do not exist: 405 / 405 / 404, before the key is checked.
pub async fn api_seed_execute_endpoints_do_not_exist(t: Arc<Target>) {
    let id = t.id("ECHO_ONRECEIVED");
    for (path, status, message) in [
        (
            format!("/workflows/{id}/execute"),
            405,
            "POST method not allowed",
        ),
        (
            format!("/workflows/{id}/run"),
            405,
            "POST method not allowed",
        ),
        (format!("/workflow/{id}/start"), 404, "not found"),
    ] {
        for key in [t.api_key.as_str(), "wrong-key"] {
            let r = t
                .send(
                    t.http
                        .post(t.api(&path))
                        .header("X-N8N-API-KEY", key)
                        .json(&json!({"startNodes": [], "runData": {}})),
                )
                .await;
            assert_eq!(r.status.as_u16(), status, "{}: {path}", t.label);
            assert_eq!(r.json(), json!({"message": message}), "{}: {path}", t.label);
        }
    }
}

/// §2 auth: only `X-N8N-API-KEY`; missing, wrong or Bearer → 401. 2.x says `Unauthorized`
/// each time; 1.x says `'X-N8N-API-KEY' header required` (no key header) or `unauthorized`.
pub async fn api_key_auth(t: Arc<Target>) {
    let required = t.on("'X-N8N-API-KEY' header required", "Unauthorized");
    let wrong = t.on("unauthorized", "Unauthorized");
    for (req, message) in [
        (t.http.get(t.api("/workflows")), required),
        (
            t.http
                .get(t.api("/workflows"))
                .header("X-N8N-API-KEY", "wrong"),
            wrong,
        ),
        (
            t.http.get(t.api("/workflows")).bearer_auth(&t.api_key),
            required,
        ),
    ] {
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.label);
        assert_eq!(r.json(), json!({"message": message}), "{}", t.label);
    }
    let ok = t
        .send(
            t.http
                .get(t.api("/workflows?limit=1"))
                .header("x-n8n-api-key", &t.api_key),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", t.label);
}

/// §2 routing happens before auth: an unknown path → 404 `not found`, a known path with the
/// wrong method → 405, whatever the key. REAL-N8N ROW: an unknown query parameter is
/// checked after the key: 1.x refuses it (400 `Unknown query parameter 'foo'`), 2.x
/// ignores it (200).
pub async fn api_routing_before_auth(t: Arc<Target>) {
    for key in [t.api_key.as_str(), "wrong-key"] {
        for (method, path, status, message) in [
            (Method::GET, "/nope", 404, "not found"),
            (Method::PATCH, "/workflows", 405, "PATCH method not allowed"),
        ] {
            let r = t
                .send(
                    t.http
                        .request(method, t.api(path))
                        .header("X-N8N-API-KEY", key),
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                status,
                "{}: {path}: {}",
                t.label,
                r.text()
            );
            assert_eq!(r.json(), json!({"message": message}), "{}: {path}", t.label);
        }
    }
    let wrong = t
        .send(
            t.http
                .get(t.api("/workflows?foo=1"))
                .header("X-N8N-API-KEY", "wrong-key"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", t.label);
    let r = t.call(Method::GET, "/workflows?foo=1&limit=1", None).await;
    match t.line {
        crate::target::Line::V1 => {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", t.label);
            assert_eq!(
                r.json(),
                json!({"message": "Unknown query parameter 'foo'"}),
                "{}",
                t.label
            );
        }
        crate::target::Line::V2 => assert_eq!(r.status, StatusCode::OK, "{}", t.label),
    }
}

/// §2 workflows list: offset cursors until `nextCursor` is null; every seeded workflow once.
pub async fn api_workflows_pages(t: Arc<Target>) {
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/workflows?limit=4&cursor={c}"),
            None => "/workflows?limit=4".to_owned(),
        };
        let r = t.call(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
        let v = r.json();
        let data = v["data"].as_array().expect("data array");
        assert!(data.len() <= 4, "{}", t.label);
        seen.extend(
            data.iter()
                .map(|w| w["id"].as_str().unwrap_or("").to_owned()),
        );
        pages += 1;
        match v["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 50, "{}: cursor never ends", t.label);
    }
    assert!(pages >= 6, "{}: {pages} pages", t.label);
    for (key, id) in &t.ids {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "{}: {key} {id}",
            t.label
        );
    }
    let bad = t.call(Method::GET, "/workflows?cursor=garbage", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", t.label);
    assert_eq!(
        bad.json(),
        json!({"message": "An invalid cursor was provided"}),
        "{}",
        t.label
    );
    let active = t
        .call(Method::GET, "/workflows?active=false&limit=250", None)
        .await;
    let inactive_ids: Vec<Value> = active.json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|w| w["id"].clone())
        .collect();
    assert!(
        inactive_ids.contains(&json!(t.id("INACTIVE"))),
        "{}",
        t.label
    );
    assert!(
        !inactive_ids.contains(&json!(t.id("ECHO_ONRECEIVED"))),
        "{}",
        t.label
    );
}

/// §2 executions: keyset cursors newest first, filtered by workflow; get with and without
/// `includeData` (the last node's output under runData).
pub async fn api_executions_pages_and_include_data(t: Arc<Target>) {
    let wf = t.id("SET_NODE");
    let mut ids = Vec::new();
    for n in 0..5 {
        let r = t.post_json("echo-set", json!({"n": n})).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
        ids.push(digits(&r.json()["executionId"]));
    }
    // the list shows finished executions only; wait until all five are saved
    for id in &ids {
        t.execution_until(id, &["success"]).await;
    }
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/executions?workflowId={wf}&limit=2&cursor={c}"),
            None => format!("/executions?workflowId={wf}&limit=2"),
        };
        let r = t.call(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
        let v = r.json();
        for e in v["data"].as_array().expect("data") {
            assert_eq!(e["workflowId"], json!(wf), "{}", t.label);
            assert!(
                e.get("data").is_none(),
                "{}: no data without includeData",
                t.label
            );
            listed.push(digits(&e["id"]));
        }
        match v["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(listed.len() < 100, "{}: cursor never ends", t.label);
    }
    let mut expected = ids.clone();
    expected.sort_by_key(|id| std::cmp::Reverse(id.parse::<u64>().unwrap_or(0)));
    // earlier runs against the same server may have left older executions behind
    assert!(listed.len() >= 5, "{}: {listed:?}", t.label);
    assert_eq!(
        listed[..5],
        expected[..],
        "{}: ours are the newest",
        t.label
    );
    let numbers: Vec<u64> = listed.iter().map(|id| id.parse().unwrap_or(0)).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "{}: newest first, each once: {listed:?}",
        t.label
    );

    let plain = t
        .call(Method::GET, &format!("/executions/{}", ids[4]), None)
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", t.label);
    let p = plain.json();
    assert_eq!(p["id"], json!(ids[4]), "{}: ids are strings", t.label);
    assert!(p.get("data").is_none(), "{}", t.label);
    let full = t
        .call(
            Method::GET,
            &format!("/executions/{}?includeData=true", ids[4]),
            None,
        )
        .await
        .json();
    assert_eq!(full["status"], "success", "{}", t.label);
    assert_eq!(
        full["data"]["resultData"]["lastNodeExecuted"], "Set",
        "{}",
        t.label
    );
    assert_eq!(
        full["data"]["resultData"]["runData"]["Set"][0]["data"]["main"][0][0]["json"],
        json!({"body": {"n": 4}, "query": {}, "userAgent": "trigger-sdk-real-tier/0.1",
               "executionId": ids[4]}),
        "{}",
        t.label
    );
    let unknown = t.call(Method::GET, "/executions/99999999", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(
        unknown.json(),
        json!({"message": "Not Found"}),
        "{}",
        t.label
    );
    let bogus = t.call(Method::GET, "/executions?status=bogus", None).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST, "{}", t.label);
    let message = t.on(
        "request/query/status must be equal to one of the allowed values: canceled, error, running, success, waiting",
        "request/query/status Invalid enum value. Expected 'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting', received 'bogus'",
    );
    assert_eq!(bogus.json(), json!({"message": message}), "{}", t.label);
    let cursor = t
        .call(Method::GET, "/executions?cursor=garbage", None)
        .await;
    assert_eq!(cursor.status, StatusCode::BAD_REQUEST, "{}", t.label);
    assert_eq!(
        cursor.json(),
        json!({"message": "An invalid cursor was provided"}),
        "{}",
        t.label
    );
}

/// §2 retry: a failed execution re-runs synchronously (`mode:"retry"`, `retryOf`: a string on
/// 2.x, a number on 1.x); a successful one → 409 on 2.x, 400 on 1.x (same message); an
/// unknown one → 404.
pub async fn api_retry(t: Arc<Target>) {
    let r = t.post_json("fail", json!({"a": 1})).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", t.label);
    let failed = t.newest_execution("ERROR_LASTNODE", "error").await;
    let retry = t
        .call(
            Method::POST,
            &format!("/executions/{failed}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        retry.status,
        StatusCode::OK,
        "{}: {}",
        t.label,
        retry.text()
    );
    let v = retry.json();
    assert_eq!(v["mode"], "retry", "{}", t.label);
    let retry_of = t.on(
        json!(failed.parse::<u64>().expect("numeric id")),
        json!(failed),
    );
    assert_eq!(v["retryOf"], retry_of, "{}", t.label);
    assert_eq!(v["status"], "error", "{}", t.label);
    assert_ne!(digits(&v["id"]), failed, "{}", t.label);

    let done = successful_execution(&t).await;
    let refused = t
        .call(
            Method::POST,
            &format!("/executions/{done}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        refused.status,
        t.on(StatusCode::BAD_REQUEST, StatusCode::CONFLICT),
        "{}",
        t.label
    );
    assert_eq!(
        refused.json(),
        json!({"message": "The execution succeeded, so it cannot be retried."}),
        "{}",
        t.label
    );
    let unknown = t
        .call(Method::POST, "/executions/99999999/retry", Some(json!({})))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(
        unknown.json(),
        json!({"message": "The execution with the ID \"99999999\" does not exist."}),
        "{}",
        t.label
    );
}

/// §2 stop (2.x): a running execution → 200 `canceled`; a finished one → 409. 1.x has no
/// stop route: 404 `not found` for both.
pub async fn api_stop(t: Arc<Target>) {
    let r = t.post_json("tracked", json!({"stop": true})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}: {}", t.label, r.text());
    let id = digits(&r.json()["executionId"]);
    let stop = t
        .call(Method::POST, &format!("/executions/{id}/stop"), None)
        .await;
    let done = if t.line == crate::target::Line::V1 {
        assert_eq!(
            stop.status,
            StatusCode::NOT_FOUND,
            "{}: {}",
            t.label,
            stop.text()
        );
        assert_eq!(stop.json(), json!({"message": "not found"}), "{}", t.label);
        t.execution_until(&id, &["success"]).await;
        id
    } else {
        assert_eq!(stop.status, StatusCode::OK, "{}: {}", t.label, stop.text());
        let v = stop.json();
        assert_eq!(v["status"], "canceled", "{}", t.label);
        assert_eq!(v["finished"], false, "{}", t.label);
        t.execution_until(&id, &["canceled"]).await;
        successful_execution(&t).await
    };
    let again = t
        .call(Method::POST, &format!("/executions/{done}/stop"), None)
        .await;
    let (status, message) = t.on(
        (StatusCode::NOT_FOUND, "not found".to_owned()),
        (
            StatusCode::CONFLICT,
            format!(
                "Only running or waiting executions can be stopped and {done} is currently success"
            ),
        ),
    );
    assert_eq!(again.status, status, "{}", t.label);
    assert_eq!(again.json(), json!({"message": message}), "{}", t.label);
}

/// §2 delete of a running execution → 400 `Cannot delete a running execution`.
pub async fn api_delete_running_400(t: Arc<Target>) {
    let r = t.post_json("tracked", json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}: {}", t.label, r.text());
    let id = digits(&r.json()["executionId"]);
    let del = t
        .call(Method::DELETE, &format!("/executions/{id}"), None)
        .await;
    assert_eq!(
        del.status,
        StatusCode::BAD_REQUEST,
        "{}: {}",
        t.label,
        del.text()
    );
    assert_eq!(
        del.json(),
        json!({"message": "Cannot delete a running execution"}),
        "{}",
        t.label
    );
    t.execution_until(&id, &["success"]).await;
}

/// §2 delete: answers the execution with a **numeric** id; a second delete → 404; a
/// non-numeric id → 400 (each line has its own message).
pub async fn api_delete_numeric_id(t: Arc<Target>) {
    let id = successful_execution(&t).await;
    let del = t
        .call(Method::DELETE, &format!("/executions/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::OK, "{}: {}", t.label, del.text());
    let v = del.json();
    assert!(v["id"].is_u64(), "{}: id {} is a number", t.label, v["id"]);
    assert_eq!(v["id"].to_string(), id, "{}", t.label);
    let again = t
        .call(Method::DELETE, &format!("/executions/{id}"), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(again.json(), json!({"message": "Not Found"}), "{}", t.label);
    let abc = t.call(Method::GET, "/executions/abc", None).await;
    assert_eq!(abc.status, StatusCode::BAD_REQUEST, "{}", t.label);
    let message = t.on(
        "request/params/id must be number",
        "request/params/executionId must be a positive integer",
    );
    assert_eq!(abc.json(), json!({"message": message}), "{}", t.label);
}

/// §4 an onReceived-style run (Respond first, then work) tracked to its end through the
/// execution id the workflow returns.
pub async fn tracked_run_reaches_success_with_output(t: Arc<Target>) {
    let r = t.post_json("tracked", json!({"order": 42})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}: {}", t.label, r.text());
    let v = r.json();
    assert_eq!(v["accepted"], true, "{}", t.label);
    let id = digits(&v["executionId"]);
    let running = t
        .call(Method::GET, &format!("/executions/{id}"), None)
        .await
        .json();
    assert_eq!(
        running["status"], "running",
        "{}: answered before the Wait ends",
        t.label
    );
    let listed = t
        .call(
            Method::GET,
            &format!("/executions?workflowId={}", t.id("TRACKED")),
            None,
        )
        .await
        .json();
    let ids: Vec<&Value> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert!(
        !ids.contains(&&json!(id)),
        "{}: running executions are left out of the list",
        t.label
    );
    let done = t
        .execution_until(&id, &["success", "error", "canceled"])
        .await;
    assert_eq!(done["status"], "success", "{}", t.label);
    assert_eq!(
        done["data"]["resultData"]["lastNodeExecuted"], "Done",
        "{}",
        t.label
    );
    assert_eq!(
        done["data"]["resultData"]["runData"]["Done"][0]["data"]["main"][0][0]["json"],
        json!({"done": true, "body": {"order": 42}}),
        "{}",
        t.label
    );
}

/// §2 activation is asynchronous: a new workflow's webhook answers "not registered" until
/// it is; probing with a method it does not accept starts no run.
pub async fn api_activate_then_probe_until_registered(t: Arc<Target>) {
    let path = format!("activate-probe-{}", uuid::Uuid::new_v4().simple());
    let body = json!({
        "name": format!("fx {path}"),
        "nodes": [{"id": "webhook-node", "name": "Webhook", "type": "n8n-nodes-base.webhook",
                   "typeVersion": 2, "position": [0, 0],
                   "webhookId": uuid::Uuid::new_v4().to_string(),
                   "parameters": {"httpMethod": "POST", "path": path, "responseMode": "onReceived",
                                  "options": {}}}],
        "connections": {},
        "settings": {"executionOrder": "v1"}
    });
    let created = t.call(Method::POST, "/workflows", Some(body)).await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "{}: {}",
        t.label,
        created.text()
    );
    let c = created.json();
    assert_eq!(c["active"], false, "{}", t.label);
    let id = c["id"].as_str().expect("id").to_owned();
    let before = t.post_json(&path, json!({})).await;
    assert_eq!(before.status, StatusCode::NOT_FOUND, "{}", t.label);

    let act = t
        .call(Method::POST, &format!("/workflows/{id}/activate"), None)
        .await;
    assert_eq!(act.status, StatusCode::OK, "{}: {}", t.label, act.text());
    assert_eq!(act.json()["active"], true, "{}", t.label);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let probe = t.send(t.http.delete(t.webhook(&path))).await;
        assert_eq!(probe.status, StatusCode::NOT_FOUND, "{}", t.label);
        if probe
            .text()
            .contains("Did you mean to make a POST request?")
        {
            break;
        }
        assert!(
            probe.text().contains("is not registered"),
            "{}: {}",
            t.label,
            probe.text()
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: never registered",
            t.label
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run = t.post_json(&path, json!({})).await;
    assert_eq!(run.status, StatusCode::OK, "{}: {}", t.label, run.text());
    let executions = t
        .call(
            Method::GET,
            &format!("/executions?workflowId={id}&status=running"),
            None,
        )
        .await;
    assert_eq!(executions.status, StatusCode::OK, "{}", t.label);

    let deact = t
        .call(Method::POST, &format!("/workflows/{id}/deactivate"), None)
        .await;
    assert_eq!(deact.status, StatusCode::OK, "{}", t.label);
    assert_eq!(deact.json()["active"], false, "{}", t.label);
    // REAL-N8N ROW: while 2.x is still unregistering the webhook, deleting the workflow
    // answers 409 "Workflow is still being unpublished. Please try again in a few moments."
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let del = t
            .call(Method::DELETE, &format!("/workflows/{id}"), None)
            .await;
        if del.status == StatusCode::OK {
            assert_eq!(del.json()["id"], json!(id), "{}", t.label);
            break;
        }
        assert_eq!(
            del.status,
            StatusCode::CONFLICT,
            "{}: {}",
            t.label,
            del.text()
        );
        assert_eq!(
            del.json(),
            json!({"message": "Workflow is still being unpublished. Please try again in a few moments."}),
            "{}",
            t.label
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: never deletable",
            t.label
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let gone = t.call(Method::GET, &format!("/workflows/{id}"), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", t.label);
    assert_eq!(gone.json(), json!({"message": "Not Found"}), "{}", t.label);
}

/// §2 workflows: create (inactive), get, update, delete, then 404; activating an unknown
/// workflow → 404 (`Not Found` on 1.x, a permission message on 2.x). Tags: create 201,
/// a duplicate 409, get, rename, list, tag a workflow, delete, then 404.
pub async fn api_workflow_crud_and_tags(t: Arc<Target>) {
    let name = format!("crud {}", uuid::Uuid::new_v4().simple());
    let created = t
        .call(
            Method::POST,
            "/workflows",
            Some(json!({"name": name, "nodes": [], "connections": {},
                        "settings": {"executionOrder": "v1"}})),
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "{}: {}",
        t.label,
        created.text()
    );
    let c = created.json();
    assert_eq!(c["active"], false, "{}", t.label);
    let id = c["id"].as_str().expect("id").to_owned();
    let got = t.call(Method::GET, &format!("/workflows/{id}"), None).await;
    assert_eq!(got.json()["name"], json!(name), "{}", t.label);
    let renamed = t
        .call(
            Method::PUT,
            &format!("/workflows/{id}"),
            Some(
                json!({"name": format!("{name} renamed"), "nodes": [], "connections": {},
                        "settings": {"executionOrder": "v1"}}),
            ),
        )
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::OK,
        "{}: {}",
        t.label,
        renamed.text()
    );
    assert_eq!(
        renamed.json()["name"],
        json!(format!("{name} renamed")),
        "{}",
        t.label
    );
    let missing = t
        .call(Method::GET, "/workflows?name=nope-no-such-workflow", None)
        .await;
    assert_eq!(missing.json()["data"], json!([]), "{}", t.label);

    let tag_name = format!("tag-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let tag = t
        .call(Method::POST, "/tags", Some(json!({"name": tag_name})))
        .await;
    assert_eq!(
        tag.status,
        StatusCode::CREATED,
        "{}: {}",
        t.label,
        tag.text()
    );
    let tag_id = tag.json()["id"].as_str().expect("tag id").to_owned();
    let dup = t
        .call(Method::POST, "/tags", Some(json!({"name": tag_name})))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", t.label);
    assert_eq!(
        dup.json(),
        json!({"message": "Tag already exists"}),
        "{}",
        t.label
    );
    let put = t
        .call(
            Method::PUT,
            &format!("/workflows/{id}/tags"),
            Some(json!([{"id": tag_id}])),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}: {}", t.label, put.text());
    let tagged = t
        .call(Method::GET, &format!("/workflows?tags={tag_name}"), None)
        .await
        .json();
    let ids: Vec<&Value> = tagged["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|w| &w["id"])
        .collect();
    assert_eq!(ids, [&json!(id)], "{}", t.label);
    let new_name = format!("{tag_name}-x");
    let upd = t
        .call(
            Method::PUT,
            &format!("/tags/{tag_id}"),
            Some(json!({"name": new_name})),
        )
        .await;
    assert_eq!(upd.json()["name"], json!(new_name), "{}", t.label);
    let listed = t.call(Method::GET, "/tags?limit=250", None).await.json();
    assert!(
        listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|g| g["id"] == json!(tag_id)),
        "{}",
        t.label
    );
    let del = t
        .call(Method::DELETE, &format!("/tags/{tag_id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::OK, "{}", t.label);
    let gone = t.call(Method::GET, &format!("/tags/{tag_id}"), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", t.label);

    let deleted = t
        .call(Method::DELETE, &format!("/workflows/{id}"), None)
        .await;
    assert_eq!(
        deleted.status,
        StatusCode::OK,
        "{}: {}",
        t.label,
        deleted.text()
    );
    let gone = t.call(Method::GET, &format!("/workflows/{id}"), None).await;
    assert_eq!(gone.json(), json!({"message": "Not Found"}), "{}", t.label);
    let unknown = t
        .call(Method::POST, "/workflows/nope123/activate", None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", t.label);
    let message = t.on(
        "Not Found",
        "You do not have permission to activate this workflow. Ask the owner to share it with you.",
    );
    assert_eq!(unknown.json(), json!({"message": message}), "{}", t.label);
}

/// §1 responseNode answering with text: the Respond node's string as sent.
pub async fn webhook_response_node_text(t: Arc<Target>) {
    let r = t.post_json("respond-text", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.label, r.text());
    assert_eq!(r.text(), "plain text", "{}", t.label);
}
