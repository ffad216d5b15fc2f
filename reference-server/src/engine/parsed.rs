//! Step templates parsed once, when a workflow is registered: rendering the
//! parsed form gives what [`template::render_value`] gives for the tree, but a
//! string without `{{` is not scanned again and a string that is exactly one
//! `{{path}}` is looked up without reading the expression again.

use serde_json::{Map, Value};

use super::template::{self, Scope, TemplateError};

/// A JSON tree of templates, parsed.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A value without templates (rendered as a copy).
    Literal(Value),
    /// A string that is exactly one `{{path}}` (no filter, not a literal): its segments.
    Path(Box<[Box<str>]>),
    /// Any other string, rendered by [`template::render_str`].
    Text(String),
    /// An array of templates.
    Array(Vec<Parsed>),
    /// An object of templates, in the tree's key order.
    Object(Vec<(String, Parsed)>),
}

impl Parsed {
    /// Parses every string of a JSON tree.
    pub(crate) fn new(tree: &Value) -> Self {
        match tree {
            Value::String(s) if !s.contains("{{") => Self::Literal(tree.clone()),
            Value::String(s) => {
                template::single_path(s).map_or_else(|| Self::Text(s.clone()), Self::Path)
            }
            Value::Array(items) => Self::Array(items.iter().map(Self::new).collect()),
            Value::Object(map) => {
                Self::Object(map.iter().map(|(k, v)| (k.clone(), Self::new(v))).collect())
            }
            other => Self::Literal(other.clone()),
        }
    }

    /// Renders the tree against `ctx`, as [`template::render_value`] renders the
    /// tree it was parsed from.
    pub(crate) fn render(&self, ctx: &dyn Scope) -> Result<Value, TemplateError> {
        Ok(match self {
            Self::Literal(v) => v.clone(),
            Self::Path(segments) => template::resolve(ctx, segments.iter().map(|s| &**s)),
            Self::Text(s) => template::render_str(s, ctx)?,
            Self::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| v.render(ctx))
                    .collect::<Result<_, _>>()?,
            ),
            Self::Object(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    out.insert(k.clone(), v.render(ctx)?);
                }
                Value::Object(out)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::Parsed;
    use crate::engine::template::render_value;

    #[test]
    fn a_parsed_tree_renders_as_the_tree() {
        let ctx = json!({
            "input": {"body": {"to": "ann@example.com", "n": 2, "items": [{"x": 1}], "o": {"k": "v"}}},
            "steps": {},
            "execution": {"id": "7"},
        });
        let trees = [
            json!({"success": true, "to": "{{input.body.to}}", "subject": "{{ input.body.missing }}"}),
            json!([
                "{{input.body.n}}",
                "n is {{input.body.n}}",
                "{{input.body.items[0].x}}",
                "{{input.body.o}}"
            ]),
            json!({"literal": "no braces }} here", "quoted": "{{'text'}}", "number": "{{ 12.5 }}",
                   "keywords": ["{{true}}", "{{null}}", "{{nil}}", "{{false}}"], "filtered": "{{input.body.n | times: 3}}",
                   "fallback": "{{body.to}}", "empty": "{{ . }}", "inf": "{{inf}}", "exec": "{{execution.id}}",
                   "deep": "{{input.body.o.k.a.b.c.d.e.f.g.h}}", "nested": {"a": ["{{input.body.to}}", 1, null]}}),
            json!("  {{input.body.to}}  "),
            json!("{{input.body.to}} and {{input.body.n}}"),
            json!(42),
        ];
        for tree in trees {
            assert_eq!(
                Parsed::new(&tree).render(&ctx),
                render_value(&tree, &ctx),
                "{tree}"
            );
        }
    }

    #[test]
    fn a_parsed_tree_fails_as_the_tree() {
        let ctx = json!({"input": {"n": "x"}});
        for tree in [
            json!({"ok": 1, "bad": "{{input.n | times: 2}}"}),
            json!(["{{ unclosed"]),
            json!("{{input.n | nosuchfilter}}"),
            json!("{{ }}"),
        ] {
            let parsed = Parsed::new(&tree).render(&ctx);
            assert!(parsed.is_err(), "{tree}");
            assert_eq!(parsed, render_value(&tree, &ctx), "{tree}");
        }
        assert_eq!(Parsed::new(&Value::Null).render(&ctx), Ok(Value::Null));
    }
}
