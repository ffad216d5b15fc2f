//! The bodies n8n answers with, verbatim: webhook errors (`{"code","message","hint"?}`),
//! public-API errors (`{"message"}`) and JSON with n8n's content type.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

/// `Content-Type` of every JSON answer.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// The iframe sandbox n8n adds to every successful webhook answer.
pub(crate) const SANDBOX_CSP: &str = "sandbox allow-downloads allow-forms allow-modals allow-orientation-lock allow-pointer-lock allow-popups allow-presentation allow-scripts allow-top-navigation-by-user-activation allow-top-navigation-to-custom-protocols";

const PRODUCTION_HINT: &str = "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)";
const TEST_HINT: &str = "Click the 'Execute workflow' button on the canvas, then try again. (In test mode, the webhook only works for one call after you click this button)";

/// A JSON answer with n8n's content type (compact, as `Value`'s `Display` writes it).
pub(crate) fn json(status: StatusCode, body: &(impl serde::Serialize + ?Sized)) -> Response {
    raw(
        status,
        JSON_UTF8,
        serde_json::to_vec(body).unwrap_or_default(),
    )
}

/// An answer with a given content type.
pub(crate) fn raw(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

/// Public API error: `{"message": ..}`.
pub(crate) fn api_error(status: StatusCode, message: &str) -> Response {
    json(status, &json!({ "message": message }))
}

/// Production webhook not registered.
pub(crate) fn not_registered_production(method: &str, path: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        &json!({
            "code": 404,
            "message": format!("The requested webhook \"{method} {path}\" is not registered."),
            "hint": PRODUCTION_HINT,
        }),
    )
}

/// Test webhook not listening (no method in the quoted path).
pub(crate) fn not_registered_test(path: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        &json!({
            "code": 404,
            "message": format!("The requested webhook \"{path}\" is not registered."),
            "hint": TEST_HINT,
        }),
    )
}

/// The path is registered, but for other methods.
pub(crate) fn wrong_method(method: &str, allowed: &[String]) -> Response {
    json(
        StatusCode::NOT_FOUND,
        &json!({
            "code": 404,
            "message": format!(
                "This webhook is not registered for {method} requests. Did you mean to make a {} request?",
                or_list(allowed)
            ),
        }),
    )
}

/// `GET`, `GET or POST`, `GET, PUT or POST`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `{"code":0,"message":..}` with status 500.
pub(crate) fn code_zero(message: &str) -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({ "code": 0, "message": message }),
    )
}

/// A node error stopped a `lastNode` / `responseNode` workflow.
pub(crate) fn error_in_workflow() -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({ "message": "Error in workflow" }),
    )
}

/// Timeout, manual stop, a body over the limit.
pub(crate) fn problem_executing() -> Response {
    code_zero("There was a problem executing the workflow")
}

/// The body did not parse.
pub(crate) fn parse_failure(hint: &str) -> Response {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "code": 422, "message": "Failed to parse request body", "hint": hint }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_lists_read_like_n8n() {
        let m = |v: &[&str]| or_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(m(&["POST"]), "POST");
        assert_eq!(m(&["GET", "POST"]), "GET or POST");
        assert_eq!(m(&["GET", "PUT", "POST"]), "GET, PUT or POST");
    }
}
