//! n8n JWT auth from the config: the token is signed from a secret read from
//! the environment, a wrong secret is refused as credentials, and `curl`
//! shows neither the secret nor the token unless asked.

use std::process::Command;

use crate::support::{Fixture, JWT_HOOK, JWT_SECRETS, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_targets_sign_their_token_and_curl_hides_it() {
    let fx = Fixture::start().await;
    let ok = fx
        .trigger(&["run", "jwt", "--data", "{}", "--wait", "10s"])
        .await;
    assert_eq!(ok.code, 0, "{ok:?}");
    assert_eq!(fx.runs_of(JWT_HOOK).len(), 1, "{ok:?}");

    // Signed with the wrong secret: the webhook refuses it, exit 5.
    let wrong = fx
        .trigger(&["run", "jwt-wrong", "--data", "{}", "--wait", "10s"])
        .await;
    assert_eq!(wrong.code, 5, "{wrong:?}");
    assert_eq!(fx.runs_of(JWT_HOOK).len(), 1, "{wrong:?}");

    // A missing secret variable is named, exit 2.
    let unset = fx
        .trigger_with(&["run", "jwt", "--data", "{}"], &[], &["T_N8N_JWT"])
        .await;
    assert_eq!(unset.code, 2, "{unset:?}");
    assert!(unset.stderr.contains("T_N8N_JWT"), "{unset:?}");

    let masked = fx.trigger(&["curl", "jwt", "--data", "{}"]).await;
    assert_eq!(masked.code, 0, "{masked:?}");
    assert!(
        masked
            .stdout
            .contains("Authorization: Bearer [HS256 JWT signed with $T_N8N_JWT"),
        "{masked:?}"
    );
    assert!(!masked.stdout.contains(JWT_SECRETS[0].1), "{masked:?}");
    assert!(
        !masked.stdout.contains("eyJ"),
        "the token shows: {masked:?}"
    );

    let shown = fx
        .trigger(&["curl", "jwt", "--data", "{}", "--show-secrets"])
        .await;
    assert!(
        shown.stdout.contains("Authorization: Bearer eyJ"),
        "{shown:?}"
    );
    assert!(
        !shown.stdout.contains(JWT_SECRETS[0].1),
        "the secret itself never shows: {shown:?}"
    );
    let have_curl = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have_curl {
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(format!("{} --fail-with-body", shown.stdout.trim()));
        let answer = run(shell).await;
        assert_eq!(answer.code, 0, "{answer:?}");
        assert_eq!(fx.runs_of(JWT_HOOK).len(), 2, "{answer:?}");
    }

    // Claims that are not a JSON object are a usage error naming the key.
    let bad = fx
        .trigger(&[
            "run",
            "adhoc",
            "--provider",
            "n8n",
            "--base-url",
            &fx.server.n8n_url(),
            "--webhook",
            "jwt-hook",
            "--jwt-secret-env",
            "T_N8N_JWT",
            "--jwt-claims",
            "[1]",
        ])
        .await;
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("jwt_claims is not a JSON object"),
        "{bad:?}"
    );
}
