//! `/executions` routes.

use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::{Ctx, Reply, bad_cursor, bad_request, not_found, ok, page, parse_bool, parse_limit};
use crate::engine::{EngineError, RunSnapshot};
use crate::n8n::answers;
use crate::n8n::cursor::{KeysetCursor, decode, encode};
use crate::n8n::executions::{
    MODE_KEY, V2_FIELDS, VERSION_KEY, WORKFLOW_KEY, add_data, detail, fields, is_n8n, list_item,
    numeric_id, status_of, workflow_id,
};
use crate::n8n::workflows::PROJECT_ID;

const STATUSES: [&str; 8] = [
    "canceled", "crashed", "error", "new", "running", "success", "unknown", "waiting",
];
/// The statuses 1.x knows.
const V1_STATUSES: [&str; 5] = ["canceled", "error", "running", "success", "waiting"];

/// The execution id parameter, or the 400 n8n answers for a non-number.
fn execution_id(ctx: &Ctx) -> Result<u64, Response> {
    numeric_id(ctx.id()).ok_or_else(|| {
        bad_request(if ctx.face.is_v1() {
            "request/params/id must be number"
        } else {
            "request/params/executionId must be a positive integer"
        })
    })
}

/// An n8n execution by id.
fn find(ctx: &Ctx, id: u64) -> Option<RunSnapshot> {
    ctx.face.engine().snapshot(&id.to_string()).filter(is_n8n)
}

fn retry_success(ctx: &Ctx, id: &str) -> Option<String> {
    ctx.face.registry().retry_success.get(id).cloned()
}

fn with_data(ctx: &Ctx, m: &mut Map<String, Value>, snap: &RunSnapshot) {
    let reg = ctx.face.registry();
    add_data(m, snap, reg.workflow(workflow_id(snap)));
}

/// An execution object as this face's release line shows it.
fn for_line(ctx: &Ctx, mut m: Map<String, Value>) -> Value {
    if ctx.face.is_v1() {
        for key in V2_FIELDS {
            m.remove(key);
        }
    }
    Value::Object(m)
}

/// `GET /executions`: newest first; running ones only with `status=running`.
pub(super) fn list(ctx: &Ctx) -> Reply {
    let status = ctx.q("status");
    if let Some(s) = &status {
        if ctx.face.is_v1() && !V1_STATUSES.contains(&s.as_str()) {
            return Err(bad_request(
                "request/query/status must be equal to one of the allowed values: canceled, error, running, success, waiting",
            ));
        }
        if !STATUSES.contains(&s.as_str()) {
            return Err(bad_request(&format!(
                "request/query/status Invalid enum value. Expected 'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting', received '{s}'"
            )));
        }
    }
    let include_data = parse_bool(ctx, "includeData")?.unwrap_or(false);
    let (limit, last_id) = match ctx.q("cursor") {
        Some(raw) => {
            let c = decode::<KeysetCursor>(&raw).ok_or_else(bad_cursor)?;
            let last = numeric_id(&c.last_id).ok_or_else(bad_cursor)?;
            (c.limit, Some(last))
        }
        None => (parse_limit(ctx)?, None),
    };
    let workflow = ctx.q("workflowId");
    let project = ctx.q("projectId");
    let mut runs: Vec<(u64, RunSnapshot)> = ctx
        .face
        .engine()
        .list_runs()
        .into_iter()
        .filter(is_n8n)
        .filter_map(|s| numeric_id(&s.id).map(|n| (n, s)))
        .filter(|(_, s)| workflow.as_ref().is_none_or(|w| w == workflow_id(s)))
        .filter(|_| project.as_ref().is_none_or(|p| p == PROJECT_ID))
        .filter(|(_, s)| {
            let st = status_of(s);
            match status.as_deref() {
                Some("error") => st == "error" || st == "crashed",
                Some(wanted) => st == wanted,
                None => st != "running" && st != "new",
            }
        })
        .filter(|(n, _)| last_id.is_none_or(|last| *n < last))
        .collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.0));
    let take = if limit == 0 {
        runs.len()
    } else {
        usize::try_from(limit).unwrap_or(usize::MAX).min(runs.len())
    };
    let more = take < runs.len();
    runs.truncate(take);
    let next = more.then(|| runs.last()).flatten().map(|(n, _)| {
        encode(&KeysetCursor {
            last_id: n.to_string(),
            limit,
        })
    });
    let data = runs
        .iter()
        .map(|(_, snap)| {
            let mut item = list_item(snap, retry_success(ctx, &snap.id).as_deref());
            if include_data {
                item.insert("storedAt".into(), json!("db"));
                item.insert(
                    "workflowVersionId".into(),
                    snap.meta.get(VERSION_KEY).cloned().unwrap_or(Value::Null),
                );
                with_data(ctx, &mut item, snap);
            }
            for_line(ctx, item)
        })
        .collect();
    page(data, next)
}

/// `GET /executions/{id}`.
pub(super) fn get(ctx: &Ctx) -> Reply {
    let id = execution_id(ctx)?;
    let include_data = parse_bool(ctx, "includeData")?.unwrap_or(false);
    let snap = find(ctx, id).ok_or_else(not_found)?;
    let mut m = detail(&snap, retry_success(ctx, &snap.id).as_deref());
    if include_data {
        with_data(ctx, &mut m, &snap);
    }
    ok(&for_line(ctx, m))
}

/// `DELETE /executions/{id}`: answers the execution with a numeric id.
pub(super) fn delete(ctx: &Ctx) -> Reply {
    let id = execution_id(ctx)?;
    let snap = find(ctx, id).ok_or_else(not_found)?;
    if !snap.status.is_terminal() {
        return Err(bad_request("Cannot delete a running execution"));
    }
    ctx.face.engine().remove_run(&snap.id);
    let mut m = detail(&snap, retry_success(ctx, &snap.id).as_deref());
    m.insert("id".into(), json!(id));
    ok(&for_line(ctx, m))
}

/// `POST /executions/{id}/retry`: failed or canceled only; answers when the retry is over.
pub(super) async fn retry(ctx: &Ctx) -> Reply {
    let id = execution_id(ctx)?;
    let old = find(ctx, id).ok_or_else(|| {
        answers::api_error(
            StatusCode::NOT_FOUND,
            &format!("The execution with the ID \"{id}\" does not exist."),
        )
    })?;
    match status_of(&old) {
        "success" => {
            let status = if ctx.face.is_v1() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::CONFLICT
            };
            return Err(answers::api_error(
                status,
                "The execution succeeded, so it cannot be retried.",
            ));
        }
        "error" | "canceled" | "crashed" => {}
        _ => {
            return Err(answers::api_error(
                StatusCode::CONFLICT,
                "The execution is still running, so it cannot be retried.",
            ));
        }
    }
    let mut meta = Map::new();
    meta.insert(MODE_KEY.into(), json!("retry"));
    for key in [WORKFLOW_KEY, VERSION_KEY] {
        if let Some(v) = old.meta.get(key) {
            meta.insert(key.into(), v.clone());
        }
    }
    let mut started = None;
    for _ in 0..64 {
        match ctx
            .face
            .engine()
            .retry(&old.id, ctx.face.next_execution_id(), meta.clone())
        {
            Ok(s) => {
                started = Some(s);
                break;
            }
            Err(EngineError::DuplicateRun) => continue,
            Err(_) => break,
        }
    }
    let started =
        started.ok_or_else(|| bad_request("The workflow of this execution no longer exists."))?;
    let done = ctx
        .face
        .engine()
        .wait(&started.id)
        .await
        .ok_or_else(not_found)?;
    if status_of(&done) == "success" {
        ctx.face
            .registry()
            .retry_success
            .insert(old.id.to_string(), done.id.to_string());
    }
    let mut m = fields(
        &done,
        None,
        &[
            "id",
            "mode",
            "startedAt",
            "stoppedAt",
            "workflowId",
            "finished",
            "retryOf",
            "status",
        ],
    );
    // 1.x answers `retryOf` as a number here.
    if ctx.face.is_v1() {
        m.insert("retryOf".into(), json!(id));
    }
    with_data(ctx, &mut m, &done);
    m.remove("workflowData");
    m.remove("customData");
    ok(&Value::Object(m))
}

/// `POST /executions/{id}/stop`.
pub(super) fn stop(ctx: &Ctx) -> Reply {
    let id = execution_id(ctx)?;
    let snap = find(ctx, id).ok_or_else(not_found)?;
    let conflict = |s: &RunSnapshot| {
        answers::api_error(
            StatusCode::CONFLICT,
            &format!(
                "Only running or waiting executions can be stopped and {id} is currently {}",
                status_of(s)
            ),
        )
    };
    if snap.status.is_terminal() {
        return Err(conflict(&snap));
    }
    match ctx.face.engine().cancel(&snap.id) {
        Ok(stopped) => {
            let m = fields(
                &stopped,
                None,
                &["mode", "startedAt", "stoppedAt", "finished", "status"],
            );
            ok(&Value::Object(m))
        }
        Err(_) => Err(find(ctx, id).map_or_else(not_found, |now| conflict(&now))),
    }
}
