//! The conformance suite: written once against `Box<dyn Trigger>` and
//! `Box<dyn RunHandle>` only, and run for each of the four providers against
//! the embedded reference server.
//!
//! Every provider must: start a run and follow it to a terminal status within
//! a deadline; end `events()` on the terminal event and never before; report
//! a failing workflow as a typed failure, an unknown workflow as `NotFound`
//! and bad credentials as `Unauthorized`; and rebuild a handle from its run
//! id that sees the same run. Where a provider cannot follow a run (an n8n
//! `onReceived` webhook that returns no execution id), it must say so with
//! `NotTrackable` rather than guess.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use trigger_sdk::{
    Error, RunEvent, RunHandle, RunStatus, Secret, Trigger, TriggerRequest, WaitOptions,
    flowmatic::{FlowmaticClient, FlowmaticWebhook},
    n8n::{N8nClient, ResponseMode, WebhookTrigger},
    runs::RunsClient,
    tooljet::ToolJetWorkflow,
};
use trigger_sdk_reference_server::{
    ReferenceServer,
    config::{FlowmaticExposure, Step, ToolJetExposure, Workflow},
    creds,
};

const DEADLINE: Duration = Duration::from_secs(30);
const TOOLJET_FAILING: &str = "7a1e0c55-0000-4000-8000-00000000fa11";

/// A trigger and what to send it.
struct Call {
    trigger: Box<dyn Trigger>,
    request: TriggerRequest,
}

impl Call {
    fn new(trigger: impl Trigger + 'static, payload: serde_json::Value) -> Self {
        Self {
            trigger: Box::new(trigger),
            request: TriggerRequest::new(payload),
        }
    }

    async fn start(&self) -> trigger_sdk::Result<Box<dyn RunHandle>> {
        self.trigger.trigger(self.request.clone()).await
    }
}

/// One provider's calls for every row of the suite.
struct Case {
    name: &'static str,
    ok: Call,
    failing: Call,
    unknown: Call,
    bad_credentials: Call,
    /// A run the provider cannot follow, if it has such runs.
    untracked: Option<Call>,
}

/// The demo set plus a failing ToolJet and Flowmatic workflow (the demo set
/// has failing workflows for n8n and the runs API only).
fn config() -> trigger_sdk_reference_server::Config {
    let mut config = trigger_sdk_reference_server::demo();
    let mut tooljet = Workflow::new(
        TOOLJET_FAILING,
        "Failing ToolJet workflow",
        vec![
            Step::delay("wait", 100),
            Step::fail("boom", "the query node failed"),
        ],
    );
    tooljet.tooljet = Some(ToolJetExposure {
        token: creds::TOOLJET_TOKEN.to_owned(),
        ..ToolJetExposure::default()
    });
    let mut flowmatic = Workflow::new(
        "wf-failing",
        "Failing Flowmatic workflow",
        vec![
            Step::delay("wait", 100),
            Step::fail("charge", "card declined"),
        ],
    );
    flowmatic.flowmatic = Some(FlowmaticExposure {
        webhook_id: "failing-hook".to_owned(),
        trigger_id: "trg-failing".to_owned(),
        secret: Some(creds::FLOWMATIC_SECRET.to_owned()),
        active: true,
    });
    config.workflows.push(tooljet);
    config.workflows.push(flowmatic);
    config
}

fn cases(server: &ReferenceServer) -> Vec<Case> {
    let n8n = server.n8n_url();
    let n8n_api = N8nClient::new(&n8n, Secret::new(creds::N8N_API_KEY)).expect("n8n client");
    let n8n_hook = |path: &str, secret: &str| {
        WebhookTrigger::builder(&n8n, path)
            .header_auth(creds::N8N_WEBHOOK_HEADER, Secret::new(secret))
            .response_mode(ResponseMode::LastNode)
            .build()
            .expect("n8n trigger")
    };

    let tooljet = server.tooljet_url();
    let tooljet_wf = |id: &str, token: &str| {
        ToolJetWorkflow::new(&tooljet, id, Secret::new(token)).expect("tooljet workflow")
    };
    let employee = json!({"name": "Ada", "emp_id": 7});

    let flowmatic = server.flowmatic_url();
    let flowmatic_api =
        FlowmaticClient::new(&flowmatic, Secret::new(creds::FLOWMATIC_TOKEN)).expect("client");
    let flowmatic_hook = |id: &str, secret: &str| {
        FlowmaticWebhook::builder(&flowmatic, id)
            .secret(Secret::new(secret))
            .client(flowmatic_api.clone())
            .build()
            .expect("flowmatic webhook")
    };

    let runs = RunsClient::new(server.runs_url(), Secret::new(creds::RUNS_API_KEY)).expect("runs");
    let runs_bad = RunsClient::new(
        server.runs_url(),
        Secret::new("wfk_wrong0000000000000000000000000000"),
    )
    .expect("runs");
    let order = json!({
        "customerId": "cus_xxx",
        "items": [{"productId": "p1", "quantity": 2, "price": 1999}]
    });

    vec![
        Case {
            name: "n8n",
            // The Respond node answers with the execution id: the run can be followed by id.
            ok: Call::new(
                WebhookTrigger::builder(&n8n, "respond")
                    .response_mode(ResponseMode::ResponseNode)
                    .track_execution_id("/executionId", n8n_api.clone())
                    .build()
                    .expect("n8n trigger"),
                json!({"order": 1}),
            ),
            failing: Call::new(n8n_hook("broken", creds::N8N_WEBHOOK_SECRET), json!({})),
            unknown: Call::new(
                n8n_hook("no-such-webhook", creds::N8N_WEBHOOK_SECRET),
                json!({}),
            ),
            bad_credentials: Call::new(
                n8n_hook("send-email", "wrong-secret"),
                json!({"to": "a@b.c"}),
            ),
            untracked: Some(Call::new(
                WebhookTrigger::builder(&n8n, "send-email-async")
                    .build()
                    .expect("n8n trigger"),
                json!({"to": "a@b.c"}),
            )),
        },
        Case {
            name: "tooljet",
            ok: Call::new(
                tooljet_wf(creds::TOOLJET_WORKFLOW, creds::TOOLJET_TOKEN),
                employee.clone(),
            ),
            failing: Call::new(tooljet_wf(TOOLJET_FAILING, creds::TOOLJET_TOKEN), json!({})),
            unknown: Call::new(
                tooljet_wf("00000000-0000-4000-8000-000000000000", creds::TOOLJET_TOKEN),
                employee.clone(),
            ),
            bad_credentials: Call::new(
                tooljet_wf(
                    creds::TOOLJET_WORKFLOW,
                    "11111111-2222-4333-8444-555555555555",
                ),
                employee,
            ),
            untracked: None,
        },
        Case {
            name: "flowmatic",
            ok: Call::new(
                flowmatic_hook(creds::FLOWMATIC_WEBHOOK, creds::FLOWMATIC_SECRET),
                json!({"event": "user.created"}),
            ),
            failing: Call::new(
                flowmatic_hook("failing-hook", creds::FLOWMATIC_SECRET),
                json!({}),
            ),
            unknown: Call::new(
                flowmatic_hook("no-such-hook", creds::FLOWMATIC_SECRET),
                json!({}),
            ),
            bad_credentials: Call::new(
                flowmatic_hook(creds::FLOWMATIC_WEBHOOK, "whsec_wrong"),
                json!({"event": "user.created"}),
            ),
            untracked: None,
        },
        Case {
            name: "runs",
            ok: Call::new(runs.workflow(creds::RUNS_CUSTOMER_ORDER), order.clone()),
            failing: Call::new(runs.workflow(creds::RUNS_FAILING), json!({"amount": 100})),
            unknown: Call::new(runs.workflow("wf_does_not_exist"), json!({})),
            bad_credentials: Call::new(runs_bad.workflow(creds::RUNS_CUSTOMER_ORDER), order),
            untracked: None,
        },
    ]
}

async fn server() -> ReferenceServer {
    ReferenceServer::start(config())
        .await
        .expect("reference server")
}

#[tokio::test]
async fn trigger_then_wait_reaches_success_within_a_deadline() {
    let server = server().await;
    for case in cases(&server) {
        let handle = case
            .ok
            .start()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            handle.provider(),
            case.ok.trigger.provider(),
            "{}",
            case.name
        );
        let outcome = handle
            .wait(WaitOptions::timeout(DEADLINE))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            outcome.status,
            RunStatus::Succeeded,
            "{}: {outcome:?}",
            case.name
        );
        assert!(!outcome.output.is_null(), "{}: empty output", case.name);
        // Waiting again on a finished run answers the same.
        let again = handle
            .wait(WaitOptions::timeout(DEADLINE))
            .await
            .expect("second wait");
        assert_eq!(again.output, outcome.output, "{}", case.name);
        // Handing the handle over gives the same outcome, whatever kind of
        // handle it is (a finished run moves it out, others wait).
        let handed = handle
            .into_outcome(WaitOptions::timeout(DEADLINE))
            .await
            .unwrap_or_else(|e| panic!("{}: into_outcome: {e}", case.name));
        assert_eq!(
            (&handed.status, &handed.output, &handed.run_id),
            (&outcome.status, &outcome.output, &outcome.run_id),
            "{}",
            case.name
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn events_end_with_the_terminal_event_and_never_before() {
    let server = server().await;
    for case in cases(&server) {
        let handle = case
            .ok
            .start()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let events: Vec<RunEvent> =
            tokio::time::timeout(DEADLINE, handle.events().collect::<Vec<_>>())
                .await
                .unwrap_or_else(|_| {
                    panic!("{}: events() did not end within {DEADLINE:?}", case.name)
                })
                .into_iter()
                .map(|e| e.unwrap_or_else(|e| panic!("{}: event error {e}", case.name)))
                .collect();
        let last = events
            .last()
            .unwrap_or_else(|| panic!("{}: no events", case.name));
        assert!(last.is_terminal(), "{}: last event {last:?}", case.name);
        assert_eq!(last.status(), Some(&RunStatus::Succeeded), "{}", case.name);
        assert_eq!(
            events.iter().filter(|e| e.is_terminal()).count(),
            1,
            "{}: {events:?}",
            case.name
        );
        for event in &events[..events.len() - 1] {
            if let Some(status) = event.status() {
                assert!(
                    !status.is_terminal(),
                    "{}: terminal status before the end: {events:?}",
                    case.name
                );
            }
        }
        // After the stream ended the run really is over.
        let snapshot = handle.status().await.expect("status");
        assert!(snapshot.status.is_terminal(), "{}: {snapshot:?}", case.name);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_failing_workflow_gives_a_typed_failure() {
    let server = server().await;
    for case in cases(&server) {
        let failure = match case.failing.start().await {
            // Synchronous providers answer the failure at once.
            Err(e) => e,
            Ok(handle) => {
                let outcome = handle
                    .wait(WaitOptions::timeout(DEADLINE))
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
                assert_eq!(
                    outcome.status,
                    RunStatus::Failed,
                    "{}: {outcome:?}",
                    case.name
                );
                assert!(
                    outcome.failure.is_some(),
                    "{}: no failure detail",
                    case.name
                );
                outcome.into_result().expect_err("a failed run is an error")
            }
        };
        assert!(
            matches!(failure, Error::WorkflowFailed(_)),
            "{}: expected WorkflowFailed, got {failure:?}",
            case.name
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_workflow_is_not_found() {
    let server = server().await;
    for case in cases(&server) {
        let err = case.unknown.start().await.expect_err(case.name);
        assert!(matches!(err, Error::NotFound(_)), "{}: {err:?}", case.name);
        assert_eq!(err.status(), Some(404), "{}", case.name);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let server = server().await;
    for case in cases(&server) {
        let err = case.bad_credentials.start().await.expect_err(case.name);
        assert!(
            matches!(err, Error::Unauthorized(_)),
            "{}: {err:?}",
            case.name
        );
        assert!(err.body().is_some(), "{}: the raw body is kept", case.name);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_handle_rebuilt_from_its_run_id_sees_the_same_run() {
    let server = server().await;
    for case in cases(&server) {
        let handle = case
            .ok
            .start()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let run_id = handle
            .run_id()
            .cloned()
            .unwrap_or_else(|| panic!("{}: a followable run has an id", case.name));
        let rebuilt = case
            .ok
            .trigger
            .resume(run_id.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(rebuilt.run_id(), Some(&run_id), "{}", case.name);
        let original = handle
            .wait(WaitOptions::timeout(DEADLINE))
            .await
            .expect("wait");
        let seen = rebuilt
            .wait(WaitOptions::timeout(DEADLINE))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(seen.status, RunStatus::Succeeded, "{}", case.name);
        assert_eq!(seen.run_id.as_ref(), Some(&run_id), "{}", case.name);
        assert_eq!(seen.status, original.status, "{}", case.name);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_run_that_cannot_be_followed_says_so() {
    let server = server().await;
    let mut checked = 0;
    for case in cases(&server) {
        let Some(untracked) = &case.untracked else {
            continue;
        };
        checked += 1;
        let handle = untracked
            .start()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(handle.run_id(), None, "{}", case.name);
        assert_eq!(
            handle.status().await.expect("status").status,
            RunStatus::Accepted
        );
        let err = handle
            .wait(WaitOptions::timeout(DEADLINE))
            .await
            .expect_err(case.name);
        assert!(
            matches!(err, Error::NotTrackable(_)),
            "{}: {err:?}",
            case.name
        );
        let events: Vec<_> = handle.events().collect().await;
        assert!(
            matches!(events.last(), Some(Err(Error::NotTrackable(_)))),
            "{}: {events:?}",
            case.name
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Ok(ev) if ev.is_terminal())),
            "{}: an untracked run never reports an end",
            case.name
        );
    }
    assert_eq!(checked, 1, "n8n onReceived is the one untrackable case");
    server.shutdown().await;
}
