//! What a webhook call looks like to the workflow: lower-case headers, the query the way
//! Express' `qs` parser builds it, and the body parsed by its content type.

use http::HeaderMap;
use serde_json::{Map, Value};

/// Decodes `%XX` escapes and `+` (as a space); invalid UTF-8 is replaced, never refused.
pub(crate) fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a path segment: `%XX` escapes only (`+` stays a plus).
pub(crate) fn decode_path_segment(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_owned();
    }
    percent_decode(&raw.replace('+', "%2B"))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a query string (or a form body) like Express' extended parser: values are strings,
/// a repeated key becomes an array, a bare key is `""`, `a[]=1` is an array and `a[b]=1` an object.
pub(crate) fn parse_query(raw: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        };
        if k.is_empty() {
            continue;
        }
        let (base, rest) = split_brackets(&k);
        insert(&mut out, &base, &rest, Value::String(v));
    }
    out
}

/// `a[b][]` → (`a`, [`b`, ``]); keys without brackets → (key, []).
fn split_brackets(key: &str) -> (String, Vec<String>) {
    let Some(open) = key.find('[') else {
        return (key.to_owned(), Vec::new());
    };
    if open == 0 {
        return (key.to_owned(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            return (key.to_owned(), Vec::new());
        };
        parts.push(stripped[..close].to_owned());
        rest = &stripped[close + 1..];
        if parts.len() > 5 {
            break;
        }
    }
    if !rest.is_empty() {
        return (key.to_owned(), Vec::new());
    }
    (key[..open].to_owned(), parts)
}

fn insert(map: &mut Map<String, Value>, key: &str, path: &[String], value: Value) {
    match path.split_first() {
        None => match map.get_mut(key) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(key.to_owned(), value);
            }
        },
        Some((first, rest)) if first.is_empty() => {
            // `a[]=x`: always an array
            match map.get_mut(key) {
                Some(Value::Array(items)) => items.push(value),
                Some(existing) => {
                    let prev = existing.take();
                    *existing = Value::Array(vec![prev, value]);
                }
                None => {
                    map.insert(key.to_owned(), Value::Array(vec![value]));
                }
            }
            let _ = rest;
        }
        Some((first, rest)) => {
            let entry = map
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                let prev = entry.take();
                let mut m = Map::new();
                m.insert("0".to_owned(), prev);
                *entry = Value::Object(m);
            }
            if let Value::Object(inner) = entry {
                insert(inner, first, rest, value);
            }
        }
    }
}

/// Header names lower-case, values as strings; a repeated header is joined with `, `.
pub(crate) fn headers_json(headers: &HeaderMap) -> Value {
    let mut out = Map::with_capacity(headers.keys_len());
    // `iter` yields the values of one name one after another.
    let mut current: Option<(&http::HeaderName, String)> = None;
    for (name, value) in headers {
        // Visible ASCII (most values) reads as itself; other bytes as UTF-8, replaced when invalid.
        let text = match value.to_str() {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(value.as_bytes()),
        };
        match &mut current {
            Some((seen, joined)) if *seen == name => {
                joined.push_str(", ");
                joined.push_str(&text);
            }
            _ => {
                if let Some((seen, joined)) = current.replace((name, text.into_owned())) {
                    out.insert(seen.as_str().to_owned(), Value::String(joined));
                }
            }
        }
    }
    if let Some((seen, joined)) = current {
        out.insert(seen.as_str().to_owned(), Value::String(joined));
    }
    Value::Object(out)
}

/// Parses the body by content type: JSON → value (empty → `{}`), `text/*` → string,
/// form → object, anything else → `{}`. Errors carry the parser's message (the 422 hint).
pub(crate) fn parse_body(content_type: Option<&str>, bytes: &[u8]) -> Result<Value, String> {
    let mime = content_type
        .and_then(|ct| ct.split(';').next())
        .map_or("", str::trim)
        .as_bytes();
    let is = |m: &str| mime.eq_ignore_ascii_case(m.as_bytes());
    let starts_with =
        |p: &str| mime.len() >= p.len() && mime[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    let ends_with = |p: &str| {
        mime.len() >= p.len() && mime[mime.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
    };
    if is("application/json") || ends_with("+json") {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Map::new()));
        }
        return serde_json::from_slice(bytes).map_err(|e| json_hint(&e, bytes));
    }
    if starts_with("text/") && !ends_with("/xml") {
        return Ok(Value::String(String::from_utf8_lossy(bytes).into_owned()));
    }
    if is("application/x-www-form-urlencoded") {
        return Ok(Value::Object(parse_query(&String::from_utf8_lossy(bytes))));
    }
    Ok(Value::Object(Map::new()))
}

/// A JSON parse error worded the way Node's `JSON.parse` words it.
fn json_hint(err: &serde_json::Error, bytes: &[u8]) -> String {
    if err.is_eof() {
        return "Unexpected end of JSON input".to_owned();
    }
    let (line, column) = (err.line(), err.column());
    let position = byte_position(bytes, line, column);
    let what = err.to_string();
    if what.starts_with("key must be a string") {
        format!(
            "Expected property name or '}}' in JSON at position {position} (line {line} column {column})"
        )
    } else if what.starts_with("trailing characters") {
        format!(
            "Unexpected non-whitespace character after JSON at position {position} (line {line} column {column})"
        )
    } else {
        let token = bytes
            .get(position)
            .map(|b| (*b as char).to_string())
            .unwrap_or_default();
        format!(
            "Unexpected token '{token}', is not valid JSON at position {position} (line {line} column {column})"
        )
    }
}

/// 0-based byte offset of a 1-based line/column.
fn byte_position(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut current = 1;
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if current == line {
            break;
        }
        if *b == b'\n' {
            current += 1;
            start = i + 1;
        }
    }
    (start + column).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_like_express() {
        let q = parse_query("q=hello%20world&limit=10&flag&tag=a&tag=b&x[]=1&o[k]=v&p=a+b");
        assert_eq!(
            Value::Object(q),
            json!({"q":"hello world","limit":"10","flag":"","tag":["a","b"],"x":["1"],"o":{"k":"v"},"p":"a b"})
        );
    }

    #[test]
    fn bodies_by_content_type() {
        assert_eq!(parse_body(Some("application/json"), b""), Ok(json!({})));
        assert_eq!(
            parse_body(Some("text/plain"), b"just text"),
            Ok(json!("just text"))
        );
        assert_eq!(
            parse_body(Some("application/x-www-form-urlencoded"), b"a=1&b=two"),
            Ok(json!({"a":"1","b":"two"}))
        );
        assert_eq!(parse_body(None, b"whatever"), Ok(json!({})));
        assert_eq!(
            parse_body(Some("application/json; charset=utf-8"), b"{not json"),
            Err("Expected property name or '}' in JSON at position 1 (line 1 column 2)".to_owned())
        );
    }

    #[test]
    fn deep_nesting_is_a_parse_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_body(Some("application/json"), deep.as_bytes()).is_err());
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
