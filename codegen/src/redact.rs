//! `Debug` of the generated types shows their shape, not the personal data in them.
//!
//! `Debug` is what `unwrap()`, `?` in `main` and `{:?}` in a log line print, so a derived
//! `Debug` of a `Customer` would put names, e-mails, phone numbers, addresses and dates of
//! birth into panics and logs. This pass replaces the derived `Debug` of every generated
//! struct with one that prints each field through the `redact::Redacted` trait, whose impls
//! (in [`SUPPORT`]) are the whole policy, decided by the field's Rust type:
//!
//! - hidden as `[REDACTED]`: strings, numbers, dates (`NaiveDate`: a date of birth) and JSON
//!   values, which can each be anything about a person (an id is often an e-mail);
//! - shown: `bool`, UUIDs (random record ids), timestamps (`DateTime`: when a record changed,
//!   not a fact about a person), enum values (a closed or open list of codes) and the
//!   generated types themselves (each with its own redacted `Debug`);
//! - structure kept: `Some(..)`/`None`, list items one by one, a map's entry count.
//!
//! A property the spec marks `x-personal-data: false` (an error `code`, a `token_type`, the
//! account id) holds no personal data and is shown as derived `Debug` would. The raw values
//! stay in the pub fields and in serde output: only `Debug` changes.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Fields, Ident, Item, ItemStruct};

use crate::marks::{self, Mark, Marks};
use crate::syntax;

/// The spec extension that declares a schema free of personal data.
pub const PERSONAL_DATA_EXTENSION: &str = "x-personal-data";

/// What this pass generates, for errors.
const WHAT: &str = "redacted Debug code";

/// Marks every schema of `document` that declares `x-personal-data: false`.
pub(crate) fn mark_not_personal(document: &mut Value) {
    if document.get(PERSONAL_DATA_EXTENSION) == Some(&Value::Bool(false)) {
        marks::add(document, Mark::Shown);
    }
    match document {
        Value::Object(map) => map.values_mut().for_each(mark_not_personal),
        Value::Array(items) => items.iter_mut().for_each(mark_not_personal),
        _ => {}
    }
}

/// Gives every generated struct a redacting `Debug` and adds the policy module.
pub(crate) fn redact(items: &mut Vec<Item>, marks: &Marks) -> Result<(), String> {
    let mut impls = Vec::new();
    let mut types = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Struct(s) => {
                types.push(s.ident.clone());
                if syntax::remove_derive(&mut s.attrs, "Debug") {
                    impls.push((s.ident.clone(), debug_impl(s, marks)));
                }
            }
            Item::Enum(e) => types.push(e.ident.clone()),
            _ => {}
        }
    }
    for (ident, tokens) in impls {
        syntax::insert_after_type(items, &ident, syntax::parse_items(tokens, WHAT)?);
    }
    items.extend(syntax::parse_items(support(&types), WHAT)?);
    Ok(())
}

/// `impl Debug` for one struct: each field shown or through `redact::Field`.
fn debug_impl(s: &ItemStruct, marks: &Marks) -> TokenStream {
    let ident = &s.ident;
    let name = ident.to_string();
    let whole = marks.item(&name, Mark::Shown);
    let body = match &s.fields {
        Fields::Named(fields) => {
            let entries = fields.named.iter().filter_map(|f| {
                let field = f.ident.as_ref()?;
                let label = field.to_string().trim_start_matches("r#").to_string();
                let shown = whole || marks.field(&name, &field.to_string(), Mark::Shown);
                let value = shown_or_redacted(quote!(self.#field), shown);
                Some(quote!(.field(#label, #value)))
            });
            quote!(f.debug_struct(#name) #(#entries)* .finish())
        }
        Fields::Unnamed(fields) => {
            let entries = (0..fields.unnamed.len()).map(|i| {
                let index = syn::Index::from(i);
                let value = shown_or_redacted(quote!(self.#index), whole);
                quote!(.field(#value))
            });
            quote!(f.debug_tuple(#name) #(#entries)* .finish())
        }
        Fields::Unit => quote!(f.write_str(#name)),
    };
    quote! {
        impl ::std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #body
            }
        }
    }
}

fn shown_or_redacted(place: TokenStream, shown: bool) -> TokenStream {
    if shown {
        quote!(&#place)
    } else {
        quote!(&redact::Field(&#place))
    }
}

/// The policy: how each kind of field value shows in `Debug`.
fn support(types: &[Ident]) -> TokenStream {
    let generated = types.iter().map(|t| {
        let t = format_ident!("{t}");
        quote!(super::#t)
    });
    quote! {
        /// How a field of a generated type shows in `Debug`: personal data as `[REDACTED]`.
        mod redact {
            use ::std::fmt;

            /// How a value shows inside a redacted `Debug`.
            pub(super) trait Redacted {
                fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
            }

            /// A field value shown through [`Redacted`].
            pub(super) struct Field<'a, T: ?Sized>(pub(super) &'a T);

            impl<T: Redacted + ?Sized> fmt::Debug for Field<'_, T> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt_redacted(f)
                }
            }

            macro_rules! hidden {
                ($($t:ty),* $(,)?) => {$(
                    impl Redacted for $t {
                        fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                            f.write_str("[REDACTED]")
                        }
                    }
                )*};
            }

            macro_rules! shown {
                ($($t:ty),* $(,)?) => {$(
                    impl Redacted for $t {
                        fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                            fmt::Debug::fmt(self, f)
                        }
                    }
                )*};
            }

            // Free text, numbers, dates and arbitrary JSON can each be about a person.
            hidden!(
                ::std::string::String, str, f64, f32, i64, i32, i16, i8, u64, u32, u16, u8,
                ::chrono::naive::NaiveDate, ::serde_json::Value,
            );
            // Flags, random ids, instants and the generated types (redacted themselves).
            shown!(
                bool, ::uuid::Uuid, ::chrono::DateTime<::chrono::offset::Utc>,
                #(#generated),*
            );

            impl<T: Redacted> Redacted for ::std::option::Option<T> {
                fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    match self {
                        ::std::option::Option::Some(value) => {
                            f.debug_tuple("Some").field(&Field(value)).finish()
                        }
                        ::std::option::Option::None => f.write_str("None"),
                    }
                }
            }

            impl<T: Redacted> Redacted for ::std::vec::Vec<T> {
                fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_list().entries(self.iter().map(Field)).finish()
                }
            }

            // Keys can be personal too (metadata keyed by e-mail): only the count shows.
            impl Redacted for ::serde_json::Map<::std::string::String, ::serde_json::Value> {
                fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct("Map")
                        .field("entries", &self.len())
                        .finish_non_exhaustive()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn generated(tokens: TokenStream) -> String {
        syntax::run_pass(tokens, redact).unwrap()
    }

    #[test]
    fn only_schemas_declared_free_of_personal_data_are_marked() {
        let mut document = json!({"components": {"schemas": {
            "E": {"properties": {
                "code": {"type": "string", "x-personal-data": false},
                "message": {"type": "string", "x-personal-data": true},
                "name": {"type": "string"},
            }},
        }}});
        mark_not_personal(&mut document);
        let props = &document["components"]["schemas"]["E"]["properties"];
        assert!(props["code"]["description"].is_string());
        assert!(props["message"].get("description").is_none());
        assert!(props["name"].get("description").is_none());
    }

    #[test]
    fn structs_get_a_redacting_debug_and_marked_fields_show() {
        let code = generated(quote! {
            #[derive(Clone, Debug, PartialEq)]
            pub struct ErrorDetail {
                #[doc = "Code.\n\n[[dintero-codegen:shown]]"]
                pub code: ::std::option::Option<::std::string::String>,
                pub message: ::std::string::String,
                #[serde(rename = "type")]
                pub type_: Kind,
            }
            #[doc = "[[dintero-codegen:shown]]"]
            #[derive(Debug)]
            pub struct AccountId(::std::string::String);
            #[derive(Debug)]
            pub struct Secret(::std::string::String);
            #[derive(Debug)]
            pub enum Kind { A }
        });
        assert!(code.contains("#[derive(Clone, PartialEq)]"), "{code}");
        assert!(code.contains(".field(\"code\", &self.code)"), "{code}");
        assert!(
            code.contains(".field(\"message\", &redact::Field(&self.message))"),
            "{code}"
        );
        assert!(
            code.contains("f.debug_tuple(\"AccountId\").field(&self.0)"),
            "{code}"
        );
        assert!(
            code.contains("f.debug_tuple(\"Secret\").field(&redact::Field(&self.0))"),
            "{code}"
        );
        // Enums keep their derived Debug and join the shown types.
        assert!(code.contains("super::Kind"), "{code}");
        assert!(code.contains("super::ErrorDetail"), "{code}");
    }
}
