//! The small JSON readings every provider needs, in one place: a value as
//! text, an id that may be a string or a number, tolerant validation
//! details, serde helpers for ids, and [`wire_enum!`](crate::wire_enum) for
//! string enums that keep values they do not know.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::ValidationDetail;

/// A value as text: a string as itself (no quotes), anything else as JSON.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_core::json::text;
/// assert_eq!(text(&json!("a b")), "a b");
/// assert_eq!(text(&json!(3)), "3");
/// assert_eq!(text(&json!({"k": 1})), r#"{"k":1}"#);
/// ```
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An error value as one line of text: a string as itself, an object's
/// `message` string, any other value as JSON; `None` for `null`.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_core::json::error_message;
/// assert_eq!(error_message(&json!("boom")).as_deref(), Some("boom"));
/// assert_eq!(error_message(&json!({"message": "card declined", "code": 7})).as_deref(), Some("card declined"));
/// assert_eq!(error_message(&json!({"code": 7})).as_deref(), Some(r#"{"code":7}"#));
/// assert_eq!(error_message(&json!(null)), None);
/// ```
pub fn error_message(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Object(map) => Some(match map.get("message") {
            Some(Value::String(s)) => s.clone(),
            _ => value.to_string(),
        }),
        other => Some(text(other)),
    }
}

/// The value of a body: its JSON when it parses, its text as a JSON string
/// otherwise (lossy UTF-8), `Null` when it is empty.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_core::json::body_value;
/// assert_eq!(body_value(br#"{"ok":true}"#), json!({"ok": true}));
/// assert_eq!(body_value(b"done"), json!("done"));
/// assert_eq!(body_value(b""), json!(null));
/// ```
pub fn body_value(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// An id sent as a string or a number (`"42"` or `42`); `None` for anything
/// else and for an empty string.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_core::json::id;
/// assert_eq!(id(&json!(42)).as_deref(), Some("42"));
/// assert_eq!(id(&json!("run_1")).as_deref(), Some("run_1"));
/// assert_eq!(id(&json!("")), None);
/// assert_eq!(id(&json!(null)), None);
/// ```
pub fn id(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `keys` in `object` that holds an id (see [`id`]).
pub fn first_id(object: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| object.get(*k).and_then(id))
}

/// Validation details as providers send them: a list of
/// `{"path": ["items", 0, "price"] | "items.0.price" | "/items/0/price", "message": ".."}`
/// (`field` is accepted for `path`; a detail without a message keeps its
/// JSON as the message). Anything that is not a list gives no details.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_core::json::validation_details;
/// let details = validation_details(&json!([
///     {"path": ["items", 0, "price"], "message": "Expected number"},
///     {"field": "/customerId", "message": "Required"},
/// ]));
/// assert_eq!(details[0].path, ["items", "0", "price"]);
/// assert_eq!(details[1].to_string(), "customerId: Required");
/// ```
pub fn validation_details(details: &Value) -> Vec<ValidationDetail> {
    let Some(items) = details.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let path = match item.get("path").or_else(|| item.get("field")) {
                Some(Value::Array(parts)) => parts.iter().map(text).collect(),
                Some(Value::String(s)) => s
                    .split(['.', '/'])
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            let message = match item.get("message") {
                Some(Value::String(s)) => s.clone(),
                _ => item.to_string(),
            };
            ValidationDetail { path, message }
        })
        .collect()
}

/// Serde helpers for ids sent as strings or numbers:
/// `#[serde(deserialize_with = "trigger_sdk_core::json::de::id")]`.
pub mod de {
    use super::*;

    /// An id (string or number); anything else is an error.
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        super::id(&Value::deserialize(d)?)
            .ok_or_else(|| serde::de::Error::custom("an id must be a string or a number"))
    }

    /// An optional id: `None` for null, a missing field (with
    /// `#[serde(default)]`), or a value that is not an id.
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(super::id(&Value::deserialize(d)?))
    }

    /// An id as a [`crate::RunId`].
    pub fn run_id<'de, D: Deserializer<'de>>(d: D) -> Result<crate::RunId, D::Error> {
        id(d).map(crate::RunId::new)
    }
}

/// Declares a string enum of a provider's wire format: known values as
/// variants (matched case-insensitively, with aliases), anything else kept in
/// `Unknown(String)`, so a new value on the server never fails decoding.
/// It implements `parse`, `as_str`, `Display`, `Serialize` and `Deserialize`.
///
/// ```
/// trigger_sdk_core::wire_enum! {
///     /// A colour, as the wire spells it.
///     Colour {
///         /// Red.
///         Red = "red" | "RED_COLOUR",
///         /// Blue.
///         Blue = "blue",
///     }
/// }
/// assert_eq!(Colour::parse("Red_Colour"), Colour::Red);
/// assert_eq!(Colour::parse("green"), Colour::Unknown("green".into()));
/// assert_eq!(Colour::Blue.to_string(), "blue");
/// let c: Colour = serde_json::from_str("\"RED\"").unwrap();
/// assert_eq!(serde_json::to_string(&c).unwrap(), "\"red\"");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK does not know, as the provider spelled it.
            Unknown(String),
        }

        impl $name {
            /// The value for its wire spelling (case-insensitive; unknown
            /// values are kept in `Unknown`).
            pub fn parse(value: &str) -> Self {
                $(
                    if value.eq_ignore_ascii_case($wire) $(|| value.eq_ignore_ascii_case($alias))* {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(value.to_owned())
            }

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as $crate::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                Ok(Self::parse(&value))
            }
        }
    };
}
