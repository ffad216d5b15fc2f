//! The template language of step values.
//!
//! `{{input.a.b}}`, `{{input.items.0.x}}`, `{{steps.<id>.output.x}}`,
//! `{{execution.id}}`, with filters separated by `|`:
//! `map: '<arithmetic over item fields>'`, `sum`, `times: n`, `plus: n`,
//! `minus: n`, `divided_by: n`, `round: digits`, `default: value`, `size`.
//! A string that is exactly one `{{..}}` renders to the JSON value; any other
//! string renders to a string. A path whose first segment is not a context key
//! (`input`, `steps`, `execution`) is looked up in the input, so
//! `{{_webhook.headers.user-agent}}` reads the input's `_webhook` field.
//! Missing paths render as `null` (empty text inside a string).
//!
//! Numbers are IEEE doubles, as in the platforms' JavaScript, but a
//! fractional result is rounded to 15 significant digits, the precision a
//! double holds: `4498 | times: 0.08` is `359.84`, not `359.84000000000003`.

use serde_json::{Map, Value};

/// A template that could not be evaluated (bad syntax, wrong types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

type Result<T> = std::result::Result<T, TemplateError>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(TemplateError(msg.into()))
}

/// Renders every string of a JSON tree as a template against `ctx`.
pub fn render_value(tree: &Value, ctx: &dyn Scope) -> Result<Value> {
    Ok(match tree {
        Value::String(s) => render_str(s, ctx)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, ctx))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), render_value(v, ctx)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Renders one template string: the value itself when the string is exactly
/// one `{{..}}`, otherwise the text with each expression interpolated.
pub fn render_str(s: &str, ctx: &dyn Scope) -> Result<Value> {
    let trimmed = s.trim();
    if let Some(inner) = trimmed
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        && !inner.contains("{{")
        && !inner.contains("}}")
    {
        return eval_expression(inner, ctx);
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return err(format!("unclosed '{{{{' in template: {s}"));
        };
        let value = eval_expression(&after[..end], ctx)?;
        out.push_str(&to_text(&value));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

/// The text form of a value inside a string template.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Evaluates `operand | filter: arg | filter`.
pub fn eval_expression(expr: &str, ctx: &dyn Scope) -> Result<Value> {
    if !expr.contains('|') {
        return eval_operand(expr.trim(), ctx);
    }
    let parts = split_outside_quotes(expr, '|');
    let mut parts = parts.iter();
    let Some(first) = parts.next() else {
        return err("empty expression");
    };
    let mut value = eval_operand(first.trim(), ctx)?;
    for filter in parts {
        value = apply_filter(filter.trim(), value, ctx)?;
    }
    Ok(value)
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == sep => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A literal (number, quoted string, true/false/null) or a path.
fn eval_operand(token: &str, ctx: &dyn Scope) -> Result<Value> {
    if token.is_empty() {
        return err("empty operand");
    }
    Ok(literal(token).unwrap_or_else(|| lookup(ctx, token)))
}

/// The value of an operand that is a literal (a quoted string, `true`,
/// `false`, `null`/`nil`, a number); None for a path.
fn literal(token: &str) -> Option<Value> {
    if let Some(s) = unquote(token) {
        return Some(Value::String(s.to_owned()));
    }
    match token {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" | "nil" => return Some(Value::Null),
        _ => {}
    }
    if let Ok(n) = token.parse::<f64>()
        && token.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some(number(n));
    }
    None
}

fn unquote(token: &str) -> Option<&str> {
    let bytes = token.as_bytes();
    if bytes.len() >= 2 {
        let (first, last) = (bytes[0], bytes[bytes.len() - 1]);
        if (first == b'\'' || first == b'"') && first == last {
            return Some(&token[1..token.len() - 1]);
        }
    }
    None
}

/// Looks up a dotted path (`a.b.0.c`, `a[0].c`) in the context. The first
/// segment falls back to the context's `input` when the root lacks it.
pub fn lookup(ctx: &dyn Scope, path: &str) -> Value {
    let normalized = normalize(path);
    resolve(ctx, segments(&normalized))
}

/// `a[0].c` → `a.0.c`.
fn normalize(path: &str) -> std::borrow::Cow<'_, str> {
    if path.contains(['[', ']']) {
        std::borrow::Cow::Owned(path.replace('[', ".").replace(']', ""))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// The segments of a normalized path.
fn segments(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split('.').filter(|s| !s.is_empty())
}

/// The segments of the path of a template that is exactly one `{{path}}` (no
/// filter, no literal: what [`render_str`] looks up for it); None for any other
/// string.
pub(crate) fn single_path(s: &str) -> Option<Box<[Box<str>]>> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains('|') {
        return None;
    }
    let token = inner.trim();
    if token.is_empty() || literal(token).is_some() {
        return None;
    }
    Some(segments(&normalize(token)).map(Box::from).collect())
}

/// The value at a path's segments (`null` for none).
pub(crate) fn resolve<'a>(ctx: &dyn Scope, mut segments: impl Iterator<Item = &'a str>) -> Value {
    // Most paths are short: their segments on the stack.
    let mut short = [""; 8];
    let mut len = 0;
    for (slot, segment) in short.iter_mut().zip(&mut segments) {
        *slot = segment;
        len += 1;
    }
    match segments.next() {
        None if len == 0 => Value::Null,
        None => ctx.resolve(&short[..len]),
        Some(more) => {
            let long: Vec<&str> = short.into_iter().chain([more]).chain(segments).collect();
            ctx.resolve(&long)
        }
    }
}

/// What templates read: `input`, `steps`, `execution`, ... A JSON object is
/// one; the engine's run context is another that shares the run's values
/// instead of copying them into one tree.
pub trait Scope {
    /// The value at a path of at least one segment (`null` when missing);
    /// a first segment that is not a root key is looked up in `input`.
    fn resolve(&self, segments: &[&str]) -> Value;
}

impl Scope for Value {
    fn resolve(&self, segments: &[&str]) -> Value {
        let Some(first) = segments.first() else {
            return Value::Null;
        };
        let start = match self.get(*first) {
            Some(_) => self,
            None => match self.get("input") {
                Some(input) if input.get(*first).is_some() => input,
                _ => self,
            },
        };
        walk(start, segments)
    }
}

/// The value at `segments` below `root` (cloned), `null` when missing.
pub(crate) fn walk(root: &Value, segments: &[&str]) -> Value {
    let mut current = root;
    for seg in segments {
        let next = match current {
            Value::Object(map) => field(map, seg),
            Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None => return Value::Null,
        }
    }
    current.clone()
}

/// A field of an object. A small object is scanned (comparing a few short keys costs
/// less than hashing the key); the keys of an object are unique, so both find the same.
fn field<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if map.len() <= 8 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

fn apply_filter(filter: &str, value: Value, ctx: &dyn Scope) -> Result<Value> {
    let (name, arg) = match filter.split_once(':') {
        Some((name, arg)) => (name.trim(), Some(arg.trim())),
        None => (filter.trim(), None),
    };
    let arg_value = |ctx: &dyn Scope| -> Result<Value> {
        match arg {
            Some(a) if !a.is_empty() => eval_operand(a, ctx),
            _ => err(format!("filter '{name}' needs an argument")),
        }
    };
    match name {
        "map" => {
            let Some(expr) = arg.map(|a| unquote(a).unwrap_or(a)) else {
                return err("filter 'map' needs an expression");
            };
            let parsed = Arith::parse(expr)?;
            let items = as_items(value);
            Ok(Value::Array(
                items
                    .iter()
                    .map(|item| parsed.eval(item))
                    .collect::<Result<_>>()?,
            ))
        }
        "sum" => {
            let mut total = 0.0;
            for item in as_items(value) {
                total += to_number(&item, "sum")?;
            }
            Ok(number(total))
        }
        "times" | "plus" | "minus" | "divided_by" => {
            let a = to_number(&value, name)?;
            let b = to_number(&arg_value(ctx)?, name)?;
            let r = match name {
                "times" => a * b,
                "plus" => a + b,
                "minus" => a - b,
                _ => {
                    if b == 0.0 {
                        return err("divided_by: division by zero");
                    }
                    a / b
                }
            };
            Ok(number(r))
        }
        "round" => {
            let a = to_number(&value, "round")?;
            let digits = match arg {
                Some(a) if !a.is_empty() => to_number(&eval_operand(a, ctx)?, "round")?,
                _ => 0.0,
            };
            let factor = 10f64.powi(digits.clamp(0.0, 15.0) as i32);
            Ok(number((a * factor).round() / factor))
        }
        "default" => {
            let empty = matches!(&value, Value::Null | Value::Bool(false))
                || value.as_str().is_some_and(str::is_empty);
            if empty { arg_value(ctx) } else { Ok(value) }
        }
        "size" => Ok(Value::from(match &value {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            Value::String(s) => s.chars().count(),
            _ => 0,
        })),
        other => err(format!("unknown filter '{other}'")),
    }
}

fn as_items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn to_number(v: &Value, filter: &str) -> Result<f64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| TemplateError(format!("{filter}: number out of range"))),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| TemplateError(format!("{filter}: '{s}' is not a number"))),
        other => err(format!("{filter}: expected a number, got {other}")),
    }
}

/// A JSON number: integral values in the safe range become integers;
/// fractional ones are rounded to 15 significant digits (binary noise such
/// as `0.30000000000000004` goes).
pub fn number(f: f64) -> Value {
    let f = if f.is_finite() && f.fract() != 0.0 {
        format!("{f:.14e}").parse().unwrap_or(f)
    } else {
        f
    };
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// Arithmetic over an item's fields: numbers, field paths, `+ - * /`, parentheses.
#[derive(Debug)]
enum Arith {
    Num(f64),
    Field(String),
    Neg(Box<Arith>),
    Bin(char, Box<Arith>, Box<Arith>),
}

impl Arith {
    fn parse(src: &str) -> Result<Self> {
        let tokens = tokenize(src)?;
        let mut pos = 0;
        let expr = parse_sum(&tokens, &mut pos)?;
        if pos != tokens.len() {
            return err(format!("map: unexpected input in '{src}'"));
        }
        Ok(expr)
    }

    fn eval(&self, item: &Value) -> Result<Value> {
        Ok(match self {
            Arith::Num(n) => number(*n),
            Arith::Field(path) => {
                let segments: Vec<&str> = path.split('.').collect();
                walk(item, &segments)
            }
            Arith::Neg(inner) => number(-to_number(&inner.eval(item)?, "map")?),
            Arith::Bin(op, a, b) => {
                let x = to_number(&a.eval(item)?, "map")?;
                let y = to_number(&b.eval(item)?, "map")?;
                number(match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    _ => {
                        if y == 0.0 {
                            return err("map: division by zero");
                        }
                        x / y
                    }
                })
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Ident(String),
    Op(char),
}

fn tokenize(src: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            tokens.push(Token::Op(c));
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = text
                .parse()
                .map_err(|_| TemplateError(format!("map: bad number '{text}'")))?;
            tokens.push(Token::Num(n));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '.'
                    || chars[i] == '$')
            {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            return err(format!("map: unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

fn parse_sum(tokens: &[Token], pos: &mut usize) -> Result<Arith> {
    let mut left = parse_product(tokens, pos)?;
    while let Some(Token::Op(op @ ('+' | '-'))) = tokens.get(*pos) {
        *pos += 1;
        let right = parse_product(tokens, pos)?;
        left = Arith::Bin(*op, Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn parse_product(tokens: &[Token], pos: &mut usize) -> Result<Arith> {
    let mut left = parse_atom(tokens, pos)?;
    while let Some(Token::Op(op @ ('*' | '/'))) = tokens.get(*pos) {
        *pos += 1;
        let right = parse_atom(tokens, pos)?;
        left = Arith::Bin(*op, Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn parse_atom(tokens: &[Token], pos: &mut usize) -> Result<Arith> {
    let token = tokens.get(*pos).cloned();
    *pos += 1;
    match token {
        Some(Token::Num(n)) => Ok(Arith::Num(n)),
        Some(Token::Ident(name)) => Ok(Arith::Field(name)),
        Some(Token::Op('-')) => Ok(Arith::Neg(Box::new(parse_atom(tokens, pos)?))),
        Some(Token::Op('(')) => {
            let inner = parse_sum(tokens, pos)?;
            if tokens.get(*pos) != Some(&Token::Op(')')) {
                return err("map: missing ')'");
            }
            *pos += 1;
            Ok(inner)
        }
        _ => err("map: expected a number, a field or '('"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ctx() -> Value {
        json!({
            "input": {
                "customer": {"email": "a@b.c", "name": "Ann"},
                "items": [
                    {"product": "pen", "quantity": 2, "price": 1.5},
                    {"product": "ink", "quantity": 3, "price": 19.99}
                ],
                "_webhook": {"headers": {"user-agent": "curl"}},
                "empty": ""
            },
            "steps": {"calc": {"output": {"subtotal": 62.97, "n": 4}}},
            "execution": {"id": "run_1"}
        })
    }

    #[test]
    fn exact_template_yields_the_value() {
        assert_eq!(
            render_str("{{input.items.0.quantity}}", &ctx()).unwrap(),
            json!(2)
        );
        assert_eq!(
            render_str(" {{ input.customer }} ", &ctx()).unwrap(),
            json!({"email": "a@b.c", "name": "Ann"})
        );
        assert_eq!(
            render_str("{{execution.id}}", &ctx()).unwrap(),
            json!("run_1")
        );
        assert_eq!(
            render_str("{{steps.calc.output.n}}", &ctx()).unwrap(),
            json!(4)
        );
    }

    #[test]
    fn mixed_text_yields_a_string() {
        assert_eq!(
            render_str(
                "Hi {{input.customer.name}}, {{input.items.1.quantity}} items{{input.nope}}",
                &ctx()
            )
            .unwrap(),
            json!("Hi Ann, 3 items")
        );
    }

    #[test]
    fn paths_fall_back_to_the_input() {
        assert_eq!(
            render_str("{{_webhook.headers.user-agent}}", &ctx()).unwrap(),
            json!("curl")
        );
        assert_eq!(
            render_str("{{input.items[1].product}}", &ctx()).unwrap(),
            json!("ink")
        );
        assert_eq!(
            render_str("{{input.missing.deep}}", &ctx()).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn customer_order_totals() {
        let c = ctx();
        assert_eq!(
            render_str(
                "{{input.items | map: 'quantity * price' | sum | round: 2}}",
                &c
            )
            .unwrap(),
            json!(62.97)
        );
        assert_eq!(
            render_str(
                "{{input.items | map: 'quantity * price' | sum | times: 0.08 | round: 2}}",
                &c
            )
            .unwrap(),
            json!(5.04)
        );
        assert_eq!(
            render_str(
                "{{input.items | map: 'quantity * price' | sum | times: 1.08 | round: 2}}",
                &c
            )
            .unwrap(),
            json!(68.01)
        );
        assert_eq!(
            render_str("{{steps.calc.output.subtotal | plus: 5.04 | round: 2}}", &c).unwrap(),
            json!(68.01)
        );
    }

    #[test]
    fn the_documented_order_totals_have_no_binary_noise() {
        let c = json!({"input": {"items": [
            {"productId": "p1", "quantity": 2, "price": 1999},
            {"productId": "p2", "quantity": 1, "price": 500}
        ]}});
        let total = |filters: &str| {
            render_str(
                &format!("{{{{input.items | map: 'quantity * price' | sum{filters}}}}}"),
                &c,
            )
            .unwrap()
        };
        assert_eq!(total(""), json!(4498));
        assert_eq!(total(" | times: 0.08"), json!(359.84));
        assert_eq!(total(" | times: 1.08"), json!(4857.84));
        assert_eq!(render_str("{{0.1 | plus: 0.2}}", &c).unwrap(), json!(0.3));
        assert_eq!(
            render_str("{{9007199254740993 | times: 1}}", &c).unwrap(),
            json!(9007199254740992_i64 as f64),
            "integral values are left alone"
        );
    }

    #[test]
    fn arithmetic_filters() {
        let c = ctx();
        assert_eq!(
            render_str("{{10 | minus: 4 | divided_by: 4}}", &c).unwrap(),
            json!(1.5)
        );
        assert_eq!(
            render_str("{{input.items | map: 'quantity' | sum}}", &c).unwrap(),
            json!(5)
        );
        assert_eq!(
            render_str("{{input.items | map: '(quantity + 1) * 2'}}", &c).unwrap(),
            json!([6, 8])
        );
        assert_eq!(
            render_str("{{input.items | map: 'product'}}", &c).unwrap(),
            json!(["pen", "ink"])
        );
        assert_eq!(render_str("{{2.5 | round}}", &c).unwrap(), json!(3));
        assert_eq!(
            render_str("{{steps.calc.output.n | plus: steps.calc.output.n}}", &c).unwrap(),
            json!(8)
        );
        assert!(render_str("{{1 | divided_by: 0}}", &c).is_err());
        assert!(render_str("{{input.customer.name | times: 2}}", &c).is_err());
        assert!(render_str("{{input.items | nope}}", &c).is_err());
        assert!(render_str("{{input.items | map: 'quantity *'}}", &c).is_err());
    }

    #[test]
    fn default_and_size() {
        let c = ctx();
        assert_eq!(
            render_str("{{input.missing | default: 'usd'}}", &c).unwrap(),
            json!("usd")
        );
        assert_eq!(
            render_str("{{input.empty | default: 7}}", &c).unwrap(),
            json!(7)
        );
        assert_eq!(
            render_str("{{input.customer.name | default: 'x'}}", &c).unwrap(),
            json!("Ann")
        );
        assert_eq!(render_str("{{input.items | size}}", &c).unwrap(), json!(2));
        assert_eq!(
            render_str("{{input.customer.name | size}}", &c).unwrap(),
            json!(3)
        );
        assert_eq!(
            render_str("{{input.missing | map: 'x' | sum}}", &c).unwrap(),
            json!(0)
        );
    }

    #[test]
    fn trees_render_recursively() {
        let tree = json!({"to": "{{input.customer.email}}", "n": [1, "{{input.items | size}}"], "s": "lit"});
        assert_eq!(
            render_value(&tree, &ctx()).unwrap(),
            json!({"to": "a@b.c", "n": [1, 2], "s": "lit"})
        );
    }

    #[test]
    fn unclosed_braces_are_an_error() {
        assert!(render_str("a {{input.x", &ctx()).is_err());
    }
}
