//! Open enums: an enum reached only from responses decodes a value it does not list.
//!
//! Dintero may add a value to a response enum without a new API version (a new customer
//! `type`, a new MFA channel). typify generates closed enums, so such a body would fail to
//! decode although the call succeeded. For every enum marked [`Mark::OpenEnum`] (see
//! `tolerant.rs` for which), this pass:
//!
//! - adds `#[serde(untagged)] Unknown(UnknownValue)` as the last variant: serde tries the
//!   listed values first, so `Unknown` only ever holds a value the spec does not list;
//! - makes the enum `#[non_exhaustive]`, so a later version may turn an unknown value into a
//!   variant of its own without breaking callers' `match`es;
//! - drops `Copy` (the unknown value is a `String`) and replaces typify's fallible
//!   `FromStr`/`TryFrom` with infallible `From<&str>`/`From<String>`, plus `as_str()`, and a
//!   `Display` that writes the value back as it came;
//! - describes the enum to schemars as "one of the listed strings, or any string", because
//!   that is what decodes (schemars' derive ignores variant-level `untagged`).
//!
//! [`UnknownValue`](UNKNOWN_VALUE) keeps its string private: only decoding or `From` make
//! one, so `Unknown("customer")` cannot exist next to `Customer` and equality stays sound.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Fields, Ident, Item, ItemEnum};

use crate::marks::{self, Mark, Marks};
use crate::schemas;
use crate::syntax;

/// The type holding a value an open enum does not list, generated once in `types`.
const UNKNOWN_VALUE: &str = "UnknownValue";

/// What this pass generates, for errors.
const WHAT: &str = "open enum code";

/// Marks `schema` as an open enum if it is an enum of strings.
pub(crate) fn mark(schema: &mut Value) {
    if schemas::is_string_enum(schema) {
        marks::add(schema, Mark::OpenEnum);
    }
}

/// Opens every enum of `items` that carries [`Mark::OpenEnum`].
pub(crate) fn open(items: &mut Vec<Item>, marks: &Marks) -> Result<(), String> {
    let mut added = Vec::new();
    for item in items.iter_mut() {
        if let Item::Enum(e) = item
            && marks.item(&e.ident.to_string(), Mark::OpenEnum)
        {
            added.push(open_enum(e)?);
        }
    }
    if added.is_empty() {
        return Ok(());
    }
    if items
        .iter()
        .any(|i| matches!(i, Item::Struct(s) if s.ident == UNKNOWN_VALUE))
    {
        return Err(format!(
            "a schema is named `{UNKNOWN_VALUE}`, the type open enums use for unlisted values"
        ));
    }
    for opened in &added {
        items.retain(|item| !replaced_impl(item, &opened.ident));
    }
    items.extend(syntax::parse_items(unknown_value(), WHAT)?);
    for opened in added {
        let impls = syntax::parse_items(opened.impls(), WHAT)?;
        syntax::insert_after_type(items, &opened.ident, impls);
    }
    Ok(())
}

/// What the impls of one opened enum need.
struct Opened {
    ident: Ident,
    unknown: Ident,
    /// Variant name and wire value of each listed value.
    values: Vec<(Ident, String)>,
    json_schema: bool,
}

/// Edits the enum itself: the `Unknown` variant, `#[non_exhaustive]`, no `Copy`.
fn open_enum(e: &mut ItemEnum) -> Result<Opened, String> {
    let values = listed_values(e)?;
    let unknown = unknown_variant(&values);
    syntax::remove_derive(&mut e.attrs, "Copy");
    let json_schema = syntax::remove_derive(&mut e.attrs, "JsonSchema");
    e.attrs.push(syn::parse_quote!(#[non_exhaustive]));
    let ty = format_ident!("{UNKNOWN_VALUE}");
    e.variants.push(syn::parse_quote! {
        /// A value this version does not list (Dintero added it later). Compare it through
        /// `as_str()` rather than matching this variant: a later version of this crate may
        /// give the value a variant of its own.
        #[serde(untagged, deserialize_with = "UnknownValue::deserialize_unlisted")]
        #unknown(#ty)
    });
    Ok(Opened {
        ident: e.ident.clone(),
        unknown,
        values,
        json_schema,
    })
}

/// The listed values: every variant must be a unit variant (typify's enums of strings are).
fn listed_values(e: &ItemEnum) -> Result<Vec<(Ident, String)>, String> {
    e.variants
        .iter()
        .map(|v| match v.fields {
            Fields::Unit => Ok((v.ident.clone(), syntax::wire_name(&v.attrs, &v.ident))),
            _ => Err(format!(
                "{}::{}: only enums of strings can be opened",
                e.ident, v.ident
            )),
        })
        .collect()
}

/// `Unknown`, unless a listed value already took that name.
fn unknown_variant(values: &[(Ident, String)]) -> Ident {
    let taken = |name: &str| values.iter().any(|(ident, _)| ident == name);
    let name = ["Unknown", "Unlisted"]
        .into_iter()
        .find(|n| !taken(n))
        .unwrap_or("UnlistedValue");
    format_ident!("{name}")
}

/// typify's closed conversions, which the open ones replace.
fn replaced_impl(item: &Item, ident: &Ident) -> bool {
    let name = ident.to_string();
    ["Display", "FromStr", "TryFrom"]
        .iter()
        .any(|t| syntax::is_trait_impl(item, t, &name))
}

impl Opened {
    fn impls(&self) -> TokenStream {
        let Self { ident, unknown, .. } = self;
        let variants: Vec<&Ident> = self.values.iter().map(|(v, _)| v).collect();
        let wires: Vec<&String> = self.values.iter().map(|(_, w)| w).collect();
        let json_schema = self.json_schema.then(|| json_schema(ident, &wires));
        quote! {
            impl #ident {
                /// The value as it is on the wire, listed or not.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#variants => #wires,)*
                        Self::#unknown(value) => value.as_str(),
                    }
                }

                fn listed(value: &str) -> ::std::option::Option<Self> {
                    match value {
                        #(#wires => ::std::option::Option::Some(Self::#variants),)*
                        _ => ::std::option::Option::None,
                    }
                }
            }
            impl ::std::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
            impl ::std::convert::From<&str> for #ident {
                fn from(value: &str) -> Self {
                    Self::listed(value)
                        .unwrap_or_else(|| Self::#unknown(UnknownValue(value.to_string())))
                }
            }
            impl ::std::convert::From<::std::string::String> for #ident {
                fn from(value: ::std::string::String) -> Self {
                    match Self::listed(&value) {
                        ::std::option::Option::Some(listed) => listed,
                        ::std::option::Option::None => Self::#unknown(UnknownValue(value)),
                    }
                }
            }
            impl ::std::str::FromStr for #ident {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    ::std::result::Result::Ok(Self::from(value))
                }
            }
            #json_schema
        }
    }
}

/// "One of the listed strings, or any other string": what the open enum decodes.
fn json_schema(ident: &Ident, wires: &[&String]) -> TokenStream {
    let name = ident.to_string();
    quote! {
        impl ::schemars::JsonSchema for #ident {
            fn schema_name() -> ::std::string::String {
                #name.to_string()
            }
            fn json_schema(
                _: &mut ::schemars::SchemaGenerator,
            ) -> ::schemars::schema::Schema {
                use ::schemars::schema::{InstanceType, SchemaObject, SubschemaValidation};
                let listed = SchemaObject {
                    instance_type: Some(InstanceType::String.into()),
                    enum_values: Some(vec![#(#wires.into()),*]),
                    ..Default::default()
                };
                let any = SchemaObject {
                    instance_type: Some(InstanceType::String.into()),
                    ..Default::default()
                };
                SchemaObject {
                    subschemas: Some(Box::new(SubschemaValidation {
                        any_of: Some(vec![listed.into(), any.into()]),
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    }
}

/// The shared holder of unlisted values.
fn unknown_value() -> TokenStream {
    quote! {
        /// A value of an open enum that this version of the crate does not list.
        ///
        /// Only decoding a response (or the enum's `From<&str>`) makes one, so it never
        /// holds a listed value. It serializes and displays as the value itself.
        #[derive(::serde::Serialize, Clone, Eq, Hash, Ord, PartialEq, PartialOrd)]
        #[serde(transparent)]
        pub struct UnknownValue(::std::string::String);
        // Written out rather than derived, so the redacting pass leaves it alone: an enum
        // value is a code, not personal data, and shows in `Debug`.
        impl ::std::fmt::Debug for UnknownValue {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple("UnknownValue").field(&self.0).finish()
            }
        }
        impl UnknownValue {
            /// The value as it came.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            // Private, so that only the open enums' untagged variant decodes one.
            fn deserialize_unlisted<'de, D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                <::std::string::String as ::serde::Deserialize>::deserialize(deserializer).map(Self)
            }
        }
        impl ::std::fmt::Display for UnknownValue {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn generated(tokens: TokenStream) -> String {
        syntax::run_pass(tokens, open).unwrap()
    }

    #[test]
    fn only_enums_of_strings_are_marked() {
        let mut strings = json!({"type": "string", "enum": ["a"]});
        let mut numbers = json!({"type": "integer", "enum": [1]});
        mark(&mut strings);
        mark(&mut numbers);
        assert!(strings["description"].is_string());
        assert!(numbers.get("description").is_none());
    }

    #[test]
    fn a_marked_enum_gets_an_unknown_variant_and_open_conversions() {
        let code = generated(quote! {
            #[doc = "[[dintero-codegen:open-enum]]"]
            #[derive(::serde::Deserialize, Clone, Copy, Debug, schemars::JsonSchema)]
            pub enum Kind {
                #[serde(rename = "a")]
                A,
                #[serde(rename = "b-b")]
                BB,
            }
            impl ::std::fmt::Display for Kind { fn fmt(&self) {} }
            impl ::std::str::FromStr for Kind { }
            impl ::std::convert::TryFrom<&str> for Kind { }
            impl ::std::default::Default for Kind { fn default() -> Self { Kind::A } }
            pub enum Closed { A }
            impl ::std::str::FromStr for Closed { }
        });
        assert!(code.contains("#[non_exhaustive]"), "{code}");
        assert!(code.contains("Unknown(UnknownValue)"), "{code}");
        assert!(code.contains("#[serde(untagged"), "{code}");
        assert!(
            code.contains("#[derive(::serde::Deserialize, Clone, Debug)]"),
            "{code}"
        );
        assert!(code.contains("Self::BB => \"b-b\""), "{code}");
        assert!(
            code.contains("impl ::std::convert::From<&str> for Kind"),
            "{code}"
        );
        assert!(
            code.contains("impl ::schemars::JsonSchema for Kind"),
            "{code}"
        );
        assert!(
            code.contains("type Err = ::std::convert::Infallible"),
            "{code}"
        );
        assert!(!code.contains("TryFrom<&str> for Kind"), "{code}");
        assert!(
            code.contains("impl ::std::default::Default for Kind"),
            "{code}"
        );
        assert_eq!(code.matches("pub struct UnknownValue").count(), 1);
        // An unmarked enum keeps typify's closed form.
        assert!(
            code.contains("impl ::std::str::FromStr for Closed"),
            "{code}"
        );
    }

    #[test]
    fn a_listed_value_named_unknown_keeps_its_name() {
        let code = generated(quote! {
            #[doc = "[[dintero-codegen:open-enum]]"]
            pub enum Status {
                #[serde(rename = "unknown")]
                Unknown,
            }
        });
        assert!(code.contains("Unlisted(UnknownValue)"), "{code}");
        assert!(code.contains("Self::Unknown => \"unknown\""), "{code}");
    }

    #[test]
    fn nothing_is_added_without_an_open_enum() {
        let code = generated(quote! { pub enum Closed { A } });
        assert!(!code.contains("UnknownValue"), "{code}");
    }
}
