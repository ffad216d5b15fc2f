//! Declared parameters checked with JavaScript `typeof` rules.

use serde_json::{Map, Value};

use crate::config::ToolJetParam;

/// Checks every declared parameter in order; the first failure's message.
pub(super) fn check(declared: &[ToolJetParam], given: &Map<String, Value>) -> Result<(), String> {
    for param in declared {
        let Some(value) = given.get(&param.key) else {
            return Err(format!("Parameter \"{}\" is required", param.key));
        };
        if !matches_type(&param.data_type, value) {
            return Err(format!(
                "Parameter \"{}\" has an incorrect datatype",
                param.key
            ));
        }
    }
    Ok(())
}

/// `typeof` semantics: `object` also accepts arrays and null; `array` is
/// `Array.isArray`; unknown type names accept anything.
fn matches_type(data_type: &str, value: &Value) -> bool {
    match data_type {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => matches!(value, Value::Object(_) | Value::Array(_) | Value::Null),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn p(key: &str, t: &str) -> ToolJetParam {
        ToolJetParam {
            key: key.into(),
            data_type: t.into(),
        }
    }

    #[test]
    fn typeof_rules() {
        let declared = [p("o", "object")];
        for ok in [json!({}), json!([]), Value::Null] {
            let given = json!({"o": ok}).as_object().unwrap().clone();
            assert!(check(&declared, &given).is_ok());
        }
        let given = json!({"o": "x"}).as_object().unwrap().clone();
        assert_eq!(
            check(&declared, &given).unwrap_err(),
            "Parameter \"o\" has an incorrect datatype"
        );
        let declared = [p("n", "number"), p("s", "string")];
        let given = json!({"n": 1.5, "extra": true})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            check(&declared, &given).unwrap_err(),
            "Parameter \"s\" is required"
        );
        let given = json!({"n": "1", "s": "x"}).as_object().unwrap().clone();
        assert!(check(&declared, &given).is_err());
        let declared = [p("a", "array"), p("b", "boolean"), p("z", "null")];
        let given = json!({"a": [], "b": false, "z": null})
            .as_object()
            .unwrap()
            .clone();
        assert!(check(&declared, &given).is_ok());
        let given = json!({"a": {}, "b": false, "z": null})
            .as_object()
            .unwrap()
            .clone();
        assert!(check(&declared, &given).is_err());
    }
}
