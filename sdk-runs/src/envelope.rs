//! The `{success, data | error}` envelope, decoded in this one place.

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use trigger_sdk_core::{Error, Result, transport::HttpResponse};

use crate::{error::ErrorBody, model::ListMeta};

/// The envelope as sent.
#[derive(Debug, Deserialize)]
struct Envelope {
    success: Option<bool>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    meta: Option<ListMeta>,
    #[serde(default)]
    error: Option<Value>,
}

/// The envelope with `data` read straight as `T`: no `Value` in between.
#[derive(Deserialize)]
struct TypedEnvelope<T> {
    success: Option<bool>,
    data: Option<T>,
}

/// A successful answer's content.
#[derive(Debug)]
pub(crate) struct Decoded<T> {
    /// `data`, typed.
    pub data: T,
    /// `data` as sent.
    pub raw: Value,
    /// `meta` of a list answer.
    pub meta: Option<ListMeta>,
    /// The HTTP status (201 for a new run, 200 for a replayed key).
    pub status: u16,
}

/// Decodes an answer: `Ok` with `data` as `T` for `{"success": true}` on a
/// 2xx status; the typed error for an error envelope or an error status; a
/// [`Error::Decode`] for a success status whose body is not the envelope.
pub(crate) fn decode<T: DeserializeOwned>(response: &HttpResponse) -> Result<Decoded<T>> {
    let envelope = serde_json::from_slice::<Envelope>(&response.body);
    let ok_status = response.is_success();
    let envelope = match envelope {
        Ok(envelope) => envelope,
        Err(e) if ok_status => {
            return Err(Error::decode(
                format!(
                    "HTTP {} answer is not a {{success, data}} envelope: {e}",
                    response.status
                ),
                Some(response.status),
                &response.body,
            ));
        }
        // An error status with a body that is not the envelope (a proxy's HTML).
        Err(_) => return Err(error_of(response, None)),
    };
    if !ok_status || envelope.success == Some(false) {
        return Err(error_of(response, envelope.error));
    }
    if envelope.success != Some(true) {
        return Err(Error::decode(
            format!("HTTP {} answer has no \"success\": true", response.status),
            Some(response.status),
            &response.body,
        ));
    }
    let raw = envelope.data.unwrap_or(Value::Null);
    let data = T::deserialize(&raw).map_err(|e| {
        Error::decode(
            format!(
                "HTTP {} data is not the expected shape: {e}",
                response.status
            ),
            Some(response.status),
            &response.body,
        )
    })?;
    Ok(Decoded {
        data,
        raw,
        meta: envelope.meta,
        status: response.status,
    })
}

/// `data` of a successful answer as `T`, and the status, read in one pass
/// (no `data` kept as sent: what a run request needs). Anything else — an
/// error envelope, an error status, another shape — is what [`decode`]
/// says about it.
pub(crate) fn decode_data<T: DeserializeOwned>(response: &HttpResponse) -> Result<(T, u16)> {
    if response.is_success()
        && let Ok(TypedEnvelope {
            success: Some(true),
            data: Some(data),
        }) = serde_json::from_slice(&response.body)
    {
        return Ok((data, response.status));
    }
    decode::<T>(response).map(|decoded| (decoded.data, decoded.status))
}

/// The runs API's error table, for the transport: any non-2xx answer, with
/// or without its envelope.
pub(crate) fn error_from_answer(response: &HttpResponse) -> Error {
    let error = serde_json::from_slice::<Envelope>(&response.body)
        .ok()
        .and_then(|envelope| envelope.error);
    error_of(response, error)
}

fn error_of(response: &HttpResponse, error: Option<Value>) -> Error {
    let body = error.and_then(|e| serde_json::from_value::<ErrorBody>(e).ok());
    crate::error::api_error(
        response.status,
        body,
        &response.text(),
        response.retry_after(),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderValue, RETRY_AFTER};
    use serde_json::json;

    use super::*;

    #[test]
    fn data_read_in_one_pass_is_what_decode_reads() {
        let answers = [
            (201, r#"{"success":true,"data":[1,2]}"#),
            (
                200,
                r#"{"success":true,"data":[3],"meta":{"hasMore":false}}"#,
            ),
            (201, r#"{"success":true,"data":null}"#),
            (201, r#"{"success":true}"#),
            (
                201,
                r#"{"success":false,"error":{"code":"X","message":"no"}}"#,
            ),
            (201, r#"{"data":[1]}"#),
            (201, r#"{"success":true,"data":"text"}"#),
            (422, r#"{"success":true,"data":[1]}"#),
            (200, "<html>ok</html>"),
        ];
        for (status, body) in answers {
            let answer = HttpResponse::new(status, body);
            let one_pass = decode_data::<Vec<u32>>(&answer).map_err(|e| e.to_string());
            let full = decode::<Vec<u32>>(&answer)
                .map(|d| (d.data, d.status))
                .map_err(|e| e.to_string());
            assert_eq!(one_pass, full, "{status} {body}");
        }
        assert_eq!(
            decode_data::<Vec<u32>>(&HttpResponse::new(201, r#"{"success":true,"data":[1,2]}"#))
                .unwrap(),
            (vec![1, 2], 201)
        );
    }

    #[test]
    fn success_gives_typed_data_and_meta() {
        let decoded: Decoded<Vec<u32>> = decode(&HttpResponse::new(
            200,
            r#"{"success":true,"data":[1,2],"meta":{"cursor":"c2","hasMore":true}}"#,
        ))
        .unwrap();
        assert_eq!(decoded.data, [1, 2]);
        let meta = decoded.meta.unwrap();
        assert_eq!(meta.cursor.as_deref(), Some("c2"));
        assert!(meta.has_more);
    }

    #[test]
    fn error_envelope_maps_by_code_with_retry_after() {
        let limited = HttpResponse::new(
            429,
            r#"{"success":false,"error":{"code":"RATE_LIMITED","message":"Rate limit exceeded. Limit: 500 requests per minute."}}"#,
        )
        .with_header(RETRY_AFTER, HeaderValue::from_static("12"));
        let e = decode::<Value>(&limited).unwrap_err();
        assert!(matches!(e, Error::RateLimited { .. }));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
        assert_eq!(e.code(), Some("RATE_LIMITED"));
    }

    #[test]
    fn bad_bodies_are_decode_errors_on_success_and_status_errors_otherwise() {
        assert!(matches!(
            decode::<Value>(&HttpResponse::new(200, "<html>ok</html>")),
            Err(Error::Decode {
                status: Some(200),
                ..
            })
        ));
        assert!(matches!(
            decode::<Value>(&HttpResponse::new(201, r#"{"data":{"runId":"r"}}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode::<u32>(&HttpResponse::new(200, r#"{"success":true,"data":"text"}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode::<Value>(&HttpResponse::new(503, "upstream down")),
            Err(Error::Server(_))
        ));
        let e = decode::<Value>(&HttpResponse::new(
            200,
            json!({"success": false, "error": {"code": "NOT_FOUND", "message": "Run not found"}})
                .to_string(),
        ))
        .unwrap_err();
        assert!(matches!(e, Error::NotFound(_)));
    }
}
