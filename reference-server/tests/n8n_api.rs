//! The n8n face's public API (`/api/v1`), row by row (sdk-n8n/docs/contract.md §2 and §3 and the
//! real-n8n evidence), over a real loopback socket with plain reqwest.

mod n8n_support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use n8n_support::*;
use serde_json::{Value, json};
use trigger_sdk_reference_server::{ReferenceServer, creds};

async fn raw(
    s: &ReferenceServer,
    method: &str,
    path: &str,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> (u16, String, reqwest::header::HeaderMap) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let r = build(client().request(m, format!("{}/api/v1/{path}", s.n8n_url())))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap(), headers)
}

fn cursor_json(c: &str) -> Value {
    serde_json::from_slice(&STANDARD.decode(c).unwrap()).unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn fire(s: &ReferenceServer, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/webhook/{path}", s.n8n_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Runs BrokenFlowDemo01 and returns its execution id.
async fn failed_execution(s: &ReferenceServer) -> String {
    assert_eq!(fire(s, "broken", json!({"a": 1})).await.status(), 500);
    let (_, list) = api_get(
        s,
        &format!("executions?workflowId={}&limit=1", creds::N8N_BROKEN),
    )
    .await;
    list["data"][0]["id"].as_str().unwrap().to_owned()
}

/// Runs the respond demo and returns its (finished, successful) execution id.
async fn successful_execution(s: &ReferenceServer) -> String {
    let body: Value = fire(s, "respond", json!({"x": 1}))
        .await
        .json()
        .await
        .unwrap();
    let id = body["executionId"].as_str().unwrap().to_owned();
    wait_execution(s, &id, |st| st == "success").await;
    id
}

#[tokio::test]
async fn routing_happens_before_auth_and_auth_is_only_the_api_key() {
    let s = server().await;
    let (code, body, _) = raw(&s, "GET", "nope", |b| b).await;
    assert_eq!((code, body.as_str()), (404, r#"{"message":"not found"}"#));
    let (code, body, _) = raw(&s, "POST", "executions", |b| b).await;
    assert_eq!(
        (code, body.as_str()),
        (405, r#"{"message":"POST method not allowed"}"#)
    );
    // The key is checked before the query (2.x then ignores unknown parameters).
    let (code, body, _) = raw(&s, "GET", "workflows?foo=1", |b| b).await;
    assert_eq!(
        (code, body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    // the seeds' endpoints
    let wf = creds::N8N_SEND_EMAIL;
    for path in [
        format!("workflows/{wf}/execute"),
        format!("workflows/{wf}/run"),
    ] {
        let (code, body, _) = raw(&s, "POST", &path, |b| b.json(&json!({}))).await;
        assert_eq!(
            (code, body.as_str()),
            (405, r#"{"message":"POST method not allowed"}"#)
        );
    }
    let (code, body, _) = raw(&s, "POST", &format!("workflow/{wf}/start"), |b| {
        b.json(&json!({}))
    })
    .await;
    assert_eq!((code, body.as_str()), (404, r#"{"message":"not found"}"#));

    for build in [
        Box::new(|b: reqwest::RequestBuilder| b)
            as Box<dyn FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder>,
        Box::new(|b: reqwest::RequestBuilder| b.header("X-N8N-API-KEY", "wrong")),
        Box::new(|b: reqwest::RequestBuilder| b.bearer_auth(creds::N8N_API_KEY)),
    ] {
        let (code, body, headers) = raw(&s, "GET", "workflows", build).await;
        assert_eq!(
            (code, body.as_str()),
            (401, r#"{"message":"Unauthorized"}"#)
        );
        assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    }
    let (code, _, _) = raw(&s, "GET", "workflows", |b| {
        b.header("x-n8n-api-key", creds::N8N_API_KEY)
    })
    .await;
    assert_eq!(code, 200);
    let (code, body, _) = raw(&s, "GET", "workflows", |b| {
        b.header("X-N8N-API-KEY", creds::N8N_API_KEY)
            .header("User-Agent", "my-Robot/1.0")
    })
    .await;
    assert_eq!((code, body.as_str()), (204, ""));
    s.shutdown().await;
}

#[tokio::test]
async fn execute_endpoint_when_enabled() {
    let mut config = config();
    config.n8n.execute_endpoint = true;
    let s = ReferenceServer::start(config).await.unwrap();
    let (code, exec) = api(
        &s,
        "POST",
        &format!("workflows/{}/execute", creds::N8N_SEND_EMAIL),
        Some(json!({"to": "x@example.com", "subject": "S"})),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(exec["status"], "running");
    assert_eq!(exec["finished"], false);
    assert_eq!(exec["workflowId"], creds::N8N_SEND_EMAIL);
    let id = exec["id"].as_str().unwrap();
    wait_execution(&s, id, |st| st == "success").await;
    let (_, full) = api_get(&s, &format!("executions/{id}?includeData=true")).await;
    assert_eq!(
        full["data"]["resultData"]["runData"]["Send Email"][0]["data"]["main"][0][0]["json"],
        json!({"success": true, "to": "x@example.com", "subject": "S"})
    );
    let (code, body) = api(&s, "POST", "workflows/nope/execute", Some(json!({}))).await;
    assert_eq!((code, body), (404, json!({"message": "Not Found"})));
    s.shutdown().await;
}

#[tokio::test]
async fn workflows_list_filters_and_cursors() {
    let s = server().await;
    let (code, all) = api_get(&s, "workflows").await;
    assert_eq!(code, 200);
    let total = all["data"].as_array().unwrap().len();
    assert!(total >= 20, "demo + test workflows: {total}");
    assert_eq!(all["nextCursor"], Value::Null);
    let wf = &all["data"][0];
    for key in [
        "id",
        "name",
        "active",
        "activeVersionId",
        "createdAt",
        "updatedAt",
        "isArchived",
        "versionId",
        "triggerCount",
        "nodes",
        "connections",
        "settings",
        "staticData",
        "pinData",
        "meta",
        "tags",
        "shared",
        "activeVersion",
    ] {
        assert!(wf.get(key).is_some(), "workflow object has {key}");
    }

    let (_, inactive) = api_get(&s, "workflows?active=false").await;
    assert_eq!(ids(&inactive), [creds::N8N_INACTIVE]);
    let (_, active) = api_get(&s, "workflows?active=true").await;
    assert_eq!(active["data"].as_array().unwrap().len(), total - 1);
    let (_, named) = api_get(&s, "workflows?name=Send%20Email").await;
    assert!(ids(&named).contains(&creds::N8N_SEND_EMAIL.to_owned()));
    let (_, tagged) = api_get(&s, "workflows?tags=email").await;
    assert_eq!(ids(&tagged), [creds::N8N_SEND_EMAIL]);
    assert_eq!(tagged["data"][0]["tags"][0]["name"], "demo");
    let (_, tagged) = api_get(&s, "workflows?tags=demo,nothing").await;
    assert_eq!(
        ids(&tagged),
        [creds::N8N_SEND_EMAIL, creds::N8N_FIRE_FORGET]
    );
    let project = all["data"][0]["shared"][0]["projectId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, mine) = api_get(&s, &format!("workflows?projectId={project}")).await;
    assert_eq!(mine["data"].as_array().unwrap().len(), total);
    let (_, other) = api_get(&s, "workflows?projectId=elsewhere").await;
    assert_eq!(other["data"], json!([]));
    let (_, slim) = api_get(&s, "workflows?excludePinnedData=true&limit=1").await;
    assert!(slim["data"][0].get("pinData").is_none());

    let (_, p1) = api_get(&s, "workflows?limit=2").await;
    assert_eq!(p1["data"].as_array().unwrap().len(), 2);
    let c1 = p1["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(c1, "eyJsaW1pdCI6Miwib2Zmc2V0IjoyfQ==");
    let (_, p2) = api_get(&s, &format!("workflows?cursor={c1}")).await;
    assert_eq!(
        cursor_json(p2["nextCursor"].as_str().unwrap()),
        json!({"limit": 2, "offset": 4})
    );
    assert_ne!(ids(&p1), ids(&p2));

    // limit=0: everything, and a cursor that points at the same page again.
    let (_, zero) = api_get(&s, "workflows?limit=0").await;
    assert_eq!(zero["data"].as_array().unwrap().len(), total);
    let c0 = zero["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(cursor_json(&c0), json!({"limit": 0, "offset": 0}));
    let (_, again) = api_get(&s, &format!("workflows?cursor={c0}")).await;
    assert_eq!(again["nextCursor"], c0.as_str());
    let (code, _) = api_get(&s, "workflows?limit=251").await;
    assert_eq!(code, 200);
    let (code, body) = api_get(&s, "workflows?cursor=garbage").await;
    assert_eq!(
        (code, body),
        (400, json!({"message": "An invalid cursor was provided"}))
    );
    s.shutdown().await;
}

#[tokio::test]
async fn pagination_walks_more_than_250_workflows_and_executions() {
    let s = server().await;
    for i in 0..260 {
        let (code, _) = api(
            &s,
            "POST",
            "workflows",
            Some(json!({"name": format!("bulk {i}"), "nodes": [], "connections": {}, "settings": {}})),
        )
        .await;
        assert_eq!(code, 200);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("workflows?cursor={c}"),
            None => "workflows?limit=100".to_owned(),
        };
        let (_, page) = api_get(&s, &path).await;
        seen.extend(ids(&page));
        pages += 1;
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let total = seen.len();
    assert!(total >= 280);
    assert_eq!(pages, total.div_ceil(100));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no workflow twice");
    let (_, max) = api_get(&s, "workflows?limit=250").await;
    assert_eq!(max["data"].as_array().unwrap().len(), 250);

    // 260 finished executions through an onReceived webhook without steps.
    for _ in 0..260 {
        let r = client()
            .post(format!("{}/webhook/accepted", s.n8n_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while execution_count(&s).await < 260 || {
        let (_, running) = api_get(&s, "executions?status=running").await;
        !running["data"].as_array().unwrap().is_empty()
    } {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut seen: Vec<u64> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("executions?workflowId=AcceptedTest0001&cursor={c}"),
            None => "executions?workflowId=AcceptedTest0001&limit=100".to_owned(),
        };
        let (code, page) = api_get(&s, &path).await;
        assert_eq!(code, 200);
        seen.extend(ids(&page).iter().map(|i| i.parse::<u64>().unwrap()));
        match page["nextCursor"].as_str() {
            Some(c) => {
                let c_json = cursor_json(c);
                assert_eq!(c_json["limit"], 100);
                assert_eq!(c_json["lastId"], seen.last().unwrap().to_string());
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 260);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    let (_, all) = api_get(&s, "executions?workflowId=AcceptedTest0001&limit=0").await;
    assert_eq!(
        (
            all["data"].as_array().unwrap().len(),
            all["nextCursor"].clone()
        ),
        (260, Value::Null)
    );
    let (code, body) = api_get(&s, "executions?cursor=garbage").await;
    assert_eq!(
        (code, body),
        (400, json!({"message": "An invalid cursor was provided"}))
    );
    s.shutdown().await;
}

#[tokio::test]
async fn workflow_crud_activation_and_tags() {
    let s = server().await;
    let (code, body) = api(
        &s,
        "POST",
        "workflows",
        Some(json!({"name": "x", "nodes": [], "connections": {}})),
    )
    .await;
    assert_eq!(
        (code, body),
        (
            400,
            json!({"message": "request/body must have required property 'settings'"})
        )
    );
    let (code, body) = api(
        &s,
        "POST",
        "workflows",
        Some(json!({"name": "x", "nodes": [], "connections": {}, "settings": {}, "active": true})),
    )
    .await;
    assert_eq!(
        (code, body),
        (400, json!({"message": "request/body/active is read-only"}))
    );

    let nodes = json!([{
        "id": "n1", "name": "Webhook", "webhookId": "11111111-2222-4333-8444-555555555555",
        "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
        "parameters": {"httpMethod": "POST", "path": "created-hook", "responseMode": "lastNode", "options": {}}
    }]);
    let (code, created) = api(
        &s,
        "POST",
        "workflows",
        Some(json!({"name": "Created", "nodes": nodes, "connections": {}, "settings": {"executionOrder": "v1"}})),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(created["active"], false);
    let id = created["id"].as_str().unwrap().to_owned();
    let (code, got) = api_get(&s, &format!("workflows/{id}")).await;
    assert_eq!((code, got["name"].clone()), (200, json!("Created")));
    let (code, body) = api_get(&s, "workflows/doesNotExist123").await;
    assert_eq!((code, body), (404, json!({"message": "Not Found"})));

    // inactive: not served
    assert_eq!(fire(&s, "created-hook", json!({})).await.status(), 404);
    let (code, body, headers) = raw(&s, "POST", &format!("workflows/{id}/activate"), |b| {
        b.header("X-N8N-API-KEY", creds::N8N_API_KEY)
    })
    .await;
    assert_eq!(code, 200);
    assert_eq!(headers["deprecation"], "@1784764800");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["active"], true);
    assert!(body["activeVersion"].is_object());
    // a created workflow without steps answers lastNode with the webhook item
    let item: Value = fire(&s, "created-hook", json!({"hi": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(item["body"], json!({"hi": 1}));

    let (code, _, headers) = raw(&s, "POST", &format!("workflows/{id}/unpublish"), |b| {
        b.header("X-N8N-API-KEY", creds::N8N_API_KEY)
    })
    .await;
    assert_eq!(code, 200);
    assert!(headers.get("deprecation").is_none());
    assert_eq!(fire(&s, "created-hook", json!({})).await.status(), 404);
    let (code, body) = api(&s, "POST", &format!("workflows/{id}/publish"), None).await;
    assert_eq!((code, body["active"].clone()), (200, json!(true)));

    let (code, body, headers) = raw(&s, "POST", "workflows/nope123/activate", |b| {
        b.header("X-N8N-API-KEY", creds::N8N_API_KEY)
    })
    .await;
    assert_eq!(headers["deprecation"], "@1784764800");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, body),
        (
            404,
            json!({"message": "You do not have permission to activate this workflow. Ask the owner to share it with you."})
        )
    );
    let (_, bare) = api(
        &s,
        "POST",
        "workflows",
        Some(json!({"name": "No trigger", "nodes": [], "connections": {}, "settings": {}})),
    )
    .await;
    let bare_id = bare["id"].as_str().unwrap();
    let (code, body) = api(&s, "POST", &format!("workflows/{bare_id}/activate"), None).await;
    assert_eq!(code, 400);
    assert_eq!(
        body["message"],
        format!(
            "Workflow \"No trigger\" (ID: {bare_id}) has no node to start the workflow - at least one trigger, poller or webhook node is required"
        )
    );

    // update renames; the version lookup follows the versionId
    let (code, updated) = api(
        &s,
        "PUT",
        &format!("workflows/{id}"),
        Some(json!({"name": "Renamed", "nodes": nodes, "connections": {}, "settings": {}})),
    )
    .await;
    assert_eq!((code, updated["name"].clone()), (200, json!("Renamed")));
    let version = updated["versionId"].as_str().unwrap();
    let (code, v) = api_get(&s, &format!("workflows/{id}/{version}")).await;
    assert_eq!((code, v["workflowId"].clone()), (200, json!(id)));

    // tags
    let (code, tag) = api(&s, "POST", "tags", Some(json!({"name": "ops"}))).await;
    assert_eq!(code, 201);
    let tag_id = tag["id"].as_str().unwrap().to_owned();
    let (code, body) = api(&s, "POST", "tags", Some(json!({"name": "ops"}))).await;
    assert_eq!(
        (code, body),
        (409, json!({"message": "Tag already exists"}))
    );
    let (code, body) = api(&s, "POST", "tags", Some(json!({}))).await;
    assert_eq!(
        (code, body),
        (
            400,
            json!({"message": "request/body must have required property 'name'"})
        )
    );
    let (code, t) = api_get(&s, &format!("tags/{tag_id}")).await;
    assert_eq!((code, t["name"].clone()), (200, json!("ops")));
    let (code, t) = api(
        &s,
        "PUT",
        &format!("tags/{tag_id}"),
        Some(json!({"name": "operations"})),
    )
    .await;
    assert_eq!((code, t["name"].clone()), (200, json!("operations")));
    let (code, list) = api(
        &s,
        "PUT",
        &format!("workflows/{id}/tags"),
        Some(json!([{"id": tag_id}])),
    )
    .await;
    assert_eq!((code, list[0]["name"].clone()), (200, json!("operations")));
    let (code, body) = api(
        &s,
        "PUT",
        &format!("workflows/{id}/tags"),
        Some(json!([{"id": "missing"}])),
    )
    .await;
    assert_eq!(
        (code, body),
        (404, json!({"message": "Some tags not found"}))
    );
    let (_, tagged) = api_get(&s, "workflows?tags=operations").await;
    assert_eq!(ids(&tagged), [id.as_str()]);
    let (_, tags) = api_get(&s, "tags?limit=1").await;
    assert_eq!(tags["data"].as_array().unwrap().len(), 1);
    assert!(tags["nextCursor"].is_string());
    let (code, _) = api(&s, "DELETE", &format!("tags/{tag_id}"), None).await;
    assert_eq!(code, 200);
    let (code, body) = api_get(&s, &format!("tags/{tag_id}")).await;
    assert_eq!((code, body), (404, json!({"message": "Not Found"})));

    // delete
    let (code, deleted) = api(&s, "DELETE", &format!("workflows/{id}"), None).await;
    assert_eq!((code, deleted["id"].clone()), (200, json!(id)));
    let (code, _) = api_get(&s, &format!("workflows/{id}")).await;
    assert_eq!(code, 404);
    assert_eq!(fire(&s, "created-hook", json!({})).await.status(), 404);
    s.shutdown().await;
}

#[tokio::test]
async fn executions_list_get_and_status_filters() {
    let s = server().await;
    let failed = failed_execution(&s).await;
    let ok = successful_execution(&s).await;
    let (_, list) = api_get(&s, "executions").await;
    let listed = ids(&list);
    assert_eq!(listed[0], ok, "newest first");
    assert!(listed.contains(&failed));
    let item = &list["data"][0];
    let keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "finished",
            "mode",
            "retryOf",
            "retrySuccessId",
            "status",
            "startedAt",
            "stoppedAt",
            "workflowId",
            "waitTill"
        ]
    );
    assert_eq!(item["finished"], true);
    assert_eq!(item["mode"], "webhook");

    let (_, errors) = api_get(&s, "executions?status=error").await;
    assert_eq!(ids(&errors), [failed.as_str()]);
    let (code, body) = api_get(&s, "executions?status=bogus").await;
    assert_eq!(code, 400);
    assert_eq!(
        body["message"],
        "request/query/status Invalid enum value. Expected 'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting', received 'bogus'"
    );
    let (_, none) = api_get(&s, "executions?projectId=elsewhere").await;
    assert_eq!(none, json!({"data": [], "nextCursor": null}));
    let (_, none) = api_get(&s, "executions?workflowId=unknownWorkflow").await;
    assert_eq!(none, json!({"data": [], "nextCursor": null}));
    let (_, p) = api_get(&s, "executions?limit=1").await;
    assert_eq!(
        cursor_json(p["nextCursor"].as_str().unwrap()),
        json!({"lastId": ok, "limit": 1})
    );

    // a running execution is left out unless status=running
    let url = format!("{}/webhook/slow", s.n8n_url());
    let _slow = tokio::spawn(async move { client().post(url).json(&json!({})).send().await });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let running = loop {
        let (_, r) = api_get(&s, "executions?status=running").await;
        if let Some(id) = r["data"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let (_, plain) = api_get(&s, "executions").await;
    assert!(!ids(&plain).contains(&running));
    let (_, one) = api_get(&s, &format!("executions/{running}")).await;
    assert_eq!(
        (
            one["status"].clone(),
            one["stoppedAt"].clone(),
            one["finished"].clone()
        ),
        (json!("running"), Value::Null, json!(false))
    );

    // get
    let (code, e) = api_get(&s, &format!("executions/{failed}")).await;
    assert_eq!(code, 200);
    assert_eq!(e["status"], "error");
    assert_eq!(e["finished"], false);
    assert!(e.get("data").is_none());
    let (_, e) = api_get(&s, &format!("executions/{failed}?includeData=true")).await;
    assert_eq!(
        e["data"]["resultData"]["error"]["message"],
        "Something went wrong in the workflow"
    );
    assert_eq!(
        e["data"]["resultData"]["runData"]["Webhook"][0]["data"]["main"][0][0]["json"]["body"],
        json!({"a": 1})
    );
    assert_eq!(
        e["data"]["resultData"]["lastNodeExecuted"],
        "Stop and Error"
    );
    assert_eq!(e["workflowData"]["id"], creds::N8N_BROKEN);
    let (code, body) = api_get(&s, "executions/99999").await;
    assert_eq!((code, body), (404, json!({"message": "Not Found"})));
    let (code, body) = api_get(&s, "executions/abc").await;
    assert_eq!(
        (code, body),
        (
            400,
            json!({"message": "request/params/executionId must be a positive integer"})
        )
    );
    let (_, with_data) = api_get(
        &s,
        &format!(
            "executions?includeData=true&limit=1&workflowId={}",
            creds::N8N_BROKEN
        ),
    )
    .await;
    assert!(with_data["data"][0]["data"]["resultData"]["runData"].is_object());
    let (code, _) = api(&s, "POST", &format!("executions/{running}/stop"), None).await;
    assert_eq!(code, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_n8n_shaped_answers_and_the_server_keeps_going() {
    let s = server().await;
    let key = |b: reqwest::RequestBuilder| b.header("X-N8N-API-KEY", creds::N8N_API_KEY);
    let (code, body, _) = raw(&s, "GET", "executions/%FF%FE", key).await;
    assert_eq!(code, 400, "{body}");
    let (code, body, _) = raw(&s, "GET", "workflows/%FF", key).await;
    assert_eq!((code, body.as_str()), (404, r#"{"message":"Not Found"}"#));
    let (code, body, _) = raw(&s, "GET", "workflows?limit=-1", key).await;
    assert_eq!(code, 400, "{body}");
    let not_a_cursor = STANDARD.encode(br#"{"offset":"x"}"#);
    let (code, body, _) = raw(&s, "GET", &format!("workflows?cursor={not_a_cursor}"), key).await;
    assert_eq!(
        (code, body.as_str()),
        (400, r#"{"message":"An invalid cursor was provided"}"#)
    );
    let (code, body, _) = raw(&s, "POST", "workflows", |b| {
        key(b)
            .header("content-type", "application/json")
            .body("{\"name\":")
    })
    .await;
    assert_eq!(
        (code, body.as_str()),
        (400, r#"{"message":"Invalid JSON in request body"}"#)
    );
    let (code, _, _) = raw(&s, "POST", "tags", |b| {
        key(b).json(&json!(["not", "an", "object"]))
    })
    .await;
    assert_eq!(code, 400);

    let long_query = format!("q={}&{}", "x".repeat(20_000), "k=v&".repeat(2_000));
    let r = client()
        .get(format!("{}/webhook/search?{long_query}", s.n8n_url()))
        .header(
            "x-odd",
            reqwest::header::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let item: Value = r.json().await.unwrap();
    assert_eq!(item["query"]["k"].as_array().map(Vec::len), Some(2_000));
    let r = client()
        .get(format!("{}/webhook/%FF%00/..%2F..", s.n8n_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let (code, _) = api_get(&s, "workflows?limit=1").await;
    assert_eq!(code, 200, "the server still answers");
    s.shutdown().await;
}
