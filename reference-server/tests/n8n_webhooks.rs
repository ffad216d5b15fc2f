//! The n8n face's webhooks, row by row (sdk-n8n/docs/contract.md §1 and the real-n8n evidence),
//! over a real loopback socket with plain reqwest.

mod n8n_support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use n8n_support::*;
use serde_json::{Value, json};
use trigger_sdk_reference_server::{Config, ReferenceServer, creds};

const PRODUCTION_HINT: &str = "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)";
const TEST_HINT: &str = "Click the 'Execute workflow' button on the canvas, then try again. (In test mode, the webhook only works for one call after you click this button)";

async fn call(
    s: &ReferenceServer,
    method: &str,
    path: &str,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> reqwest::Response {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    build(client().request(m, format!("{}/{path}", s.n8n_url())))
        .send()
        .await
        .expect("request")
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn content_type(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
}

fn jwt(payload: &Value, secret: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(payload.to_string());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{h}.{p}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{h}.{p}.{sig}")
}

#[tokio::test]
async fn demo_workflows_answer_as_listed() {
    let s = server().await;
    // SendEmailDemo001: header auth, lastNode/firstEntryJson
    let r = call(&s, "POST", "webhook/send-email", |b| {
        b.header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
            .json(&json!({"to": "a@example.com", "subject": "Hi"}))
    })
    .await;
    assert_eq!(
        content_type(&r).as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert!(r.headers().get("content-security-policy").is_some());
    let body = r.text().await.unwrap();
    assert_eq!(
        body,
        r#"{"success":true,"to":"a@example.com","subject":"Hi"}"#
    );
    // FireForgetDemo01: onReceived
    let (code, body) = json_of(
        call(&s, "POST", "webhook/send-email-async", |b| {
            b.json(&json!({"to": "x"}))
        })
        .await,
    )
    .await;
    assert_eq!(
        (code, body),
        (200, json!({"message": "Workflow was started"}))
    );
    // EchoQueryDemo001: GET, allEntries
    let (code, body) =
        json_of(call(&s, "GET", "webhook/echo?q=rust&tag=a&tag=b&flag", |b| b).await).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!([{"query": {"q": "rust", "tag": ["a", "b"], "flag": ""}}])
    );
    // BrokenFlowDemo01
    let r = call(&s, "POST", "webhook/broken", |b| b.json(&json!({}))).await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Error in workflow"}"#
    );
    // InactiveDemo0001
    let (code, body) =
        json_of(call(&s, "POST", "webhook/inactive-hook", |b| b.json(&json!({}))).await).await;
    assert_eq!(code, 404);
    assert_eq!(
        body["message"],
        "The requested webhook \"POST inactive-hook\" is not registered."
    );
    // RespondNodeDemo1: 201 with the execution id
    let (code, body) = json_of(
        call(&s, "POST", "webhook/respond", |b| {
            b.json(&json!({"order": 7}))
        })
        .await,
    )
    .await;
    assert_eq!(code, 201);
    assert_eq!(body["received"], json!({"order": 7}));
    let id = body["executionId"]
        .as_str()
        .expect("execution id string")
        .to_owned();
    let exec = wait_execution(&s, &id, |st| st == "success").await;
    assert_eq!(exec["workflowId"], creds::N8N_RESPOND_NODE);
    // BasicAuthDemo001
    let r = call(&s, "POST", "webhook/basic-hook", |b| {
        b.basic_auth(creds::N8N_BASIC_USER, Some(creds::N8N_BASIC_PASSWORD))
            .json(&json!({"k": 1}))
    })
    .await;
    assert_eq!(r.status(), 200);
    s.shutdown().await;
}

#[tokio::test]
async fn the_workflow_sees_headers_params_query_body_url_and_mode() {
    let s = server().await;
    let (code, item) = json_of(
        call(
            &s,
            "POST",
            "webhook/echo-item?q=rust&page=2&tag=a&tag=b&flag&o[k]=v",
            |b| {
                b.header("X-Request-ID", "req-123")
                    .json(&json!({"hello": "world", "nested": {"arr": [1, 2, 3]}}))
            },
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    let keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "headers",
            "params",
            "query",
            "body",
            "webhookUrl",
            "executionMode"
        ]
    );
    assert_eq!(item["headers"]["x-request-id"], "req-123");
    assert_eq!(item["headers"]["content-type"], "application/json");
    assert_eq!(item["params"], json!({}));
    assert_eq!(
        item["query"],
        json!({"q": "rust", "page": "2", "tag": ["a", "b"], "flag": "", "o": {"k": "v"}})
    );
    assert_eq!(
        item["body"],
        json!({"hello": "world", "nested": {"arr": [1, 2, 3]}})
    );
    assert_eq!(
        item["webhookUrl"],
        format!("{}/webhook/echo-item", s.n8n_url())
    );
    assert_eq!(item["executionMode"], "production");
    s.shutdown().await;
}

#[tokio::test]
async fn bodies_by_content_type_and_parse_failure() {
    let s = server().await;
    let post = |ct: &'static str, body: &'static str| {
        let s = &s;
        async move {
            json_of(
                call(s, "POST", "webhook/echo-item", |b| {
                    b.header("content-type", ct).body(body)
                })
                .await,
            )
            .await
        }
    };
    assert_eq!(post("text/plain", "just text").await.1["body"], "just text");
    assert_eq!(
        post("application/x-www-form-urlencoded", "a=1&b=two")
            .await
            .1["body"],
        json!({"a": "1", "b": "two"})
    );
    assert_eq!(post("application/json", "").await.1["body"], json!({}));
    assert_eq!(
        post("application/octet-stream", "\u{1}\u{2}").await.1["body"],
        json!({})
    );
    let before = execution_count(&s).await;
    let r = call(&s, "POST", "webhook/echo-item", |b| {
        b.header("content-type", "application/json")
            .body("{not json")
    })
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"code":422,"message":"Failed to parse request body","hint":"Expected property name or '}' in JSON at position 1 (line 1 column 2)"}"#
    );
    let deep = "[".repeat(50_000);
    let r = call(&s, "POST", "webhook/echo-item", |b| {
        b.header("content-type", "application/json").body(deep)
    })
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        execution_count(&s).await,
        before,
        "422s create no execution"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn response_modes() {
    let s = server().await;
    let post = |path: &'static str| {
        let s = &s;
        async move { call(s, "POST", path, |b| b.json(&json!({"x": 1}))).await }
    };
    assert_eq!(
        post("webhook/first-entry").await.text().await.unwrap(),
        r#"{"a":1}"#
    );
    assert_eq!(
        post("webhook/all-entries").await.text().await.unwrap(),
        r#"[{"a":1},{"a":2}]"#
    );

    let r = post("webhook/no-data").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        content_type(&r).as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.text().await.unwrap(), "");

    let r = post("webhook/empty-items").await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"code":0,"message":"No item to return was found"}"#
    );

    // zero items end the branch: the node after "Drop" never runs in n8n
    let r = post("webhook/cut-off").await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"code":0,"message":"No item to return was found"}"#
    );

    let r = post("webhook/respond-skip").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        content_type(&r).as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.text().await.unwrap(), "");

    let r = post("webhook/no-respond").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");

    let r = post("webhook/respond-fail").await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Error in workflow"}"#
    );

    let r = post("webhook/accepted").await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        content_type(&r).as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(r.text().await.unwrap(), "queued");

    let r = post("webhook/silent").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");

    // onReceived acknowledges even when the workflow then fails; the execution says error.
    let (code, body) = json_of(post("webhook/fire-and-fail").await).await;
    assert_eq!(
        (code, body),
        (200, json!({"message": "Workflow was started"}))
    );
    s.shutdown().await;
}

#[tokio::test]
async fn streaming_writes_ndjson_begin_item_end_and_error() {
    let s = server().await;
    let r = call(&s, "POST", "webhook/stream", |b| b.json(&json!({}))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        content_type(&r).as_deref(),
        Some("application/json; charset=utf-8")
    );
    let text = r.text().await.unwrap();
    let chunks: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect();
    let kinds: Vec<&str> = chunks.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["begin", "item", "end", "begin", "item", "end"]);
    assert_eq!(chunks[1]["content"], r#"{"part":1}"#);
    assert_eq!(chunks[4]["content"], "plain text");
    assert_eq!(chunks[0]["metadata"]["nodeName"], "First");
    assert!(chunks[0].get("content").is_none());

    let text = call(&s, "POST", "webhook/stream-fail", |b| b.json(&json!({})))
        .await
        .text()
        .await
        .unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["content"], "stream broke");
    assert_eq!(last["metadata"]["nodeName"], "Boom");
    s.shutdown().await;
}

#[tokio::test]
async fn header_basic_and_jwt_auth() {
    let s = server().await;
    let before = execution_count(&s).await;
    for header in [None, Some("wrong")] {
        let r = call(&s, "POST", "webhook/send-email", |b| {
            let b = b.json(&json!({}));
            match header {
                Some(v) => b.header(creds::N8N_WEBHOOK_HEADER, v),
                None => b,
            }
        })
        .await;
        assert_eq!(r.status(), 403);
        assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"Webhook\"");
        assert!(content_type(&r).is_none());
        assert_eq!(r.text().await.unwrap(), "Authorization data is wrong!");
    }
    let r = call(&s, "POST", "webhook/send-email", |b| {
        b.header("X-WEBHOOK-SECRET", creds::N8N_WEBHOOK_SECRET)
            .json(&json!({"to": "t"}))
    })
    .await;
    assert_eq!(r.status(), 200, "header name is case-insensitive");

    let r = call(&s, "POST", "webhook/basic-hook", |b| b.json(&json!({}))).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"Webhook\"");
    assert_eq!(r.text().await.unwrap(), "Authorization is required!");
    let r = call(&s, "POST", "webhook/basic-hook", |b| {
        b.basic_auth("demo", Some("nope")).json(&json!({}))
    })
    .await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.text().await.unwrap(), "Authentication data is wrong!");

    let r = call(&s, "POST", "webhook/jwt-hook", |b| b.json(&json!({}))).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.text().await.unwrap(), "No token provided");
    let bad = jwt(&json!({"sub": "u1"}), "other-secret");
    let r = call(&s, "POST", "webhook/jwt-hook", |b| {
        b.bearer_auth(bad).json(&json!({}))
    })
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"Webhook\"");
    assert_eq!(r.text().await.unwrap(), "invalid signature");
    let expired = jwt(&json!({"sub": "u1", "exp": 1}), JWT_SECRET);
    let r = call(&s, "POST", "webhook/jwt-hook", |b| {
        b.bearer_auth(expired).json(&json!({}))
    })
    .await;
    assert_eq!(
        (r.status().as_u16(), r.text().await.unwrap()),
        (403, "jwt expired".to_owned())
    );
    // n8n parses the body before the Webhook node checks the credentials: a body that
    // does not parse is a 422 whatever the credentials; an auth failure keeps the path's
    // CORS headers.
    let r = call(&s, "POST", "webhook/send-email", |b| {
        b.header(creds::N8N_WEBHOOK_HEADER, "wrong")
            .header("content-type", "application/json")
            .body("{not json")
    })
    .await;
    assert_eq!(r.status(), 422);
    let r = call(&s, "POST", "webhook/send-email", |b| {
        b.header(creds::N8N_WEBHOOK_HEADER, "wrong")
            .header("Origin", "http://example.test")
            .json(&json!({}))
    })
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://example.test"
    );
    assert_eq!(r.headers()["access-control-allow-methods"], "OPTIONS, POST");
    assert_eq!(
        execution_count(&s).await,
        before + 1,
        "auth failures create no execution"
    );

    let good = jwt(&json!({"sub": "u1", "exp": 4_102_444_800u64}), JWT_SECRET);
    let (code, item) = json_of(
        call(&s, "POST", "webhook/jwt-hook", |b| {
            b.bearer_auth(good).json(&json!({}))
        })
        .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        item["jwtPayload"],
        json!({"sub": "u1", "exp": 4_102_444_800u64})
    );
    s.shutdown().await;
}

#[tokio::test]
async fn not_registered_wrong_method_options_and_unsupported_methods() {
    let s = server().await;
    let before = execution_count(&s).await;
    let (code, body) = json_of(call(&s, "GET", "webhook", |b| b).await).await;
    assert_eq!(code, 404);
    assert_eq!(
        body["message"],
        "The requested webhook \"GET \" is not registered."
    );
    let (code, body) = json_of(call(&s, "GET", "elsewhere", |b| b).await).await;
    assert_eq!((code, body), (404, json!({"message": "not found"})));
    let r = call(&s, "POST", "webhook/does-not-exist", |b| b).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        format!(
            r#"{{"code":404,"message":"The requested webhook \"POST does-not-exist\" is not registered.","hint":"{PRODUCTION_HINT}"}}"#
        )
    );
    let r = call(&s, "POST", "webhook-test/send-email", |b| b).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        format!(
            r#"{{"code":404,"message":"The requested webhook \"send-email\" is not registered.","hint":"{TEST_HINT}"}}"#
        )
    );
    let r = call(&s, "GET", "webhook/send-email", |b| b).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"code":404,"message":"This webhook is not registered for GET requests. Did you mean to make a POST request?"}"#
    );
    let (_, body) = json_of(call(&s, "POST", "webhook/multi", |b| b).await).await;
    assert_eq!(
        body["message"],
        "This webhook is not registered for POST requests. Did you mean to make a GET or PUT request?"
    );
    let r = call(&s, "HEAD", "webhook/search", |b| b).await;
    assert_eq!(r.status(), 404);

    let r = call(&s, "OPTIONS", "webhook/send-email", |b| {
        b.header("Origin", "http://example.test")
            .header("Access-Control-Request-Method", "POST")
    })
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://example.test"
    );
    assert_eq!(r.headers()["access-control-allow-methods"], "OPTIONS, POST");
    assert_eq!(r.headers()["access-control-max-age"], "300");

    for m in ["TRACE", "PROPFIND"] {
        let r = call(&s, m, "webhook/send-email", |b| b).await;
        assert_eq!(r.status(), 500);
        assert_eq!(
            r.text().await.unwrap(),
            format!(r#"{{"code":0,"message":"The method {m} is not supported."}}"#)
        );
    }
    assert_eq!(
        execution_count(&s).await,
        before,
        "404s and refused methods create no execution"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn all_six_methods_can_be_registered() {
    let s = server().await;
    for method in ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"] {
        let path = format!("webhook/method-{}", method.to_ascii_lowercase());
        let r = call(&s, method, &path, |b| b).await;
        assert_eq!(r.status(), 200, "{method}");
        let text = r.text().await.unwrap();
        if method == "HEAD" {
            assert_eq!(text, "");
        } else {
            let item: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(item["executionMode"], "production", "{method}");
        }
    }
    s.shutdown().await;
}

#[tokio::test]
async fn test_webhook_answers_once_per_arming() {
    let s = server().await;
    assert!(!s.arm_n8n_test_webhook("NoSuchWorkflow"));
    assert!(s.arm_n8n_test_webhook(creds::N8N_INACTIVE));
    let (code, body) = json_of(
        call(&s, "POST", "webhook-test/inactive-hook", |b| {
            b.json(&json!({}))
        })
        .await,
    )
    .await;
    assert_eq!(
        (code, body),
        (200, json!({"message": "Workflow was started"}))
    );
    let (code, body) = json_of(
        call(&s, "POST", "webhook-test/inactive-hook", |b| {
            b.json(&json!({}))
        })
        .await,
    )
    .await;
    assert_eq!(code, 404, "one call per arming");
    assert_eq!(
        body["message"],
        "The requested webhook \"inactive-hook\" is not registered."
    );

    // Over HTTP, and the workflow sees test mode.
    let r = client()
        .post(format!("{}/__admin/n8n/arm-test-webhook", s.base_url()))
        .json(&json!({"workflowId": "EchoItemTest0001"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (code, item) =
        json_of(call(&s, "POST", "webhook-test/echo-item", |b| b.json(&json!({}))).await).await;
    assert_eq!(code, 200);
    assert_eq!(item["executionMode"], "test");
    assert_eq!(
        item["webhookUrl"],
        format!("{}/webhook-test/echo-item", s.n8n_url())
    );
    let (_, list) = api_get(&s, "executions?workflowId=EchoItemTest0001").await;
    assert_eq!(list["data"][0]["mode"], "manual");
    s.shutdown().await;
}

#[tokio::test]
async fn body_over_the_limit_is_a_500_without_execution() {
    let mut config: Config = config();
    config.body_limit = 1024;
    let s = ReferenceServer::start(config).await.unwrap();
    let before = execution_count(&s).await;
    let r = call(&s, "POST", "webhook/send-email-async", |b| {
        b.header("content-type", "application/json")
            .body(format!("\"{}\"", "x".repeat(4096)))
    })
    .await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"code":0,"message":"There was a problem executing the workflow"}"#
    );
    assert_eq!(execution_count(&s).await, before);
    let r = call(&s, "POST", "webhook/send-email-async", |b| {
        b.json(&json!({"small": true}))
    })
    .await;
    assert_eq!(r.status(), 200);
    s.shutdown().await;
}

#[tokio::test]
async fn activation_delay_keeps_404_until_the_webhook_registers() {
    let mut config = config();
    config.n8n.activation_delay = std::time::Duration::from_millis(600);
    let s = ReferenceServer::start(config).await.unwrap();
    let (code, wf) = api(
        &s,
        "POST",
        &format!("workflows/{}/activate", creds::N8N_INACTIVE),
        None,
    )
    .await;
    assert_eq!((code, wf["active"].clone()), (200, json!(true)));
    // The probe uses a method the webhook does not accept: no run is ever started.
    let probe = || call(&s, "DELETE", "webhook/inactive-hook", |b| b);
    let (code, first) = json_of(probe().await).await;
    assert_eq!(code, 404);
    assert_eq!(
        first["message"],
        "The requested webhook \"DELETE inactive-hook\" is not registered."
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, body) = json_of(probe().await).await;
        if body["message"]
            == "This webhook is not registered for DELETE requests. Did you mean to make a POST request?"
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never registered");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (code, _) =
        json_of(call(&s, "POST", "webhook/inactive-hook", |b| b.json(&json!({}))).await).await;
    assert_eq!(code, 200);
    // Deactivation keeps serving for the same delay; deleting meanwhile is refused (real 2.x).
    let (code, _) = api(
        &s,
        "POST",
        &format!("workflows/{}/deactivate", creds::N8N_INACTIVE),
        None,
    )
    .await;
    assert_eq!(code, 200);
    let (code, body) = api(
        &s,
        "DELETE",
        &format!("workflows/{}", creds::N8N_INACTIVE),
        None,
    )
    .await;
    assert_eq!(
        (code, body),
        (
            409,
            json!({"message": "Workflow is still being unpublished. Please try again in a few moments."})
        )
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (code, body) = json_of(probe().await).await;
        if code == 404
            && body["message"]
                == "The requested webhook \"DELETE inactive-hook\" is not registered."
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never unregistered");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (code, _) = api(
        &s,
        "DELETE",
        &format!("workflows/{}", creds::N8N_INACTIVE),
        None,
    )
    .await;
    assert_eq!(code, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn concurrent_calls_each_get_their_own_answer_and_execution() {
    let s = server().await;
    let base = s.n8n_url();
    let calls = (0..40).map(|i| {
        let url = format!("{base}/webhook/send-email");
        async move {
            let r = client()
                .post(url)
                .header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
                .json(&json!({"to": format!("user{i}@example.com"), "subject": format!("s{i}")}))
                .send()
                .await
                .unwrap();
            (i, r.json::<Value>().await.unwrap())
        }
    });
    for (i, body) in futures::future::join_all(calls).await {
        assert_eq!(body["to"], format!("user{i}@example.com"));
        assert_eq!(body["subject"], format!("s{i}"));
    }
    let acks = (0..40).map(|i| {
        let url = format!("{base}/webhook/exec-id");
        async move {
            let text = client()
                .post(url)
                .json(&json!({"n": i}))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            (i, v["executionId"].as_str().unwrap().to_owned())
        }
    });
    let ids = futures::future::join_all(acks).await;
    let mut unique: Vec<&String> = ids.iter().map(|(_, id)| id).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40);
    for (i, id) in &ids {
        wait_execution(&s, id, |st| st == "success").await;
        let (_, full) = api_get(&s, &format!("executions/{id}?includeData=true")).await;
        assert_eq!(
            full["data"]["resultData"]["runData"]["Done"][0]["data"]["main"][0][0]["json"]["done"],
            json!(i)
        );
    }
    s.shutdown().await;
}

#[tokio::test]
async fn runs_of_one_webhook_share_their_metadata_map() {
    let s = server().await;
    for _ in 0..2 {
        let r = call(&s, "POST", "webhook/send-email", |b| {
            b.header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
                .json(&json!({"to": "a@example.com", "subject": "Hi"}))
        })
        .await;
        assert_eq!(r.status(), 200);
    }
    let r = call(&s, "GET", "webhook/echo?q=1", |b| b).await;
    assert_eq!(r.status(), 200);
    let sent = s.runs_of(creds::N8N_SEND_EMAIL);
    let echoed = s.runs_of(creds::N8N_ECHO_QUERY);
    assert_eq!((sent.len(), echoed.len()), (2, 1));
    assert!(std::sync::Arc::ptr_eq(&sent[0].meta, &sent[1].meta));
    assert!(!std::sync::Arc::ptr_eq(&sent[0].meta, &echoed[0].meta));
    assert_eq!(sent[0].meta["n8nMode"], "webhook");
    assert_eq!(sent[0].meta["n8nWorkflowId"], creds::N8N_SEND_EMAIL);
    assert_eq!(echoed[0].meta["n8nWorkflowId"], creds::N8N_ECHO_QUERY);
    s.shutdown().await;
}
