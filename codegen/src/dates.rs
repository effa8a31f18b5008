//! Dates and times decode through chrono's strict RFC 3339 parser first.
//!
//! `DateTime<Utc>`'s own `Deserialize` parses with chrono's relaxed `FromStr`, which also
//! accepts a space for the `T`, `UTC` for the `Z`, a space before the offset, and costs
//! about four times as much as chrono's strict RFC 3339 parser on what Dintero sends (a
//! `Customer` carries up to six timestamps: most of the cost of decoding one). This pass
//! gives every `DateTime<Utc>` field a `deserialize_with` that tries the strict parser and
//! falls back to the relaxed one when it refuses: the same strings accept, to the same
//! values, with the same errors (tests/decode_dates.rs checks that against chrono's own
//! `Deserialize`).

use quote::quote;
use syn::{Field, Fields, Item, Type};

use crate::marks::Marks;
use crate::syntax;

/// What this pass generates, for errors.
const WHAT: &str = "the date decoding code";

/// The type typify gives a `format: date-time` string.
const DATE_TIME: &str = "::chrono::DateTime<::chrono::offset::Utc>";

/// Routes every `DateTime<Utc>` field (plain or `Option`) of the generated structs through
/// the `dates` module it adds.
pub(crate) fn fast_dates(items: &mut Vec<Item>, _marks: &Marks) -> Result<(), String> {
    let mut changed = false;
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        for field in &mut fields.named {
            changed |= route(field).map_err(|e| format!("{}.{e}", s.ident))?;
        }
    }
    if changed {
        items.extend(syntax::parse_items(support(), WHAT)?);
    }
    Ok(())
}

/// Adds the `deserialize_with` to one field if it holds a `DateTime<Utc>`; true if it did.
fn route(field: &mut Field) -> Result<bool, String> {
    let name = || {
        field
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let with = if is_date_time(&field.ty) {
        "dates::utc"
    } else if syntax::option_of(&field.ty).is_some_and(is_date_time) {
        "dates::utc_option"
    } else {
        return Ok(false);
    };
    let entries = syntax::serde_entries(&field.attrs);
    if entries
        .iter()
        .any(|(key, _)| key == "deserialize_with" || key == "with")
    {
        return Err(format!("{}: already has its own deserializer", name()));
    }
    field
        .attrs
        .push(syn::parse_quote!(#[serde(deserialize_with = #with)]));
    // With its own deserializer, an absent `Option` field needs `default` to stay `None`.
    if with == "dates::utc_option" && !entries.iter().any(|(key, _)| key == "default") {
        field.attrs.push(syn::parse_quote!(#[serde(default)]));
    }
    Ok(true)
}

fn is_date_time(ty: &Type) -> bool {
    syntax::type_text(ty) == DATE_TIME
}

/// The `dates` module the fields point to.
fn support() -> proc_macro2::TokenStream {
    quote! {
        /// `DateTime<Utc>` as chrono decodes it, through its strict RFC 3339 parser first.
        mod dates {
            use ::chrono::{DateTime, FixedOffset, Utc};

            /// chrono's own visitor, with the strict parser in front of the relaxed one.
            struct Rfc3339;

            impl ::serde::de::Visitor<'_> for Rfc3339 {
                type Value = DateTime<Utc>;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    // chrono's words, so that errors read the same.
                    f.write_str("an RFC 3339 formatted date and time string")
                }

                fn visit_str<E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<Self::Value, E> {
                    DateTime::parse_from_rfc3339(value)
                        .or_else(|_| value.parse::<DateTime<FixedOffset>>())
                        .map(|date_time| date_time.with_timezone(&Utc))
                        .map_err(E::custom)
                }
            }

            /// A required date and time.
            pub(super) fn utc<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<DateTime<Utc>, D::Error> {
                deserializer.deserialize_str(Rfc3339)
            }

            /// An optional one: `null` is `None`, as for `Option`'s own `Deserialize`.
            pub(super) fn utc_option<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<::std::option::Option<DateTime<Utc>>, D::Error> {
                struct Optional;

                impl<'de> ::serde::de::Visitor<'de> for Optional {
                    type Value = ::std::option::Option<DateTime<Utc>>;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("option")
                    }

                    fn visit_none<E: ::serde::de::Error>(self) -> ::std::result::Result<Self::Value, E> {
                        Ok(None)
                    }

                    fn visit_unit<E: ::serde::de::Error>(self) -> ::std::result::Result<Self::Value, E> {
                        Ok(None)
                    }

                    fn visit_some<D: ::serde::Deserializer<'de>>(
                        self,
                        deserializer: D,
                    ) -> ::std::result::Result<Self::Value, D::Error> {
                        utc(deserializer).map(Some)
                    }
                }

                deserializer.deserialize_option(Optional)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(tokens: proc_macro2::TokenStream) -> Result<String, String> {
        syntax::run_pass(tokens, fast_dates)
    }

    #[test]
    fn date_time_fields_get_the_strict_parser_first() {
        let code = generated(quote! {
            pub struct Customer {
                pub at: ::chrono::DateTime<::chrono::offset::Utc>,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub created_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                pub born: ::std::option::Option<::chrono::naive::NaiveDate>,
                pub name: ::std::string::String,
            }
        })
        .unwrap();
        assert_eq!(
            code.matches("#[serde(deserialize_with = \"dates::utc\")]")
                .count(),
            1,
            "{code}"
        );
        assert_eq!(
            code.matches("#[serde(deserialize_with = \"dates::utc_option\")]")
                .count(),
            1,
            "{code}"
        );
        assert_eq!(code.matches("#[serde(default)]").count(), 1, "{code}");
        assert!(code.contains("mod dates"), "{code}");
    }

    #[test]
    fn no_date_time_no_module() {
        let code = generated(quote! {
            pub struct Plain { pub name: ::std::string::String }
        })
        .unwrap();
        assert!(!code.contains("mod dates"), "{code}");
    }

    #[test]
    fn a_field_with_its_own_deserializer_is_refused_loudly() {
        let err = generated(quote! {
            pub struct S {
                #[serde(with = "x")]
                pub at: ::chrono::DateTime<::chrono::offset::Utc>,
            }
        })
        .unwrap_err();
        assert!(err.contains("S.at"), "{err}");
    }
}
