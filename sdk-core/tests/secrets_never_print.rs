//! A key held by a client, a request or an error never shows in `{:?}` or `{}`.

use trigger_sdk_core::{ApiError, Auth, Error, Provider, Secret, Transport};

const KEY: &str = "sk_live_very_secret_key_0123456789";

fn assert_hidden(text: &str) {
    assert!(!text.contains(KEY), "secret leaked in: {text}");
}

#[test]
fn secret_auth_transport_request_and_error_never_show_the_key() {
    let secret = Secret::new(KEY);
    assert_hidden(&format!("{secret:?} {secret}"));

    for auth in [
        Auth::header("x-api-key", KEY),
        Auth::bearer(KEY),
        Auth::basic("user", KEY),
        Auth::jwt(KEY, serde_json::json!({"sub": "me"})),
    ] {
        assert_hidden(&format!("{auth:?}"));
        let transport = Transport::builder(Provider::Runs, "http://127.0.0.1:9")
            .auth(auth)
            .build()
            .unwrap();
        assert_hidden(&format!("{transport:?}"));
        let call = transport.post(transport.url("run").unwrap());
        assert_hidden(&format!("{call:?}"));
    }

    let error = Error::Unauthorized(Box::new(ApiError::new(Some(401), "Invalid API key")));
    assert_hidden(&format!("{error:?} {error}"));
}
