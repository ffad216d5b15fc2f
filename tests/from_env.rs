//! `from_env()` on each provider client: the documented variables are read,
//! and a missing one is an `Error::Config` that names it.
//!
//! One test that touches the environment in its own binary: it changes the
//! process environment (the other reads constants only).

use trigger_sdk::{Error, Result};
use trigger_sdk::{
    flowmatic::FlowmaticClient, n8n::N8nClient, runs::RunsClient, tooljet::ToolJetWorkflow,
};

type Build = fn() -> Result<()>;
/// Provider, the variables it reads with a value each, its `from_env()` and
/// its `builder_from_env()` built.
type Row = (
    &'static str,
    &'static [(&'static str, &'static str)],
    Build,
    Build,
);

#[test]
fn the_variable_names_are_the_documented_ones() {
    assert_eq!(
        [N8nClient::ENV_BASE_URL, N8nClient::ENV_API_KEY],
        ["N8N_BASE_URL", "N8N_API_KEY"]
    );
    assert_eq!(
        [
            ToolJetWorkflow::ENV_URL,
            ToolJetWorkflow::ENV_WORKFLOW_ID,
            ToolJetWorkflow::ENV_TOKEN
        ],
        ["TOOLJET_URL", "TOOLJET_WORKFLOW_ID", "TOOLJET_TOKEN"]
    );
    assert_eq!(
        [FlowmaticClient::ENV_BASE_URL, FlowmaticClient::ENV_TOKEN],
        ["FLOWMATIC_URL", "FLOWMATIC_TOKEN"]
    );
    assert_eq!(
        [RunsClient::ENV_BASE_URL, RunsClient::ENV_API_KEY],
        ["RUNS_URL", "RUNS_API_KEY"]
    );
}

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
            || {
                N8nClient::builder_from_env()?
                    .build()
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
            || {
                ToolJetWorkflow::builder_from_env()?
                    .build()
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
            || FlowmaticClient::builder_from_env()?.build().map(drop),
        ),
        (
            "runs",
            &[
                (RunsClient::ENV_BASE_URL, "http://127.0.0.1:8084"),
                (RunsClient::ENV_API_KEY, "wfk_x"),
            ],
            || RunsClient::from_env().map(drop),
            || RunsClient::builder_from_env()?.build().map(drop),
        ),
    ];
    for (provider, vars, from_env, from_builder) in rows {
        // SAFETY: this binary has this one test; nothing else reads the
        // environment while it runs.
        unsafe {
            for (name, value) in *vars {
                std::env::set_var(name, value);
            }
        }
        for build in [from_env, from_builder] {
            build().unwrap_or_else(|e| panic!("{provider}: {e}"));
            for (missing, value) in *vars {
                unsafe { std::env::remove_var(missing) };
                match build() {
                    Err(Error::Config(message)) => assert_eq!(
                        message,
                        format!("environment variable {missing} is not set"),
                        "{provider}"
                    ),
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
            unsafe { std::env::set_var(name, value) };
        }
        unsafe {
            for (name, _) in *vars {
                std::env::remove_var(name);
            }
        }
    }
}
