//! The one fixture set: `tests/fixtures/n8n/*.json`, the workflows `scripts/real-n8n.sh start`
//! imports into a real n8n. The reference server serves the same files: each Webhook node's
//! settings (method, path, response mode and data, code, custom answer, auth, webhook id) are
//! read from the file, and what the other nodes do (JavaScript, n8n expressions) is modelled
//! once here as engine steps named like the nodes. A check fails when the two drift apart.

use std::collections::HashMap;

use serde_json::{Value, json};
use trigger_sdk_reference_server::config::{
    Config, N8nAuth, N8nExposure, N8nVersion, Step, StepKind, Workflow,
};

/// Credentials `scripts/real-n8n.sh` seeds, mirrored by the reference server.
pub const HEADER_NAME: &str = "x-webhook-secret";
pub const HEADER_VALUE: &str = "s3cret-token";
pub const BASIC_USER: &str = "alice";
pub const BASIC_PASSWORD: &str = "wonderland";
pub const JWT_SECRET: &str = "jwt-test-secret";
pub const REFERENCE_API_KEY: &str = "n8n_api_real_tier";

/// One fixture file.
pub struct Fixture {
    /// `ECHO_ONRECEIVED` for `01-echo-onreceived.json` (as the script names it).
    pub key: String,
    /// The workflow JSON.
    pub workflow: Value,
}

impl Fixture {
    fn webhook(&self) -> &Value {
        self.workflow["nodes"]
            .as_array()
            .and_then(|nodes| nodes.iter().find(|n| n["type"] == "n8n-nodes-base.webhook"))
            .unwrap_or_else(|| panic!("{}: no Webhook node", self.key))
    }

    /// The names of the nodes after the Webhook node, in the order they run.
    fn downstream(&self) -> Vec<String> {
        let connections = &self.workflow["connections"];
        let mut names = Vec::new();
        let mut at = self.webhook()["name"]
            .as_str()
            .unwrap_or("Webhook")
            .to_owned();
        while let Some(next) = connections[&at]["main"][0][0]["node"].as_str() {
            names.push(next.to_owned());
            at = next.to_owned();
        }
        names
    }
}

/// Every fixture file, in file order.
pub fn all() -> Vec<Fixture> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/n8n");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let name = match stem.split_once('-') {
                Some((n, rest)) if n.bytes().all(|b| b.is_ascii_digit()) => rest,
                _ => stem,
            };
            let text = std::fs::read_to_string(&path).expect("fixture readable");
            Fixture {
                key: name.to_ascii_uppercase().replace('-', "_"),
                workflow: serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            }
        })
        .collect()
}

/// What the nodes after the Webhook node do, per fixture: engine steps named like the
/// nodes, and the `onReceived` answer template when the file's is an n8n expression.
fn model(key: &str) -> (Vec<Step>, Option<&'static str>) {
    let echo = || {
        Step::transform(
            "echo",
            json!({"seen": "{{input}}",
                   "keys": ["headers", "params", "query", "body", "webhookUrl", "executionMode"]}),
        )
        .named("Echo")
    };
    let reached = || Step::respond("respond", 200, json!({"reached": true})).named("Respond");
    let drop = || Step::transform("drop", json!([])).named("Drop");
    let steps = match key {
        "ECHO_LASTNODE_FIRST" | "GET_QUERY" | "PATH_PARAM" | "LASTNODE_NODATA" => vec![echo()],
        "ECHO_LASTNODE_ALL" => vec![
            Step::transform(
                "two",
                json!([{"n": 1, "body": "{{input.body}}", "query": "{{input.query}}"},
                       {"n": 2, "method": "{{input.headers.content-type}}"}]),
            )
            .named("Two items"),
        ],
        "RESPOND_NODE" => {
            let mut respond = Step::respond(
                "respond",
                201,
                json!({"ok": true, "received": "{{input.body}}", "id": "{{execution.id}}"}),
            )
            .named("Respond");
            if let StepKind::Respond { headers, .. } = &mut respond.kind {
                headers.insert("x-fixture".to_owned(), "respond-node".to_owned());
            }
            vec![respond]
        }
        "ERROR_LASTNODE" => vec![Step::fail("boom", "boom from fixture").named("Boom")],
        "SLOW_LASTNODE" => vec![
            Step::delay("wait", 2000).named("Wait"),
            Step::transform("done", json!({"done": true, "at": "{{execution.id}}"})).named("Done"),
        ],
        "SET_NODE" => vec![
            Step::transform(
                "set",
                json!({"body": "{{input.body}}", "query": "{{input.query}}",
                       "userAgent": "{{input.headers.user-agent}}", "executionId": "{{execution.id}}"}),
            )
            .named("Set"),
        ],
        "RESPOND_NODE_ERROR" => vec![
            Step::fail("boom", "boom before respond").named("Boom"),
            reached(),
        ],
        "RESPOND_NODE_UNREACHED" => vec![drop(), reached()],
        "ONRECEIVED_ERROR" => vec![Step::fail("boom", "boom after ack").named("Boom")],
        "LASTNODE_EMPTY" => vec![drop()],
        "TRACKED" => vec![
            Step::respond(
                "respond",
                202,
                json!({"accepted": true, "executionId": "{{execution.id}}"}),
            )
            .named("Respond"),
            Step::delay("wait", 2000).named("Wait"),
            Step::transform("done", json!({"done": true, "body": "{{input.body}}"})).named("Done"),
        ],
        "STREAMING" => vec![
            Step::transform("echo", json!({"streamed": true, "body": "{{input.body}}"}))
                .named("Echo"),
        ],
        "JWT_AUTH" => vec![Step::transform("who", json!({"sub": "{{input.jwtPayload.sub}}"})).named("Who")],
        "RESPOND_TEXT" => vec![Step::respond("respond", 200, json!("plain text")).named("Respond")],
        _ => Vec::new(),
    };
    let on_received = match key {
        "ONRECEIVED_EXECUTION_ID" => Some(r#"{"executionId":"{{execution.id}}"}"#),
        _ => None,
    };
    (steps, on_received)
}

/// The Webhook node's settings as the reference server's exposure.
fn exposure(fx: &Fixture, on_received_model: Option<&str>) -> N8nExposure {
    let node = fx.webhook();
    let p = &node["parameters"];
    let options = &p["options"];
    let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_owned();
    let mut exposure = N8nExposure {
        path: text(&p["path"], ""),
        method: text(&p["httpMethod"], "GET"),
        webhook_id: text(&node["webhookId"], ""),
        active: !fx.key.contains("INACTIVE"),
        ..N8nExposure::default()
    };
    if let Some(mode) = p.get("responseMode") {
        exposure.response_mode = serde_json::from_value(mode.clone())
            .unwrap_or_else(|e| panic!("{}: responseMode {mode}: {e}", fx.key));
    }
    if let Some(data) = p.get("responseData") {
        exposure.response_data = serde_json::from_value(data.clone())
            .unwrap_or_else(|e| panic!("{}: responseData {data}: {e}", fx.key));
    }
    let code = options["responseCode"]["values"]["responseCode"]
        .as_u64()
        .or_else(|| options["responseCode"].as_u64());
    if let Some(code) = code {
        exposure.response_code = u16::try_from(code).expect("a status code");
    }
    exposure.on_received_body = match (options["responseData"].as_str(), on_received_model) {
        (Some(expr), Some(model)) if expr.starts_with('=') => Some(model.to_owned()),
        (Some(expr), None) if expr.starts_with('=') => {
            panic!("{}: the onReceived answer {expr:?} needs a model", fx.key)
        }
        (Some(literal), _) => Some(literal.to_owned()),
        (None, _) if options["noResponseBody"] == true => Some(String::new()),
        (None, _) => None,
    };
    exposure.auth = match p["authentication"].as_str() {
        Some("headerAuth") => N8nAuth::Header {
            name: HEADER_NAME.to_owned(),
            value: HEADER_VALUE.to_owned(),
        },
        Some("basicAuth") => N8nAuth::Basic {
            user: BASIC_USER.to_owned(),
            password: BASIC_PASSWORD.to_owned(),
        },
        Some("jwtAuth") => N8nAuth::Jwt {
            secret: JWT_SECRET.to_owned(),
        },
        Some("none") | None => N8nAuth::None,
        Some(other) => panic!("{}: authentication {other} has no model", fx.key),
    };
    exposure
}

/// The reference server's config for the fixture set, answering as `version`, and the
/// workflow id of each fixture key.
pub fn reference_config(version: N8nVersion) -> (Config, HashMap<String, String>) {
    let mut config = Config::default();
    config.n8n.api_keys = vec![REFERENCE_API_KEY.to_owned()];
    // What real 2.x shows: the production webhook registers 90–380 ms after `/activate`
    // answers (1.x registers at once; the server ignores the delay there).
    config.n8n.activation_delay = std::time::Duration::from_millis(250);
    config.n8n.version = version;
    let mut ids = HashMap::new();
    for (n, fx) in all().into_iter().enumerate() {
        let (steps, on_received) = model(&fx.key);
        let id = format!("FixtureWorkflow{:02}", n + 1);
        let name = fx.workflow["name"].as_str().unwrap_or(&fx.key).to_owned();
        let mut wf = Workflow::new(&id, &name, steps);
        wf.n8n = Some(exposure(&fx, on_received));
        ids.insert(fx.key.clone(), id);
        config.workflows.push(wf);
    }
    (config, ids)
}

#[test]
fn every_fixture_node_has_its_model_and_every_model_its_node() {
    let fixtures = all();
    assert!(fixtures.len() >= 24, "{} fixtures", fixtures.len());
    for fx in &fixtures {
        let (steps, _) = model(&fx.key);
        let modelled: Vec<&str> = steps.iter().map(Step::display_name).collect();
        assert_eq!(
            modelled,
            fx.downstream(),
            "{}: the model's steps are the fixture's nodes",
            fx.key
        );
        exposure(fx, model(&fx.key).1);
    }
}
