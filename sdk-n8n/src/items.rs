//! Reading n8n items out of a webhook answer: [`n8n_items`].
//!
//! # Why this is a separate, explicit helper
//!
//! Blog posts say an n8n webhook answers `[{"json": {...}}]`. **No real n8n
//! response mode does that**: `lastNode` + `firstEntryJson` sends the first
//! item's JSON (`{"a":1}`), `allEntries` sends a bare array of the items'
//! JSON (`[{"a":1},{"a":2}]`), and a Respond to Webhook node sends whatever
//! it was told to. `[{"json":..}]` is n8n's *internal* item format (Code node
//! returns, pinned data, execution run data). The SDK therefore returns every
//! webhook body exactly as n8n sent it and never reshapes it; call
//! [`n8n_items`] when a workflow returns the internal format on purpose (or
//! when reading run data), and it reads either shape.

use serde_json::Value;

/// The items of an n8n answer, from either shape:
///
/// - the internal format `[{"json": {..}, "pairedItem": ..}, ..]` → each `json`;
/// - a bare array `[{..}, {..}]` (what `allEntries` sends) → its elements;
/// - a single object (what `firstEntryJson` sends) → one item;
/// - `null` (an empty answer) → no items; any other value → one item.
///
/// An array is read as the internal format only when **every** element is an
/// object with a `json` object and no keys other than n8n's item keys
/// (`json`, `binary`, `pairedItem`, `error`, `index`), so user data that
/// happens to have a `json` field is left alone.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_n8n::n8n_items;
///
/// let internal = json!([{"json": {"a": 1}, "pairedItem": {"item": 0}}, {"json": {"a": 2}}]);
/// let bare = json!([{"a": 1}, {"a": 2}]);
/// assert_eq!(n8n_items(&internal), n8n_items(&bare));
/// assert_eq!(n8n_items(&json!({"a": 1})), vec![json!({"a": 1})]);
/// assert!(n8n_items(&serde_json::Value::Null).is_empty());
/// ```
pub fn n8n_items(value: &Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(elements) if !elements.is_empty() && elements.iter().all(is_internal_item) => {
            elements
                .iter()
                .filter_map(|e| e.get("json").cloned())
                .collect()
        }
        Value::Array(elements) => elements.clone(),
        other => vec![other.clone()],
    }
}

/// Whether `value` is an item in n8n's internal format.
fn is_internal_item(value: &Value) -> bool {
    const ITEM_KEYS: [&str; 5] = ["json", "binary", "pairedItem", "error", "index"];
    match value {
        Value::Object(obj) => {
            obj.get("json").is_some_and(Value::is_object)
                && obj.keys().all(|k| ITEM_KEYS.contains(&k.as_str()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_data_with_a_json_field_is_not_unwrapped() {
        let data = json!([{"json": {"a": 1}, "name": "x"}]);
        assert_eq!(
            n8n_items(&data),
            vec![json!({"json": {"a": 1}, "name": "x"})]
        );
        let data = json!([{"json": "text"}]);
        assert_eq!(n8n_items(&data), vec![json!({"json": "text"})]);
    }

    #[test]
    fn empty_array_and_scalars() {
        assert!(n8n_items(&json!([])).is_empty());
        assert_eq!(n8n_items(&json!("queued")), vec![json!("queued")]);
    }
}
