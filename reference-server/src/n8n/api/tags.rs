//! `/tags` routes.

use std::time::SystemTime;

use axum::response::Response;
use http::StatusCode;
use serde_json::Value;

use super::{Ctx, Reply, bad_request, not_found, offset_page, ok, page};
use crate::n8n::answers;
use crate::n8n::tags::Tag;

/// The `name` of a tag body.
fn name_of(body: &Value) -> Result<String, Response> {
    let Some(obj) = body.as_object() else {
        return Err(bad_request("request/body must be object"));
    };
    for ro in ["id", "createdAt", "updatedAt"] {
        if obj.contains_key(ro) {
            return Err(bad_request(&format!("request/body/{ro} is read-only")));
        }
    }
    if obj.keys().any(|k| k != "name") {
        return Err(bad_request(
            "request/body must NOT have additional properties",
        ));
    }
    match obj.get("name") {
        None => Err(bad_request(
            "request/body must have required property 'name'",
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad_request("request/body/name must be string")),
    }
}

fn conflict() -> Response {
    answers::api_error(StatusCode::CONFLICT, "Tag already exists")
}

/// `GET /tags`.
pub(super) fn list(ctx: &Ctx) -> Reply {
    let tags = ctx.face.registry().tags.clone();
    let (items, next) = offset_page(ctx, &tags)?;
    page(items.iter().map(Tag::to_json).collect(), next)
}

/// `POST /tags`: 201, duplicate name 409.
pub(super) fn create(ctx: &Ctx) -> Reply {
    let name = name_of(&ctx.body)?;
    let mut reg = ctx.face.registry();
    if reg.tags.iter().any(|t| t.name == name) {
        return Err(conflict());
    }
    let tag = Tag::new(&name);
    let out = tag.to_json();
    reg.tags.push(tag);
    Ok(answers::json(StatusCode::CREATED, &out))
}

/// `GET /tags/{id}`.
pub(super) fn get(ctx: &Ctx) -> Reply {
    let reg = ctx.face.registry();
    let tag = reg
        .tags
        .iter()
        .find(|t| t.id == ctx.id())
        .ok_or_else(not_found)?;
    ok(&tag.to_json())
}

/// `PUT /tags/{id}`.
pub(super) fn update(ctx: &Ctx) -> Reply {
    let name = name_of(&ctx.body)?;
    let mut reg = ctx.face.registry();
    if reg.tags.iter().any(|t| t.name == name && t.id != ctx.id()) {
        return Err(conflict());
    }
    let tag = reg
        .tags
        .iter_mut()
        .find(|t| t.id == ctx.id())
        .ok_or_else(not_found)?;
    tag.name = name;
    tag.updated_at = SystemTime::now();
    ok(&tag.to_json())
}

/// `DELETE /tags/{id}`: answers the deleted tag.
pub(super) fn delete(ctx: &Ctx) -> Reply {
    let mut reg = ctx.face.registry();
    let pos = reg
        .tags
        .iter()
        .position(|t| t.id == ctx.id())
        .ok_or_else(not_found)?;
    let tag = reg.tags.remove(pos);
    for wf in &mut reg.workflows {
        wf.tag_ids.retain(|id| id != &tag.id);
    }
    ok(&tag.to_json())
}
