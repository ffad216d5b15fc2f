//! The n8n suite: one table of rows over one fixture set (`tests/fixtures/n8n/*.json`), run on
//! every target:
//!
//! - the reference server's n8n face answering as **2.x** and as **1.x** (`n8n.version`),
//!   in process, always;
//! - each **real n8n** named by `REAL_N8N_ENV` (the env files `scripts/real-n8n.sh start`
//!   writes, several separated by `:`), labelled by its version (`real 2.41.1`,
//!   `real 1.123.81`).
//!
//! A row passes only when it passes on every target; a failure names the target(s). Where
//! n8n 1.x and 2.x answer differently the row states both answers (`Target::on`); wherever
//! they mean the same, the SDK rows expect the same typed result on both. Each pass prints
//! `suite ok [<target>] <row>` (`.ci/run` counts them per target). Rows marked
//! `REAL-N8N ROW` record something a real n8n showed that the contract did not say.
//! `server_only` holds the rows only the reference server can show.
//!
//! Run the real tier locally (both lines, or either):
//! ```text
//! N8N_VERSION=2.41.1 scripts/real-n8n.sh install && N8N_VERSION=2.41.1 REAL_N8N_RUN=/tmp/n8n-2 scripts/real-n8n.sh start
//! N8N_VERSION=1.123.81 scripts/real-n8n.sh install && N8N_VERSION=1.123.81 REAL_N8N_RUN=/tmp/n8n-1 scripts/real-n8n.sh start
//! REAL_N8N_ENV=/tmp/n8n-2/n8n.env:/tmp/n8n-1/n8n.env cargo test -p trigger-sdk --test n8n -- --nocapture
//! REAL_N8N_RUN=/tmp/n8n-2 scripts/real-n8n.sh stop; REAL_N8N_RUN=/tmp/n8n-1 scripts/real-n8n.sh stop
//! ```
#![cfg(feature = "n8n")]

mod fixtures;
mod sdk;
mod server_only;
mod target;
mod tracking;
mod wire;

use serde_json::Value;
use trigger_sdk_core::Secret;

/// n8n's hint for a production webhook that is not registered.
pub const NOT_REGISTERED_HINT: &str = "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)";
/// The dynamic-path fixture's webhookId (`10-path-param.json`).
pub const PATH_PARAM_WEBHOOK_ID: &str = "0a1b2c3d-0010-4000-8000-000000000010";

/// An execution id (string or number of digits) as a string; fails on anything else.
pub fn digits(v: &Value) -> String {
    let id = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not an execution id: {other}"),
    };
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "id {id:?}"
    );
    id
}

/// An HS256 JWT over `claims`.
pub fn jwt(claims: &Value, secret: &str) -> String {
    trigger_sdk_core::auth::jwt_hs256(&Secret::new(secret), claims)
        .expect("claims are an object")
        .expose()
        .to_owned()
}

/// One `#[tokio::test]` per row, run on every target.
macro_rules! rows {
    ($module:ident: $($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            target::run_row(stringify!($name), |t| Box::pin($module::$name(t))).await;
        }
    )*};
}

rows!(
    wire:
    webhook_on_received_default,
    webhook_on_received_custom,
    webhook_on_received_no_body,
    webhook_on_received_execution_id,
    webhook_last_node_first_entry_and_request_shape,
    webhook_body_types,
    webhook_last_node_all_entries,
    webhook_last_node_no_data,
    webhook_last_node_no_items_500,
    webhook_response_node,
    webhook_response_node_text,
    webhook_response_node_unreached_empty_200,
    webhook_workflow_error_500,
    webhook_on_received_then_error,
    webhook_streaming_ndjson_framing,
    webhook_get_query,
    webhook_dynamic_path_needs_webhook_id,
    webhook_header_auth,
    webhook_basic_auth,
    webhook_jwt_auth,
    webhook_not_registered_and_wrong_method,
    webhook_bad_json_422,
    webhook_options_preflight,
    webhook_unsupported_method_500,
    api_seed_execute_endpoints_do_not_exist,
    api_key_auth,
    api_routing_before_auth,
    api_workflows_pages,
    api_workflow_crud_and_tags,
    api_executions_pages_and_include_data,
    api_retry,
    api_stop,
    api_delete_running_400,
    api_delete_numeric_id,
    tracked_run_reaches_success_with_output,
    api_activate_then_probe_until_registered,
);

rows!(
    sdk:
    sdk_on_received_untracked,
    sdk_on_received_tracked_by_execution_id,
    sdk_tracked_run_reaches_succeeded_with_output,
    sdk_answer_modes,
    sdk_text_and_empty_answers,
    sdk_body_types,
    sdk_dynamic_path,
    sdk_webhook_errors,
    sdk_response_node_not_reached,
    sdk_webhook_auth,
    sdk_jwt_auth,
    sdk_execute_workflow_unsupported,
    sdk_list_streams,
    sdk_get_execution_include_data,
    sdk_failed_execution_handle,
    sdk_running_execution,
    sdk_stopped_last_node_call,
    sdk_retry_stop_delete,
    sdk_activate_and_wait,
);

rows!(
    tracking:
    tracking_back_to_back_calls_reach_their_own_executions,
    tracking_twenty_concurrent_calls_reach_their_own_executions,
    tracking_finds_a_running_execution,
);
