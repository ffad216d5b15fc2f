//! Input validation against a workflow's JSON Schema, with defaults applied.

use serde_json::{Value, json};

/// Fills in `default` values of the schema's `properties` (recursively, also
/// inside array `items`) that the input lacks.
pub(crate) fn apply_defaults(schema: &Value, input: &mut Value) {
    apply_at(schema, input, 0);
}

fn apply_at(schema: &Value, value: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, prop) in props {
                match map.get_mut(name) {
                    Some(child) => apply_at(prop, child, depth + 1),
                    None => {
                        if let Some(default) = prop.get("default") {
                            map.insert(name.clone(), default.clone());
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for item in items {
                    apply_at(item_schema, item, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Validates `input`; `Err(details)` lists `{"path":[..],"message":".."}` per failure.
pub(crate) fn validate(schema: &Value, input: &Value) -> Result<(), Vec<Value>> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![
                json!({"path": [], "message": format!("Invalid input schema: {e}")}),
            ]);
        }
    };
    let mut details = Vec::new();
    for error in validator.iter_errors(input) {
        let mut path: Vec<Value> = error
            .instance_path()
            .iter()
            .map(|seg| match seg {
                jsonschema::paths::LocationSegment::Property(p) => Value::String(p.into_owned()),
                jsonschema::paths::LocationSegment::Index(i) => Value::from(i),
            })
            .collect();
        let message = match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                path.push(property.clone());
                "Required".to_owned()
            }
            _ => error.to_string(),
        };
        details.push(json!({"path": path, "message": message}));
    }
    if details.is_empty() {
        Ok(())
    } else {
        Err(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice_schema() -> Value {
        json!({
            "type": "object",
            "required": ["customerId", "amount"],
            "properties": {
                "customerId": {"type": "string", "pattern": "^cus_[a-zA-Z0-9]+$"},
                "amount": {"type": "number", "minimum": 100},
                "currency": {"type": "string", "enum": ["usd", "eur", "gbp"], "default": "usd"},
                "lines": {"type": "array", "items": {"type": "object", "properties": {"qty": {"default": 1}}}}
            }
        })
    }

    #[test]
    fn defaults_fill_missing_fields_only() {
        let mut input = json!({"customerId": "cus_1", "amount": 100, "lines": [{}, {"qty": 3}]});
        apply_defaults(&invoice_schema(), &mut input);
        assert_eq!(input["currency"], "usd");
        assert_eq!(input["lines"], json!([{"qty": 1}, {"qty": 3}]));
        let mut given = json!({"currency": "eur"});
        apply_defaults(&invoice_schema(), &mut given);
        assert_eq!(given["currency"], "eur");
    }

    #[test]
    fn failures_are_listed_with_paths() {
        let details =
            validate(&invoice_schema(), &json!({"amount": 5, "currency": "yen"})).unwrap_err();
        assert!(details.contains(&json!({"path": ["customerId"], "message": "Required"})));
        assert!(details.iter().any(|d| d["path"] == json!(["amount"])));
        assert!(details.iter().any(|d| d["path"] == json!(["currency"])));
        assert!(
            validate(
                &invoice_schema(),
                &json!({"customerId": "cus_9", "amount": 150})
            )
            .is_ok()
        );
        let bad_pattern = validate(
            &invoice_schema(),
            &json!({"customerId": "c_1", "amount": 150}),
        )
        .unwrap_err();
        assert_eq!(bad_pattern[0]["path"], json!(["customerId"]));
    }
}
