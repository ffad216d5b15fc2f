//! `/workflows` routes.

use std::time::Instant;

use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use super::{Ctx, Reply, bad_request, not_found, offset_page, ok, page, parse_bool};
use crate::config::Workflow;
use crate::engine::RunSnapshot;
use crate::n8n::answers;
use crate::n8n::tags::short_id;
use crate::n8n::webhook::{RunTarget, start_run};
use crate::n8n::workflows::{N8nWorkflow, PROJECT_ID};
use crate::n8n::{N8nFace, Registry, executions};

/// The `Deprecation` header 2.x sends on `/activate` and `/deactivate`.
const DEPRECATION: &str = "@1784764800";

const WRITABLE: &[&str] = &[
    "name",
    "description",
    "parentFolderId",
    "nodes",
    "connections",
    "nodeGroups",
    "settings",
    "staticData",
    "pinData",
    "shared",
];
const READ_ONLY: &[&str] = &[
    "id",
    "active",
    "createdAt",
    "updatedAt",
    "isArchived",
    "versionId",
    "triggerCount",
    "meta",
    "tags",
    "activeVersion",
];

/// Validates a create/update body the way the OpenAPI validator words it.
fn validate(body: &Value) -> Result<&Map<String, Value>, Response> {
    let Some(obj) = body.as_object() else {
        return Err(bad_request("request/body must be object"));
    };
    for field in ["name", "nodes", "connections", "settings"] {
        if !obj.contains_key(field) {
            return Err(bad_request(&format!(
                "request/body must have required property '{field}'"
            )));
        }
    }
    if let Some(field) = READ_ONLY.iter().find(|f| obj.contains_key(**f)) {
        return Err(bad_request(&format!("request/body/{field} is read-only")));
    }
    if obj.keys().any(|k| !WRITABLE.contains(&k.as_str())) {
        return Err(bad_request(
            "request/body must NOT have additional properties",
        ));
    }
    type Check = (&'static str, fn(&Value) -> bool, &'static str);
    let checks: [Check; 4] = [
        ("name", Value::is_string, "string"),
        ("nodes", Value::is_array, "array"),
        ("connections", Value::is_object, "object"),
        ("settings", Value::is_object, "object"),
    ];
    for (field, ok, what) in checks {
        if obj.get(field).is_some_and(|v| !ok(v)) {
            return Err(bad_request(&format!("request/body/{field} must be {what}")));
        }
    }
    Ok(obj)
}

fn tags_of(reg: &Registry, wf: &N8nWorkflow) -> Vec<Value> {
    wf.tag_ids
        .iter()
        .filter_map(|id| reg.tags.iter().find(|t| &t.id == id))
        .map(|t| t.to_json())
        .collect()
}

fn workflow_json(reg: &Registry, wf: &N8nWorkflow, exclude_pinned: bool) -> Value {
    wf.to_json(tags_of(reg, wf), exclude_pinned)
}

/// Keeps the engine's copy of an API-created workflow in step with its Webhook node.
fn sync_engine(face: &N8nFace, wf: &N8nWorkflow) {
    if !wf.api_created {
        return;
    }
    let Some(engine_id) = &wf.engine_id else {
        return;
    };
    let mut engine_wf = Workflow::new(engine_id, &wf.name, Vec::new());
    engine_wf.n8n = wf.webhook.as_deref().cloned();
    face.engine().put_workflow(engine_wf);
}

/// `GET /workflows`.
pub(super) fn list(ctx: &Ctx) -> Reply {
    let active = parse_bool(ctx, "active")?;
    let exclude_pinned = parse_bool(ctx, "excludePinnedData")?.unwrap_or(false);
    let name = ctx.q("name");
    let tags: Option<Vec<String>> = ctx.q("tags").map(|t| {
        t.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let project = ctx.q("projectId");
    let reg = ctx.face.registry();
    let selected: Vec<&N8nWorkflow> = reg
        .workflows
        .iter()
        .filter(|w| active.is_none_or(|a| w.active == a))
        .filter(|w| name.as_ref().is_none_or(|n| w.name.contains(n.as_str())))
        .filter(|_| project.as_ref().is_none_or(|p| p == PROJECT_ID))
        .filter(|w| {
            tags.as_ref().is_none_or(|wanted| {
                w.tag_ids.iter().any(|id| {
                    reg.tags
                        .iter()
                        .any(|t| &t.id == id && wanted.contains(&t.name))
                })
            })
        })
        .collect();
    let (items, next) = offset_page(ctx, &selected)?;
    let data = items
        .iter()
        .map(|w| workflow_json(&reg, w, exclude_pinned))
        .collect();
    page(data, next)
}

/// `POST /workflows`: created inactive, answered 200.
pub(super) fn create(ctx: &Ctx) -> Reply {
    let body = validate(&ctx.body)?;
    let wf = N8nWorkflow::from_api(short_id(), body);
    sync_engine(&ctx.face, &wf);
    let mut reg = ctx.face.registry();
    let out = workflow_json(&reg, &wf, false);
    reg.workflows.push(wf);
    ok(&out)
}

/// `GET /workflows/{id}`.
pub(super) fn get(ctx: &Ctx) -> Reply {
    let exclude_pinned = parse_bool(ctx, "excludePinnedData")?.unwrap_or(false);
    let reg = ctx.face.registry();
    let wf = reg.workflow(ctx.id()).ok_or_else(not_found)?;
    ok(&workflow_json(&reg, wf, exclude_pinned))
}

/// `PUT /workflows/{id}`.
pub(super) fn update(ctx: &Ctx) -> Reply {
    let body = validate(&ctx.body)?;
    let mut reg = ctx.face.registry();
    let wf = reg.workflow_mut(ctx.id()).ok_or_else(not_found)?;
    wf.apply(body);
    if wf.active && wf.webhook.is_none() {
        wf.active = false;
        wf.live_from = None;
        wf.active_version_id = None;
    }
    let wf = wf.clone();
    sync_engine(&ctx.face, &wf);
    ok(&workflow_json(&reg, &wf, false))
}

/// `DELETE /workflows/{id}`: answers the deleted workflow.
pub(super) fn delete(ctx: &Ctx) -> Reply {
    let mut reg = ctx.face.registry();
    let pos = reg
        .workflows
        .iter()
        .position(|w| w.id == ctx.id())
        .ok_or_else(not_found)?;
    if Registry::is_unpublishing(&reg.workflows[pos], Instant::now()) {
        return Err(answers::api_error(
            StatusCode::CONFLICT,
            "Workflow is still being unpublished. Please try again in a few moments.",
        ));
    }
    let wf = reg.workflows.remove(pos);
    reg.armed.remove(&wf.id);
    if wf.api_created
        && let Some(engine_id) = &wf.engine_id
    {
        ctx.face.engine().remove_workflow(engine_id);
    }
    ok(&workflow_json(&reg, &wf, false))
}

/// `POST /workflows/{id}/activate|deactivate|publish|unpublish`; the deprecated pair sends
/// `Deprecation` on every answer (real 2.x does so on its 404 too).
pub(super) fn activate(ctx: &Ctx, on: bool, deprecated: bool) -> Reply {
    // 1.x has no `/publish`, so its `/activate` is not deprecated.
    let mark = |mut response: Response| {
        if deprecated && !ctx.face.is_v1() {
            response
                .headers_mut()
                .insert("deprecation", HeaderValue::from_static(DEPRECATION));
        }
        response
    };
    switch(ctx, on).map(mark).map_err(mark)
}

fn switch(ctx: &Ctx, on: bool) -> Reply {
    let delay = ctx.face.activation_delay();
    let mut reg = ctx.face.registry();
    let id = ctx.id().to_owned();
    let Some(wf) = reg.workflow(&id) else {
        if on && !ctx.face.is_v1() {
            return Err(answers::api_error(
                StatusCode::NOT_FOUND,
                "You do not have permission to activate this workflow. Ask the owner to share it with you.",
            ));
        }
        return Err(not_found());
    };
    if on && !wf.active {
        let Some(webhook) = &wf.webhook else {
            return Err(bad_request(&format!(
                "Workflow \"{}\" (ID: {}) has no node to start the workflow - at least one trigger, poller or webhook node is required",
                wf.name, wf.id
            )));
        };
        let taken = reg.workflows.iter().any(|other| {
            other.id != id
                && other.active
                && other.webhook.as_ref().is_some_and(|o| {
                    o.method.eq_ignore_ascii_case(&webhook.method)
                        && o.path.trim_matches('/') == webhook.path.trim_matches('/')
                        && (!o.path.contains(':') || o.webhook_id == webhook.webhook_id)
                })
        });
        if taken {
            return Err(bad_request(
                "The URL path that the \"Webhook\" node uses is already taken. Please change it to something else.",
            ));
        }
    }
    let wf = reg.workflow_mut(&id).ok_or_else(not_found)?;
    if on && !wf.active {
        wf.active = true;
        let now = Instant::now();
        wf.live_from = Some(now.checked_add(delay).unwrap_or(now));
        wf.serving_until = None;
        wf.active_version_id = Some(wf.version_id.clone());
    } else if !on && wf.active {
        let now = Instant::now();
        let was_live = Registry::is_live(wf, now);
        wf.active = false;
        wf.live_from = None;
        wf.active_version_id = None;
        wf.serving_until = was_live.then(|| now.checked_add(delay)).flatten();
    }
    let wf = wf.clone();
    ok(&workflow_json(&reg, &wf, false))
}

/// `GET /workflows/{id}/{versionId}`.
pub(super) fn version(ctx: &Ctx) -> Reply {
    let reg = ctx.face.registry();
    let wf = reg.workflow(ctx.id()).ok_or_else(not_found)?;
    if ctx.params.get(1).map(String::as_str) != Some(wf.version_id.as_str()) {
        return Err(answers::api_error(
            StatusCode::NOT_FOUND,
            "Version not found",
        ));
    }
    ok(&wf.version_json())
}

/// `GET /workflows/{id}/tags`.
pub(super) fn get_tags(ctx: &Ctx) -> Reply {
    let reg = ctx.face.registry();
    let wf = reg.workflow(ctx.id()).ok_or_else(not_found)?;
    ok(&Value::Array(tags_of(&reg, wf)))
}

/// `PUT /workflows/{id}/tags` with `[{"id":..}]`.
pub(super) fn put_tags(ctx: &Ctx) -> Reply {
    let list = ctx
        .body
        .as_array()
        .ok_or_else(|| bad_request("request/body must be array"))?;
    let mut ids = Vec::new();
    for item in list {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_request("request/body must have required property 'id'"))?;
        ids.push(id.to_owned());
    }
    let mut reg = ctx.face.registry();
    if reg.workflow(ctx.id()).is_none() {
        return Err(not_found());
    }
    if ids.iter().any(|id| !reg.tags.iter().any(|t| &t.id == id)) {
        return Err(answers::api_error(
            StatusCode::NOT_FOUND,
            "Some tags not found",
        ));
    }
    ids.dedup();
    let wf = reg.workflow_mut(ctx.id()).ok_or_else(not_found)?;
    wf.tag_ids = ids;
    let wf = wf.clone();
    ok(&Value::Array(tags_of(&reg, &wf)))
}

/// `POST /workflows/{id}/execute` (only with `execute_endpoint`): starts a run whose
/// webhook item has the request body as `body`, answers the execution (`status:"running"`).
pub(super) fn execute(ctx: &Ctx) -> Reply {
    let target = {
        let reg = ctx.face.registry();
        let wf = reg.workflow(ctx.id()).ok_or_else(not_found)?;
        let engine_id = wf
            .engine_id
            .clone()
            .ok_or_else(|| bad_request("Workflow has no node to start the workflow"))?;
        RunTarget {
            workflow_id: wf.id.clone(),
            engine_id,
            version_id: wf.version_id.clone(),
        }
    };
    let body = if ctx.body.is_null() {
        json!({})
    } else {
        ctx.body.clone()
    };
    let input = json!({
        "headers": {},
        "params": {},
        "query": {},
        "body": body,
        "webhookUrl": "",
        "executionMode": "production",
    });
    let started =
        start_run(&ctx.face, &target, input, "trigger", RunSnapshot::clone).ok_or_else(|| {
            answers::api_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        })?;
    let mut item = executions::list_item(&started, None);
    item.insert("status".into(), json!("running"));
    item.insert("finished".into(), json!(false));
    ok(&Value::Object(item))
}
