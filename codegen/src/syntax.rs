//! Small reads and edits of the generated syntax tree, shared by the post-processing passes.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Item, Lit, Meta, Path, Token, Type};

/// Parses the code a pass generates (`what` names it in the error).
pub(crate) fn parse_items(tokens: TokenStream, what: &str) -> Result<Vec<Item>, String> {
    syn::parse2::<syn::File>(tokens)
        .map(|file| file.items)
        .map_err(|e| format!("{what} does not parse: {e}"))
}

/// Runs one post-processing pass over `tokens` as the generator does (marks taken first)
/// and returns the formatted result, for the passes' unit tests.
#[cfg(test)]
pub(crate) fn run_pass(
    tokens: TokenStream,
    pass: fn(&mut Vec<Item>, &crate::marks::Marks) -> Result<(), String>,
) -> Result<String, String> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    let marks = crate::marks::take(&mut file.items);
    pass(&mut file.items, &marks)?;
    Ok(prettyplease::unparse(&file))
}

/// The items of the generated `pub mod types { ... }`, where typify puts every schema type.
pub(crate) fn types_items(file: &mut syn::File) -> Result<&mut Vec<Item>, String> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "progenitor generated no `types` module".to_string())
}

/// Removes the derive named `name` (by its last path segment) from every `#[derive(..)]`;
/// true if it was there.
pub(crate) fn remove_derive(attrs: &mut [Attribute], name: &str) -> bool {
    let mut removed = false;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Vec<&Path> = paths.iter().filter(|p| !ends_with(p, name)).collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    removed
}

/// Whether `path`'s last segment is `name` (`::serde::Serialize` ends with `Serialize`).
pub(crate) fn ends_with(path: &Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// The `key` or `key = "value"` entries of the `#[serde(..)]` attributes, in order.
pub(crate) fn serde_entries(attrs: &[Attribute]) -> Vec<(String, Option<String>)> {
    let mut entries = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let Ok(metas) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for meta in metas {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value = match &meta {
                Meta::NameValue(nv) => string_literal(&nv.value),
                _ => None,
            };
            entries.push((key, value));
        }
    }
    entries
}

/// The name a field or variant has on the wire: its `rename`, else its Rust name.
pub(crate) fn wire_name(attrs: &[Attribute], ident: &syn::Ident) -> String {
    serde_entries(attrs)
        .into_iter()
        .find_map(|(key, value)| (key == "rename").then_some(value).flatten())
        .unwrap_or_else(|| ident.to_string())
}

/// Whether `ty` is `Option<..>` (by its last path segment, as typify writes
/// `::std::option::Option<T>`).
pub(crate) fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && ends_with(&p.path, "Option"))
}

/// A type as one writes it: `::std::vec::Vec<Address>`, not the token stream's
/// `:: std :: vec :: Vec < Address >`.
pub(crate) fn type_text(ty: &impl quote::ToTokens) -> String {
    let tokens = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(tokens.len());
    for part in tokens.split(' ') {
        let glue = out.ends_with(['<', ':'])
            || (part.starts_with([':', '<', '>', ',']) && !out.ends_with(','));
        if !out.is_empty() && !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// `T` of `Option<T>` (see [`is_option`]).
pub(crate) fn option_of(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if !is_option(ty) {
        return None;
    }
    match &p.path.segments.last()?.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `item` is the `impl <trait_name> for <self_name>` (traits matched by their last
/// path segment, so `TryFrom<&str>` and `TryFrom<String>` both match `TryFrom`).
pub(crate) fn is_trait_impl(item: &Item, trait_name: &str, self_name: &str) -> bool {
    let Item::Impl(imp) = item else {
        return false;
    };
    let for_self = matches!(&*imp.self_ty, Type::Path(p) if p.path.is_ident(self_name));
    let of_trait = imp
        .trait_
        .as_ref()
        .is_some_and(|(path, _)| ends_with(path, trait_name));
    for_self && of_trait
}

/// Inserts `new` right after the type named `ident` and the impls that follow it, so that
/// a reviewer reads each type with all of its impls; at the end if there is no such type.
pub(crate) fn insert_after_type(items: &mut Vec<Item>, ident: &Ident, new: Vec<Item>) {
    let name = ident.to_string();
    let at = items
        .iter()
        .position(|item| match item {
            Item::Struct(s) => s.ident == name,
            Item::Enum(e) => e.ident == name,
            _ => false,
        })
        .map(|start| {
            let impls = items[start + 1..]
                .iter()
                .take_while(|item| is_impl_for(item, &name))
                .count();
            start + 1 + impls
        })
        .unwrap_or(items.len());
    items.splice(at..at, new);
}

fn is_impl_for(item: &Item, name: &str) -> bool {
    matches!(item, Item::Impl(imp) if matches!(&*imp.self_ty, Type::Path(p) if p.path.is_ident(name)))
}

/// The value of a string literal expression (`"..."`).
pub(crate) fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_written_compactly() {
        let ty: Type = syn::parse_quote!(
            ::std::option::Option<::serde_json::Map<::std::string::String, ::serde_json::Value>>
        );
        assert_eq!(
            type_text(&ty),
            "::std::option::Option<::serde_json::Map<::std::string::String, ::serde_json::Value>>"
        );
        assert_eq!(
            type_text(option_of(&ty).unwrap()),
            "::serde_json::Map<::std::string::String, ::serde_json::Value>"
        );
        let date: Type = syn::parse_quote!(::chrono::DateTime<::chrono::offset::Utc>);
        assert_eq!(
            type_text(&date),
            "::chrono::DateTime<::chrono::offset::Utc>"
        );
        assert!(option_of(&date).is_none());
    }

    #[test]
    fn derives_serde_entries_and_trait_impls_are_read() {
        let mut item: syn::ItemStruct = syn::parse_quote! {
            #[derive(::serde::Deserialize, Clone, Copy, Debug)]
            #[serde(rename = "kind", default, skip_serializing_if = "Vec::is_empty")]
            struct S;
        };
        assert!(remove_derive(&mut item.attrs, "Copy"));
        assert!(!remove_derive(&mut item.attrs, "Copy"));
        let file: syn::File = syn::parse_quote!(#item);
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains("#[derive(::serde::Deserialize, Clone, Debug)]"),
            "{code}"
        );
        assert_eq!(
            serde_entries(&item.attrs),
            vec![
                ("rename".to_string(), Some("kind".to_string())),
                ("default".to_string(), None),
                (
                    "skip_serializing_if".to_string(),
                    Some("Vec::is_empty".to_string())
                ),
            ]
        );
        assert_eq!(wire_name(&item.attrs, &item.ident), "kind");

        let imp: Item = syn::parse_quote!(impl ::std::convert::TryFrom<&str> for S {});
        assert!(is_trait_impl(&imp, "TryFrom", "S"));
        assert!(!is_trait_impl(&imp, "FromStr", "S"));
        assert!(is_option(&syn::parse_quote!(::std::option::Option<u8>)));

        let mut file: syn::File = syn::parse_quote! {
            struct A;
            impl A {}
            impl Clone for A {}
            struct B;
        };
        let ident: Ident = syn::parse_quote!(A);
        insert_after_type(
            &mut file.items,
            &ident,
            vec![syn::parse_quote!(impl Copy for A {})],
        );
        let code = prettyplease::unparse(&file);
        let (copy, b) = (
            code.find("impl Copy").unwrap(),
            code.find("struct B").unwrap(),
        );
        assert!(
            code.find("impl Clone").unwrap() < copy && copy < b,
            "{code}"
        );
        assert!(!is_option(&syn::parse_quote!(::std::vec::Vec<u8>)));
    }
}
