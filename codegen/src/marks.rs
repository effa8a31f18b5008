//! Carries a decision about a schema through typify to the Rust item it becomes.
//!
//! The spec transforms decide per *schema* (this enum is reached only from responses; this
//! property holds no personal data), but the post-processing edits Rust *items*, and typify
//! names items its own way (an inline enum of `Mfa.oob_channels` becomes
//! `MfaOobChannelsItem`). Rather than re-deriving typify's naming rules, a transform appends
//! a sentinel to the schema's `description`; typify copies descriptions into doc comments,
//! where [`take`] finds the sentinel, records the mark for that item or field, and removes it.
//! The sentinels never reach the generated code (see [`assert_none_left`]).

use std::collections::BTreeSet;

use serde_json::Value;
use syn::{Attribute, Fields, Item, Meta};

use crate::syntax;

/// A per-schema decision the post-processing acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    /// An enum reached only from responses: decode values it does not list.
    OpenEnum,
    /// An object reached only from responses: `null` for an optional property is absent.
    Tolerant,
    /// A value that holds no personal data: `Debug` shows it.
    Shown,
}

/// What every sentinel starts with, to check that none survives.
const PREFIX: &str = "[[dintero-codegen:";

impl Mark {
    const ALL: [Mark; 3] = [Mark::OpenEnum, Mark::Tolerant, Mark::Shown];

    fn sentinel(self) -> &'static str {
        match self {
            Mark::OpenEnum => "[[dintero-codegen:open-enum]]",
            Mark::Tolerant => "[[dintero-codegen:tolerant]]",
            Mark::Shown => "[[dintero-codegen:shown]]",
        }
    }
}

/// Marks a schema (in the in-memory copy of the spec handed to progenitor).
pub(crate) fn add(schema: &mut Value, mark: Mark) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let description = match map.get("description").and_then(Value::as_str) {
        Some(text) if text.contains(mark.sentinel()) => return,
        Some(text) => format!("{text}\n\n{}", mark.sentinel()),
        None => mark.sentinel().to_string(),
    };
    map.insert("description".into(), Value::String(description));
}

/// The marks found on the generated items, by item name and by (item, field) name.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    items: BTreeSet<(String, Mark)>,
    fields: BTreeSet<(String, String, Mark)>,
}

impl Marks {
    /// Whether the item (struct or enum) named `item` carries `mark`.
    pub(crate) fn item(&self, item: &str, mark: Mark) -> bool {
        self.items.contains(&(item.to_string(), mark))
    }

    /// Whether field `field` of struct `item` carries `mark`.
    pub(crate) fn field(&self, item: &str, field: &str, mark: Mark) -> bool {
        self.fields
            .contains(&(item.to_string(), field.to_string(), mark))
    }
}

/// Records and removes the sentinels in the doc comments of `items` and of their fields.
pub(crate) fn take(items: &mut [Item]) -> Marks {
    let mut marks = Marks::default();
    for item in items {
        let (attrs, ident, fields) = match item {
            Item::Struct(s) => (&mut s.attrs, &s.ident, Some(&mut s.fields)),
            Item::Enum(e) => (&mut e.attrs, &e.ident, None),
            _ => continue,
        };
        let name = ident.to_string();
        for mark in strip(attrs, &format!("`{name}`")) {
            marks.items.insert((name.clone(), mark));
        }
        let Some(Fields::Named(fields)) = fields else {
            continue;
        };
        for field in &mut fields.named {
            let Some(field_name) = field.ident.as_ref().map(ToString::to_string) else {
                continue;
            };
            for mark in strip(&mut field.attrs, "") {
                marks
                    .fields
                    .insert((name.clone(), field_name.clone(), mark));
            }
        }
    }
    marks
}

/// Fails if a sentinel reached the generated code (typify or progenitor put a description
/// somewhere [`take`] does not look).
pub(crate) fn assert_none_left(code: &str) -> Result<(), String> {
    match code.find(PREFIX) {
        None => Ok(()),
        Some(at) => Err(format!(
            "a codegen mark was left in the generated code near {:?}",
            &code[at.saturating_sub(80)..(at + 40).min(code.len())]
        )),
    }
}

/// Removes every sentinel from the doc attributes, returning the marks found. A doc comment
/// that held only sentinels becomes `fallback` (typify's default doc), or goes if that is empty.
fn strip(attrs: &mut Vec<Attribute>, fallback: &str) -> Vec<Mark> {
    let mut found = Vec::new();
    attrs.retain_mut(|attr| {
        let Some(text) = doc_text(attr) else {
            return true;
        };
        let marks: Vec<Mark> = Mark::ALL
            .into_iter()
            .filter(|m| text.contains(m.sentinel()))
            .collect();
        if marks.is_empty() {
            return true;
        }
        found.extend(marks.iter().copied());
        let cleaned = marks
            .iter()
            .fold(text, |t, m| t.replace(m.sentinel(), ""))
            .trim_end()
            .to_string();
        let cleaned = if cleaned.trim().is_empty() {
            fallback.to_string()
        } else {
            cleaned
        };
        if cleaned.is_empty() {
            return false;
        }
        *attr = syn::parse_quote!(#[doc = #cleaned]);
        true
    });
    found
}

/// The text of a `#[doc = "..."]` attribute.
fn doc_text(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => syntax::string_literal(&nv.value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_mark_travels_from_a_description_to_the_item_and_is_removed() {
        let mut schema = json!({"type": "string", "enum": ["a"], "description": "Kind."});
        add(&mut schema, Mark::OpenEnum);
        add(&mut schema, Mark::OpenEnum); // idempotent
        let description = schema["description"].as_str().unwrap().to_string();
        assert_eq!(description.matches(PREFIX).count(), 1);

        let mut file: syn::File = syn::parse_quote! {
            #[doc = #description]
            pub enum Kind { A }
            pub struct Plain {
                #[doc = "[[dintero-codegen:shown]]"]
                pub code: String,
                #[doc = "Text.\n\n[[dintero-codegen:tolerant]]"]
                pub text: String,
            }
        };
        let marks = take(&mut file.items);
        assert!(marks.item("Kind", Mark::OpenEnum));
        assert!(!marks.item("Plain", Mark::OpenEnum));
        assert!(marks.field("Plain", "code", Mark::Shown));
        assert!(marks.field("Plain", "text", Mark::Tolerant));
        let code = prettyplease::unparse(&file);
        assert_none_left(&code).unwrap();
        assert!(code.contains("///Kind."), "{code}");
        assert!(code.contains("///Text."), "{code}");
    }

    #[test]
    fn a_doc_that_was_only_a_mark_falls_back_to_the_item_name() {
        let mut schema = json!({"type": "object", "properties": {}});
        add(&mut schema, Mark::Tolerant);
        let description = schema["description"].as_str().unwrap().to_string();
        let mut file: syn::File = syn::parse_quote! {
            #[doc = #description]
            pub struct Empty {}
        };
        let marks = take(&mut file.items);
        assert!(marks.item("Empty", Mark::Tolerant));
        assert!(prettyplease::unparse(&file).contains("///`Empty`"));
    }

    #[test]
    fn a_mark_left_anywhere_else_is_an_error() {
        assert!(assert_none_left("/// [[dintero-codegen:shown]]").is_err());
        assert!(assert_none_left("/// fine").is_ok());
    }
}
