//! `from_env()` on each provider client: the documented variables are read,
//! and a missing one is an `Error::Config` that names it.
//!
//! One test in its own binary: it changes the process environment.

use trigger_sdk::{Error, Result};
use trigger_sdk::{
    flowmatic::FlowmaticClient, n8n::N8nClient, runs::RunsClient, tooljet::ToolJetWorkflow,
};

type Build = fn() -> Result<()>;
/// Provider, the variables it reads with a value each, and its `from_env()`.
type Row = (&'static str, &'static [(&'static str, &'static str)], Build);

#[test]
fn each_client_reads_its_variables_and_names_a_missing_one() {
    let rows: &[Row] = &[
        (
            "n8n",
            &[
                (N8nClient::ENV_BASE_URL, "http://127.0.0.1:5678"),
                (N8nClient::ENV_API_KEY, "n8n_api_x"),
            ],
            || {
                N8nClient::from_env()
                    .map(|c| assert_eq!(c.base_url().as_str(), "http://127.0.0.1:5678/"))
            },
        ),
        (
            "ToolJet",
            &[
                (ToolJetWorkflow::ENV_URL, "http://127.0.0.1:8082"),
                (
                    ToolJetWorkflow::ENV_WORKFLOW_ID,
                    "3f1c9a52-0000-4000-8000-000000000001",
                ),
                (ToolJetWorkflow::ENV_TOKEN, "tj_token"),
            ],
            || {
                ToolJetWorkflow::from_env()
                    .map(|w| assert_eq!(w.workflow_id(), "3f1c9a52-0000-4000-8000-000000000001"))
            },
        ),
        (
            "Flowmatic",
            &[
                (FlowmaticClient::ENV_BASE_URL, "http://127.0.0.1:8083"),
                (FlowmaticClient::ENV_TOKEN, "fm_token"),
            ],
            || FlowmaticClient::from_env().map(drop),
        ),
        (
            "runs",
            &[
                (RunsClient::ENV_BASE_URL, "http://127.0.0.1:8084"),
                (RunsClient::ENV_API_KEY, "wfk_x"),
            ],
            || RunsClient::from_env().map(drop),
        ),
    ];
    for (provider, vars, build) in rows {
        // SAFETY: this binary has this one test; nothing else reads the
        // environment while it runs.
        unsafe {
            for (name, value) in *vars {
                std::env::set_var(name, value);
            }
        }
        build().unwrap_or_else(|e| panic!("{provider}: {e}"));
        for (missing, value) in *vars {
            unsafe { std::env::remove_var(missing) };
            match build() {
                Err(Error::Config(message)) => {
                    assert!(message.contains(missing), "{provider}: {message}");
                    assert!(message.contains("not set"), "{provider}: {message}");
                }
                other => panic!("{provider} without {missing}: {other:?}"),
            }
            unsafe { std::env::set_var(missing, value) };
        }
        // A value that is there but empty is named too.
        let (name, value) = vars[0];
        unsafe { std::env::set_var(name, "") };
        let e = build().unwrap_err();
        assert!(
            e.to_string().contains(&format!("{name} is empty")),
            "{provider}: {e}"
        );
        unsafe {
            std::env::set_var(name, value);
            for (name, _) in *vars {
                std::env::remove_var(name);
            }
        }
    }
}
