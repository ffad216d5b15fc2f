//! Declared workflow parameters and the client-side check ToolJet's server
//! would make: every declared key present, each value of its declared type
//! under JavaScript `typeof` rules.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use trigger_sdk_core::{ApiError, Error, ValidationDetail};

/// The `dataType` of a declared parameter.
///
/// The check follows ToolJet's (JavaScript) rules: `object` also accepts
/// arrays and `null` (`typeof null == "object"`), and a type this SDK does
/// not know never matches (the server's `default: return false`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// `typeof value == "string"`.
    String,
    /// `typeof value == "number"`.
    Number,
    /// `typeof value == "boolean"`.
    Boolean,
    /// `typeof value == "object"`: objects, arrays and `null`.
    Object,
    /// `Array.isArray(value)`.
    Array,
    /// `value == null`.
    Null,
    /// A type name this SDK does not know; no value matches it.
    Other(String),
}

impl DataType {
    /// Parses a ToolJet `dataType` name (`string`, `number`, ...; case-insensitive).
    pub fn parse(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "string" => Self::String,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "object" => Self::Object,
            "array" => Self::Array,
            "null" => Self::Null,
            _ => Self::Other(name.to_owned()),
        }
    }

    /// The name as ToolJet writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Object => "object",
            Self::Array => "array",
            Self::Null => "null",
            Self::Other(name) => name,
        }
    }

    /// Whether `value` has this type under JavaScript `typeof` rules.
    pub fn accepts(&self, value: &Value) -> bool {
        match self {
            Self::String => value.is_string(),
            Self::Number => value.is_number(),
            Self::Boolean => value.is_boolean(),
            Self::Object => matches!(value, Value::Object(_) | Value::Array(_) | Value::Null),
            Self::Array => value.is_array(),
            Self::Null => value.is_null(),
            Self::Other(_) => false,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DataType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::parse(&name))
    }
}

/// A declared parameter, as ToolJet stores it: `{"key": "...", "dataType": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParamSpec {
    /// The parameter's name.
    pub key: String,
    /// Its type.
    #[serde(rename = "dataType")]
    pub data_type: DataType,
}

impl ParamSpec {
    /// A parameter `key` of type `data_type`.
    pub fn new(key: impl Into<String>, data_type: DataType) -> Self {
        Self {
            key: key.into(),
            data_type,
        }
    }
}

/// The JavaScript `typeof`-style name of a JSON value, for messages.
fn js_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `params` against the declared parameters, the way the server
/// would, before anything is sent. Extra keys are allowed (the server passes
/// them through). Every problem is listed in the error's details.
///
/// ```
/// use trigger_sdk_tooljet::{DataType, ParamSpec, check_params};
/// let declared = [ParamSpec::new("name", DataType::String), ParamSpec::new("emp_id", DataType::Number)];
/// assert!(check_params(&declared, &serde_json::json!({"name": "Ada", "emp_id": 7, "extra": true})).is_ok());
/// let err = check_params(&declared, &serde_json::json!({"name": "Ada", "emp_id": "7"})).unwrap_err();
/// assert!(matches!(err, trigger_sdk_core::Error::Validation { .. }));
/// ```
pub fn check_params(declared: &[ParamSpec], params: &Value) -> Result<(), Error> {
    let empty = serde_json::Map::new();
    let object = match params {
        Value::Object(map) => map,
        Value::Null => &empty,
        other => {
            return Err(validation(vec![ValidationDetail {
                path: Vec::new(),
                message: format!(
                    "ToolJet parameters must be a JSON object, not {}",
                    js_type(other)
                ),
            }]));
        }
    };
    let mut details = Vec::new();
    for spec in declared {
        match object.get(&spec.key) {
            None => details.push(ValidationDetail {
                path: vec![spec.key.clone()],
                message: format!("Parameter \"{}\" is required", spec.key),
            }),
            Some(value) if !spec.data_type.accepts(value) => details.push(ValidationDetail {
                path: vec![spec.key.clone()],
                message: format!(
                    "Parameter \"{}\" has an incorrect datatype (declared {}, got {})",
                    spec.key,
                    spec.data_type,
                    js_type(value)
                ),
            }),
            Some(_) => {}
        }
    }
    if details.is_empty() {
        Ok(())
    } else {
        Err(validation(details))
    }
}

fn validation(details: Vec<ValidationDetail>) -> Error {
    let message = match details.as_slice() {
        [one] => one.message.clone(),
        _ => format!("{} parameters are invalid", details.len()),
    };
    Error::Validation {
        error: Box::new(ApiError::new(
            None,
            format!("{message} (checked before sending)"),
        )),
        details,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typeof_rules() {
        assert!(DataType::Object.accepts(&json!([1])));
        assert!(DataType::Object.accepts(&Value::Null));
        assert!(DataType::Object.accepts(&json!({})));
        assert!(!DataType::Object.accepts(&json!("x")));
        assert!(DataType::Array.accepts(&json!([])));
        assert!(!DataType::Array.accepts(&json!({})));
        assert!(DataType::Number.accepts(&json!(1.5)));
        assert!(!DataType::Number.accepts(&json!("1")));
        assert!(DataType::Null.accepts(&Value::Null));
        assert!(!DataType::Null.accepts(&json!(0)));
        assert!(DataType::Boolean.accepts(&json!(false)));
        assert!(!DataType::parse("date").accepts(&json!("2024-01-01")));
        assert_eq!(DataType::parse("String"), DataType::String);
    }

    #[test]
    fn missing_and_wrong_types_are_all_listed() {
        let declared = [
            ParamSpec::new("name", DataType::String),
            ParamSpec::new("emp_id", DataType::Number),
        ];
        let err = check_params(&declared, &json!({"emp_id": "7"})).unwrap_err();
        match err {
            Error::Validation { details, error } => {
                assert_eq!(details.len(), 2);
                assert_eq!(details[0].path, vec!["name".to_owned()]);
                assert!(details[1].message.contains("incorrect datatype"));
                assert_eq!(error.status, None);
            }
            other => panic!("expected Validation, got {other:?}"),
        }
    }

    #[test]
    fn non_objects_are_refused_and_null_is_empty() {
        assert!(check_params(&[], &json!([1, 2])).is_err());
        assert!(check_params(&[], &Value::Null).is_ok());
        let declared = [ParamSpec::new("name", DataType::String)];
        assert!(check_params(&declared, &Value::Null).is_err());
    }

    #[test]
    fn spec_round_trips_in_tooljet_shape() {
        let spec: ParamSpec =
            serde_json::from_value(json!({"key": "k", "dataType": "array"})).expect("valid spec");
        assert_eq!(spec, ParamSpec::new("k", DataType::Array));
        assert_eq!(
            serde_json::to_value(&spec).expect("serializes"),
            json!({"key": "k", "dataType": "array"})
        );
    }
}
