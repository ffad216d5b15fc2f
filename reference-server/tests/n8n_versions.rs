//! The `n8n.version` option, server side: the 1.x/2.x differences the shared n8n suite
//! (`tests/n8n/` at the workspace root, run on both settings and on real 1.123.81 and
//! 2.41.1) does not reach: routes and query parameters only one line has, the execution
//! fields 2.x added, the `Deprecation` header and the activation delay.

mod n8n_support;

use std::time::Duration;

use n8n_support::*;
use serde_json::{Value, json};
use trigger_sdk_reference_server::config::N8nVersion;
use trigger_sdk_reference_server::{ReferenceServer, creds};

async fn server_as(version: N8nVersion) -> ReferenceServer {
    let mut c = config();
    c.n8n.version = version;
    c.n8n.activation_delay = Duration::from_secs(3600);
    ReferenceServer::start(c).await.expect("server starts")
}

/// One request: method, path under the n8n base, API key, JSON body.
struct Req {
    method: &'static str,
    path: String,
    key: Option<&'static str>,
    body: Option<Value>,
}

impl Req {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            key: Some(creds::N8N_API_KEY),
            body: None,
        }
    }

    fn key(mut self, key: Option<&'static str>) -> Self {
        self.key = key;
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Status, body text, and whether a `Deprecation` header came.
    async fn send(&self, s: &ReferenceServer) -> (u16, String, bool) {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).expect("method");
        let mut rb = client().request(method, format!("{}/{}", s.n8n_url(), self.path));
        if let Some(key) = self.key {
            rb = rb.header("X-N8N-API-KEY", key);
        }
        if let Some(body) = &self.body {
            rb = rb.json(body);
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let deprecated = r.headers().contains_key("deprecation");
        (status, r.text().await.expect("body"), deprecated)
    }
}

/// A row: what it is, the request, and the (status, body) of 1.x and of 2.x (an empty body
/// is not compared, except for the 200s the row names).
type Row = (&'static str, Req, (u16, String), (u16, String));

fn message(m: &str) -> String {
    json!({ "message": m }).to_string()
}

#[tokio::test]
async fn rows_that_differ_between_1x_and_2x() {
    let v1 = server_as(N8nVersion::V1).await;
    let v2 = server_as(N8nVersion::V2).await;
    let wf = creds::N8N_FIRE_FORGET;
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("stop route",
            Req::new("POST", "api/v1/executions/99999/stop"),
            (404, message("not found")), (404, message("Not Found"))),
        ("publish route",
            Req::new("POST", format!("api/v1/workflows/{wf}/publish")),
            (405, message("POST method not allowed")), (200, String::new())),
        ("a status 1.x does not have",
            Req::new("GET", "api/v1/executions?status=crashed"),
            (400, message("request/query/status must be equal to one of the allowed values: canceled, error, running, success, waiting")),
            (200, String::new())),
        ("a query parameter 1.x does not have",
            Req::new("GET", "api/v1/executions?startedAfter=2020-01-01T00:00:00.000Z"),
            (400, message("Unknown query parameter 'startedAfter'")), (200, String::new())),
        ("an unknown query parameter (1.x refuses it, 2.x ignores it)",
            Req::new("GET", "api/v1/workflows?foo=1"),
            (400, message("Unknown query parameter 'foo'")), (200, String::new())),
        ("an unknown query parameter without a valid key (the key comes first)",
            Req::new("GET", "api/v1/workflows?foo=1").key(Some("wrong")),
            (401, message("unauthorized")), (401, message("Unauthorized"))),
    ];
    for (name, req, one, two) in rows {
        for (s, (status, body), line) in [(&v1, one, "1.x"), (&v2, two, "2.x")] {
            let (got_status, got_body, _) = req.send(s).await;
            assert_eq!(got_status, status, "{line}: {name}: {got_body}");
            if !body.is_empty() || status == 200 && name.contains("Respond") {
                assert_eq!(got_body, body, "{line}: {name}");
            }
        }
    }

    // `/activate` is deprecated on 2.x only, and registers at once on 1.x (no activation delay).
    for (s, deprecated, live) in [(&v1, false, true), (&v2, true, false)] {
        let (status, _, got) = Req::new(
            "POST",
            format!("api/v1/workflows/{}/activate", creds::N8N_INACTIVE),
        )
        .send(s)
        .await;
        assert_eq!((status, got), (200, deprecated));
        let (status, body, _) = Req::new("POST", "webhook/inactive-hook")
            .key(None)
            .body(json!({}))
            .send(s)
            .await;
        assert_eq!(status == 200, live, "{body}");
    }
}

#[tokio::test]
async fn retry_answers_and_execution_objects_follow_the_line() {
    for version in [N8nVersion::V1, N8nVersion::V2] {
        let s = server_as(version).await;
        let failed = failed_execution(&s).await;
        let (status, retry) = api(
            &s,
            "POST",
            &format!("executions/{failed}/retry"),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200, "{retry}");
        let (_, got) = api(&s, "GET", &format!("executions/{failed}"), None).await;
        match version {
            N8nVersion::V1 => {
                assert_eq!(
                    retry["retryOf"],
                    json!(failed.parse::<u64>().expect("numeric"))
                );
                assert!(
                    got.get("storedAt").is_none() && got.get("jsonSizeBytes").is_none(),
                    "{got}"
                );
            }
            _ => {
                assert_eq!(retry["retryOf"], json!(failed));
                assert_eq!(got["storedAt"], "db", "{got}");
            }
        }
    }
}

/// A failed execution of `fire-and-fail`.
async fn failed_execution(s: &ReferenceServer) -> String {
    let r = client()
        .post(format!("{}/webhook/fire-and-fail", s.n8n_url()))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    newest_execution(s, "FireFailTest0001", "error").await
}

async fn newest_execution(s: &ReferenceServer, workflow: &str, status: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, page) = api_get(
            s,
            &format!("executions?workflowId={workflow}&status={status}"),
        )
        .await;
        if let Some(id) = page["data"][0]["id"].as_str() {
            return id.to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {status} execution of {workflow}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
