//! What the CLI tests share: the built binary, a reference server with the
//! demo set (plus a slow n8n webhook), a config file naming its targets, and
//! the secrets those targets read from the environment.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use serde_json::{Value, json};
use trigger_sdk_reference_server::{
    ReferenceServer,
    config::{N8nAuth, N8nExposure, N8nResponseMode, Step, Workflow},
    creds,
};

/// The slow n8n webhook's workflow id: `lastNode`, answers after 30 s.
pub const SLOW_HOOK: &str = "SlowHookDemo0001";

/// The JWT-protected n8n webhook's workflow id (`lastNode`).
pub const JWT_HOOK: &str = "JwtHookDemo00001";

/// The HS256 secret of the JWT-protected webhook, and the variables holding
/// it and a wrong one.
pub const JWT_SECRETS: [(&str, &str); 2] = [
    ("T_N8N_JWT", "jwt-secret-for-the-cli-tests"),
    ("T_N8N_JWT_WRONG", "not-the-jwt-secret"),
];

/// The environment variables the test config names, with their values.
pub const SECRETS: [(&str, &str); 7] = [
    ("T_RUNS_KEY", creds::RUNS_API_KEY),
    ("T_RUNS_READ_KEY", creds::RUNS_READ_KEY),
    ("T_RUNS_WRONG_KEY", "wfk_wrong000000000000000000000000000"),
    ("T_N8N_SECRET", creds::N8N_WEBHOOK_SECRET),
    ("T_N8N_API_KEY", creds::N8N_API_KEY),
    ("T_TOOLJET_TOKEN", creds::TOOLJET_TOKEN),
    ("T_FLOWMATIC_SECRET", creds::FLOWMATIC_SECRET),
];

/// The Flowmatic API token (read from `T_FLOWMATIC_TOKEN`).
pub const FLOWMATIC_TOKEN: (&str, &str) = ("T_FLOWMATIC_TOKEN", creds::FLOWMATIC_TOKEN);

/// The docs' "Process Customer Order" input for customer `customer`.
pub fn order(customer: &str) -> Value {
    json!({
        "customerId": customer,
        "items": [{"productId": "p1", "quantity": 2, "price": 1999}]
    })
}

/// A reference server and a directory holding `trigger.toml` for it.
pub struct Fixture {
    /// The server.
    pub server: ReferenceServer,
    /// A fresh directory, removed on drop.
    pub dir: PathBuf,
}

impl Fixture {
    /// Starts the server and writes the config.
    pub async fn start() -> Self {
        let mut config = trigger_sdk_reference_server::demo();
        config.workflows.push(
            Workflow::new(
                SLOW_HOOK,
                "Slow Hook",
                vec![
                    Step::delay("wait", 30_000).named("Wait"),
                    Step::transform("done", json!({"done": true})).named("Done"),
                ],
            )
            .on_n8n(N8nExposure {
                path: "slow-hook".into(),
                response_mode: N8nResponseMode::LastNode,
                ..N8nExposure::default()
            }),
        );
        config.workflows.push(
            Workflow::new(
                JWT_HOOK,
                "JWT Hook",
                vec![Step::transform("done", json!({"signed": true})).named("Done")],
            )
            .on_n8n(N8nExposure {
                path: "jwt-hook".into(),
                response_mode: N8nResponseMode::LastNode,
                auth: N8nAuth::Jwt {
                    secret: JWT_SECRETS[0].1.into(),
                },
                ..N8nExposure::default()
            }),
        );
        let server = ReferenceServer::start(config).await.expect("server starts");
        let dir = fresh_dir();
        let (runs, n8n) = (server.runs_url(), server.n8n_url());
        let (tooljet, flowmatic) = (server.tooljet_url(), server.flowmatic_url());
        let runs_target = |name: &str, workflow: &str, key: &str| {
            format!(
                "[targets.{name}]\nprovider = \"runs\"\nbase_url = \"{runs}\"\nworkflow = \"{workflow}\"\napi_key_env = \"{key}\"\n\n"
            )
        };
        let mut toml = String::new();
        toml += &runs_target("orders", creds::RUNS_CUSTOMER_ORDER, "T_RUNS_KEY");
        toml += &runs_target("failing", creds::RUNS_FAILING, "T_RUNS_KEY");
        toml += &runs_target("slow", creds::RUNS_SLOW, "T_RUNS_KEY");
        toml += &runs_target("read-only", creds::RUNS_CUSTOMER_ORDER, "T_RUNS_READ_KEY");
        toml += &runs_target("wrong-key", creds::RUNS_CUSTOMER_ORDER, "T_RUNS_WRONG_KEY");
        toml += &format!(
            "[targets.email]\nprovider = \"n8n\"\nbase_url = \"{n8n}\"\nwebhook = \"send-email\"\n\
             response_mode = \"lastNode\"\nheader_auth = \"{}\"\nheader_auth_env = \"T_N8N_SECRET\"\n\n\
             [targets.email-async]\nprovider = \"n8n\"\nbase_url = \"{n8n}\"\nwebhook = \"send-email-async\"\n\
             api_key_env = \"T_N8N_API_KEY\"\nworkflow = \"{}\"\n\n\
             [targets.jwt]\nprovider = \"n8n\"\nbase_url = \"{n8n}\"\nwebhook = \"jwt-hook\"\n\
             response_mode = \"lastNode\"\njwt_secret_env = \"T_N8N_JWT\"\njwt_claims = '{{\"sub\": \"cron\"}}'\n\n\
             [targets.jwt-wrong]\nprovider = \"n8n\"\nbase_url = \"{n8n}\"\nwebhook = \"jwt-hook\"\n\
             response_mode = \"lastNode\"\njwt_secret_env = \"T_N8N_JWT_WRONG\"\n\n\
             [targets.slow-hook]\nprovider = \"n8n\"\nbase_url = \"{n8n}\"\nwebhook = \"slow-hook\"\n\
             response_mode = \"lastNode\"\n\n\
             [targets.welcome]\nprovider = \"tooljet\"\nbase_url = \"{tooljet}\"\nworkflow = \"{}\"\n\
             token_env = \"T_TOOLJET_TOKEN\"\n\n\
             [targets.signup]\nprovider = \"flowmatic\"\nbase_url = \"{flowmatic}\"\nwebhook = \"{}\"\n\
             secret_env = \"T_FLOWMATIC_SECRET\"\ntoken_env = \"T_FLOWMATIC_TOKEN\"\nworkflow = \"{}\"\n\n\
             [targets.signup-get]\nprovider = \"flowmatic\"\nbase_url = \"{flowmatic}\"\nwebhook = \"{}\"\n\
             method = \"GET\"\nsecret_env = \"T_FLOWMATIC_SECRET\"\n",
            creds::N8N_WEBHOOK_HEADER,
            creds::N8N_FIRE_FORGET,
            creds::TOOLJET_WORKFLOW,
            creds::FLOWMATIC_WEBHOOK,
            creds::FLOWMATIC_WORKFLOW,
            creds::FLOWMATIC_WEBHOOK,
        );
        std::fs::write(dir.join("trigger.toml"), toml).expect("config written");
        Self { server, dir }
    }

    /// A path in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs `trigger` in the directory with the secrets set.
    pub async fn trigger(&self, args: &[&str]) -> Run {
        self.trigger_with(args, &[], &[]).await
    }

    /// Runs `trigger` with extra variables set and some removed.
    pub async fn trigger_with(&self, args: &[&str], set: &[(&str, &str)], remove: &[&str]) -> Run {
        let mut command = self.command(args);
        for (name, value) in set {
            command.env(name, value);
        }
        for name in remove {
            command.env_remove(name);
        }
        run(command).await
    }

    /// The command `trigger ARGS` in the directory with the secrets set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trigger"));
        command
            .args(args)
            .current_dir(&self.dir)
            .envs(SECRETS)
            .envs(JWT_SECRETS)
            .envs([FLOWMATIC_TOKEN])
            .stdin(Stdio::null());
        command
    }

    /// The engine's runs of `workflow`.
    pub fn runs_of(
        &self,
        workflow: &str,
    ) -> Vec<trigger_sdk_reference_server::engine::RunSnapshot> {
        self.server
            .engine()
            .list_runs()
            .into_iter()
            .filter(|r| *r.workflow_id == *workflow)
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A fresh directory under the system's temp dir.
pub fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "trigger-cli-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// What a `trigger` process did.
#[derive(Debug)]
pub struct Run {
    /// Its exit code.
    pub code: i32,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

impl Run {
    /// Stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }

    /// The first line of stdout.
    pub fn first_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or_default()
    }
}

/// Runs `command` off the async threads (the server keeps serving).
pub async fn run(mut command: Command) -> Run {
    let output: Output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joins")
        .expect("trigger runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Waits until `condition` holds, polling, for at most `limit`.
pub async fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The journal's records of `event`.
pub fn journal_events(path: &Path, event: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["event"] == event)
        .collect()
}
