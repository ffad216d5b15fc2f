//! `/tags` routes.

use std::time::SystemTime;

use axum::response::Response;
use http::StatusCode;
use serde_json::Value;

use super::{Ctx, not_found, offset_page, page};
use crate::n8n::answers;
use crate::n8n::tags::Tag;

fn bad_request(message: &str) -> Response {
    answers::api_error(StatusCode::BAD_REQUEST, message)
}

fn refuse(message: &str) -> Box<Response> {
    Box::new(bad_request(message))
}

/// The `name` of a tag body.
fn name_of(body: &Value) -> Result<String, Box<Response>> {
    let Some(obj) = body.as_object() else {
        return Err(refuse("request/body must be object"));
    };
    for ro in ["id", "createdAt", "updatedAt"] {
        if obj.contains_key(ro) {
            return Err(refuse(&format!("request/body/{ro} is read-only")));
        }
    }
    if obj.keys().any(|k| k != "name") {
        return Err(refuse("request/body must NOT have additional properties"));
    }
    match obj.get("name") {
        None => Err(refuse("request/body must have required property 'name'")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(refuse("request/body/name must be string")),
    }
}

fn conflict() -> Response {
    answers::api_error(StatusCode::CONFLICT, "Tag already exists")
}

/// `GET /tags`.
pub(super) fn list(ctx: &Ctx) -> Response {
    let tags = ctx.state.registry().tags.clone();
    match offset_page(ctx, &tags) {
        Ok((items, next)) => page(items.iter().map(Tag::to_json).collect(), next),
        Err(r) => *r,
    }
}

/// `POST /tags`: 201, duplicate name 409.
pub(super) fn create(ctx: &Ctx) -> Response {
    let name = match name_of(&ctx.body) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let mut reg = ctx.state.registry();
    if reg.tags.iter().any(|t| t.name == name) {
        return conflict();
    }
    let tag = Tag::new(&name);
    let out = tag.to_json();
    reg.tags.push(tag);
    answers::json(StatusCode::CREATED, &out)
}

/// `GET /tags/{id}`.
pub(super) fn get(ctx: &Ctx) -> Response {
    let reg = ctx.state.registry();
    match reg.tags.iter().find(|t| t.id == ctx.id()) {
        Some(t) => answers::json(StatusCode::OK, &t.to_json()),
        None => not_found(),
    }
}

/// `PUT /tags/{id}`.
pub(super) fn update(ctx: &Ctx) -> Response {
    let name = match name_of(&ctx.body) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let mut reg = ctx.state.registry();
    if reg.tags.iter().any(|t| t.name == name && t.id != ctx.id()) {
        return conflict();
    }
    match reg.tags.iter_mut().find(|t| t.id == ctx.id()) {
        Some(t) => {
            t.name = name;
            t.updated_at = SystemTime::now();
            answers::json(StatusCode::OK, &t.to_json())
        }
        None => not_found(),
    }
}

/// `DELETE /tags/{id}`: answers the deleted tag.
pub(super) fn delete(ctx: &Ctx) -> Response {
    let mut reg = ctx.state.registry();
    let Some(pos) = reg.tags.iter().position(|t| t.id == ctx.id()) else {
        return not_found();
    };
    let tag = reg.tags.remove(pos);
    for wf in &mut reg.workflows {
        wf.tag_ids.retain(|id| id != &tag.id);
    }
    answers::json(StatusCode::OK, &tag.to_json())
}
