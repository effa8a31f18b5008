//! `null` is absent: an optional property of a response decodes `null` as if it were absent.
//!
//! typify already reads `null` as `None` for an optional property it makes an `Option`. An
//! optional array or map, though, becomes a plain `Vec`/`Map` with `#[serde(default)]`, and
//! serde rejects `null` for those ("invalid type: null, expected a sequence"), although
//! Dintero documents `null` as "no value" (`metadata: null` clears all keys). For every
//! struct marked [`Mark::Tolerant`] (see `tolerant.rs` for which), this pass gives each such
//! defaulted field `deserialize_with = "nulls::or_default"`: absent, `null` and empty all
//! decode to the empty collection, so callers iterate without unwrapping an `Option`.
//! schemars is told the field accepts `null` too (`#[schemars(with = "Option<T>")]`), so the
//! JSON Schema of the type describes what actually decodes.

use quote::quote;
use serde_json::Value;
use syn::{Field, Fields, Item};

use crate::marks::{self, Mark, Marks};
use crate::schemas;
use crate::syntax;

/// Marks `schema` as decoded tolerantly if it is an object with properties.
pub(crate) fn mark(schema: &mut Value) {
    if schemas::is_struct(schema) {
        marks::add(schema, Mark::Tolerant);
    }
}

/// Lets the defaulted fields of every struct marked [`Mark::Tolerant`] decode `null`.
pub(crate) fn tolerate_nulls(items: &mut Vec<Item>, marks: &Marks) -> Result<(), String> {
    let mut changed = false;
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        if !marks.item(&s.ident.to_string(), Mark::Tolerant) {
            continue;
        }
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        for field in &mut fields.named {
            changed |= tolerate_null(field).map_err(|e| format!("{}.{e}", s.ident))?;
        }
    }
    if changed {
        items.push(syn::parse_quote! {
            /// `null` in a response means the same as an absent property.
            mod nulls {
                /// Decodes `null` as the type's default, like an absent property.
                pub(super) fn or_default<'de, D, T>(deserializer: D) -> ::std::result::Result<T, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de> + ::std::default::Default,
                {
                    let value: ::std::option::Option<T> = ::serde::Deserialize::deserialize(deserializer)?;
                    ::std::result::Result::Ok(value.unwrap_or_default())
                }
            }
        });
    }
    Ok(())
}

/// Adds the null handling to one field if it is a defaulted non-`Option`; true if it did.
fn tolerate_null(field: &mut Field) -> Result<bool, String> {
    if syntax::is_option(&field.ty) {
        return Ok(false); // serde reads `null` as `None` already.
    }
    let default = syntax::serde_entries(&field.attrs)
        .into_iter()
        .find(|(key, _)| key == "default");
    match default {
        None => Ok(false), // required: `null` stays an error.
        Some((_, Some(path))) => Err(format!(
            "{}: an optional property with a spec `default` ({path}) cannot decode `null` yet \
             (codegen/src/nullable.rs handles `Default::default()` only)",
            field
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        )),
        Some((_, None)) => {
            let ty = &field.ty;
            let nullable = syntax::type_text(&quote!(::std::option::Option<#ty>));
            field.attrs.push(syn::parse_quote!(
                #[serde(deserialize_with = "nulls::or_default")]
            ));
            field
                .attrs
                .push(syn::parse_quote!(#[schemars(with = #nullable)]));
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn generated(tokens: proc_macro2::TokenStream) -> Result<String, String> {
        syntax::run_pass(tokens, tolerate_nulls)
    }

    #[test]
    fn objects_with_properties_are_marked_maps_are_not() {
        let mut object = json!({"type": "object", "properties": {"a": {}}});
        let mut map = json!({"type": "object", "additionalProperties": true});
        mark(&mut object);
        mark(&mut map);
        assert!(object["description"].is_string());
        assert!(map.get("description").is_none());
    }

    #[test]
    fn defaulted_collections_of_a_tolerant_struct_decode_null() {
        let code = generated(quote! {
            #[doc = "[[dintero-codegen:tolerant]]"]
            pub struct Customer {
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub addresses: ::std::vec::Vec<Address>,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub email: ::std::option::Option<::std::string::String>,
                pub customer_id: ::std::string::String,
            }
            pub struct Request {
                #[serde(default)]
                pub ids: ::std::vec::Vec<::std::string::String>,
            }
        })
        .unwrap();
        assert_eq!(code.matches("nulls::or_default").count(), 1, "{code}");
        assert!(
            code.contains(
                "#[schemars(with = \"::std::option::Option<::std::vec::Vec<Address>>\")]"
            ),
            "{code}"
        );
        assert!(code.contains("mod nulls"), "{code}");
    }

    #[test]
    fn a_spec_default_other_than_empty_is_refused_loudly() {
        let err = generated(quote! {
            #[doc = "[[dintero-codegen:tolerant]]"]
            pub struct Settings {
                #[serde(default = "defaults::settings_level")]
                pub level: i64,
            }
        })
        .unwrap_err();
        assert!(err.contains("Settings.level"), "{err}");
    }
}
