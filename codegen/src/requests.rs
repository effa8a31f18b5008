//! The generated operation methods, without work that is thrown away on every call.
//!
//! - progenitor builds each request with an `api-version` header (the spec's
//!   `info.version`) that Dintero does not document and the hooks used to remove again:
//!   building, merging and removing it cost a `HeaderMap` allocation, a merge and a removal
//!   per call. This pass drops it from the method bodies, so it is never built.
//! - `ResponseValue::from_response` copies the response headers before it consumes the
//!   response; the methods call a generated `response_value` instead, which moves them out.
//! - Each path parameter went into the URL as `encode_path(&value.to_string())`: two
//!   `String`s per parameter, copied, encoded and copied again. For a parameter whose type
//!   is a string newtype (`Deref<Target = String>`, as typify makes every constrained
//!   string), the methods format a generated `PathSegment(value.as_str())` instead, which
//!   percent-encodes the same bytes straight into the URL.
//!
//! The methods' signatures, their requests and their results do not change.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::{Expr, FnArg, ImplItem, ImplItemFn, Item, Pat, Stmt, Type};

/// The header progenitor adds to every request.
const API_VERSION: &str = "api-version";

/// The generated code's name for the headers progenitor collects before the request.
const HEADER_MAP: &str = "header_map";

/// The generated helper the methods call instead of `ResponseValue::from_response`.
const RESPONSE_VALUE: &str = "response_value";

/// The generated type the methods format instead of `encode_path(&value.to_string())`.
const PATH_SEGMENT: &str = "PathSegment";

/// Removes the `api-version` header from every operation method of the generated `Client`
/// (and with it the header map when nothing else is left in it), lets the methods move the
/// response headers into their result instead of copying them, and encode path parameters
/// without intermediate strings.
pub(crate) fn lean(items: &mut Vec<Item>) -> Result<(), String> {
    let string_types = string_newtypes(items);
    let mut methods = 0;
    let mut rewritten = Rewritten::default();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !is_client(&imp.self_ty) {
            continue;
        }
        for member in &mut imp.items {
            let ImplItem::Fn(method) = member else {
                continue;
            };
            if method.sig.asyncness.is_none() {
                continue;
            }
            drop_api_version(&mut method.block.stmts)
                .map_err(|e| format!("method `{}`: {e}", method.sig.ident))?;
            let strings = string_parameters(method, &string_types);
            rewrite_block(&mut method.block, &strings, &mut rewritten)
                .map_err(|e| format!("method `{}`: {e}", method.sig.ident))?;
            methods += 1;
        }
    }
    if methods == 0 {
        return Err("no operation method found in `impl Client`".into());
    }
    if rewritten.response_values > 0 {
        items.push(response_value());
    }
    if rewritten.path_segments > 0 {
        items.extend(path_segment());
    }
    Ok(())
}

/// `ResponseValue::from_response` of progenitor-client 0.15, except that the headers are
/// taken out of the response (which `bytes()` consumes, never reading them) instead of
/// cloned: one `HeaderMap` copy fewer per call.
fn response_value() -> Item {
    let name = Ident::new(RESPONSE_VALUE, proc_macro2::Span::call_site());
    syn::parse_quote! {
        /// `ResponseValue::from_response`, moving the headers out of the response it
        /// consumes instead of copying them.
        async fn #name<T: ::serde::de::DeserializeOwned, E>(
            mut response: reqwest::Response,
        ) -> Result<ResponseValue<T>, Error<E>> {
            let status = response.status();
            let headers = ::std::mem::take(response.headers_mut());
            let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
            let inner = ::serde_json::from_slice(&full)
                .map_err(|e| Error::InvalidResponsePayload(full, e))?;
            Ok(ResponseValue::new(inner, status, headers))
        }
    }
}

/// `PathSegment`, and the set of bytes it encodes.
///
/// The set is progenitor-client 0.15's (private) `PATH_SET`, the WHATWG path-segment set
/// plus `/` and `%`; a test in `src/generated.rs` checks that `PathSegment` writes exactly
/// what `encode_path` returns, for every ASCII character and beyond.
fn path_segment() -> Vec<Item> {
    let name = Ident::new(PATH_SEGMENT, Span::call_site());
    vec![
        syn::parse_quote! {
            /// The bytes a path parameter percent-encodes (as `encode_path` does).
            const PATH_SET: &::percent_encoding::AsciiSet = &::percent_encoding::CONTROLS
                .add(b' ')
                .add(b'"')
                .add(b'#')
                .add(b'<')
                .add(b'>')
                .add(b'?')
                .add(b'`')
                .add(b'{')
                .add(b'}')
                .add(b'/')
                .add(b'%');
        },
        syn::parse_quote! {
            /// A path parameter as it goes into the URL: `encode_path(value)`, written
            /// straight into the URL being formatted instead of into a string of its own.
            struct #name<'a>(&'a str);
        },
        syn::parse_quote! {
            impl ::std::fmt::Display for #name<'_> {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    ::percent_encoding::utf8_percent_encode(self.0, PATH_SET)
                        .try_for_each(|part| f.write_str(part))
                }
            }
        },
    ]
}

/// The types of the generated `types` module that are string newtypes: `Deref<Target =
/// String>`, so `value.to_string()` is a copy of `value.as_str()`.
fn string_newtypes(items: &[Item]) -> BTreeSet<String> {
    let types = items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    types
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let Item::Impl(imp) = item else { return None };
            let (path, _) = imp.trait_.as_ref()?;
            let derefs_to_string = path.segments.last().is_some_and(|s| s.ident == "Deref")
                && imp.items.iter().any(|member| {
                    matches!(member, ImplItem::Type(t) if last_segment(&t.ty).as_deref() == Some("String"))
                });
            derefs_to_string.then(|| last_segment(&imp.self_ty)).flatten()
        })
        .collect()
}

/// The parameters of `method` whose type is `&T` or `&types::T` with `T` a string newtype.
fn string_parameters(method: &ImplItemFn, string_types: &BTreeSet<String>) -> BTreeSet<String> {
    method
        .sig
        .inputs
        .iter()
        .filter_map(|input| {
            let FnArg::Typed(arg) = input else {
                return None;
            };
            let (Pat::Ident(name), Type::Reference(reference)) = (&*arg.pat, &*arg.ty) else {
                return None;
            };
            let ty = last_segment(&reference.elem)?;
            string_types.contains(&ty).then(|| name.ident.to_string())
        })
        .collect()
}

/// The last segment of a path type (`types::AccountId` -> `AccountId`).
fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// What [`rewrite_block`] replaced.
#[derive(Default)]
struct Rewritten {
    response_values: usize,
    path_segments: usize,
}

/// Replaces, in `block`, every `ResponseValue::from_response` with [`RESPONSE_VALUE`] and
/// every `encode_path(&x.to_string())` with [`PATH_SEGMENT`]`(x.as_str())` where `x` is one
/// of the `strings` parameters.
fn rewrite_block(
    block: &mut syn::Block,
    strings: &BTreeSet<String>,
    rewritten: &mut Rewritten,
) -> Result<(), String> {
    let tokens = rewrite(quote!(#block), strings, rewritten);
    *block = syn::parse2(tokens).map_err(|e| format!("does not parse after the rewrite: {e}"))?;
    Ok(())
}

fn rewrite(
    tokens: TokenStream,
    strings: &BTreeSet<String>,
    rewritten: &mut Rewritten,
) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if is_from_response(&trees[i..]) {
            out.push(TokenTree::Ident(Ident::new(
                RESPONSE_VALUE,
                trees[i].span(),
            )));
            rewritten.response_values += 1;
            i += 4;
            continue;
        }
        if let Some(value) =
            encoded_parameter(&trees[i..]).filter(|value| strings.contains(&value.to_string()))
        {
            let name = Ident::new(PATH_SEGMENT, trees[i].span());
            out.extend(quote!(#name(#value.as_str())));
            rewritten.path_segments += 1;
            i += 2;
            continue;
        }
        out.push(match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), rewrite(g.stream(), strings, rewritten));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other.clone(),
        });
        i += 1;
    }
    out.into_iter().collect()
}

/// `ResponseValue :: from_response`
fn is_from_response(trees: &[TokenTree]) -> bool {
    matches!(trees, [TokenTree::Ident(ty), TokenTree::Punct(c1), TokenTree::Punct(c2), TokenTree::Ident(f), ..]
        if ty == "ResponseValue" && c1.as_char() == ':' && c2.as_char() == ':' && f == "from_response")
}

/// `x` of `encode_path(&x.to_string())`.
fn encoded_parameter(trees: &[TokenTree]) -> Option<Ident> {
    let [TokenTree::Ident(f), TokenTree::Group(args), ..] = trees else {
        return None;
    };
    if f != "encode_path" || args.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let args: Vec<TokenTree> = args.stream().into_iter().collect();
    match args.as_slice() {
        [
            TokenTree::Punct(amp),
            TokenTree::Ident(value),
            TokenTree::Punct(dot),
            TokenTree::Ident(method),
            TokenTree::Group(call),
        ] if amp.as_char() == '&'
            && dot.as_char() == '.'
            && method == "to_string"
            && call.delimiter() == Delimiter::Parenthesis
            && call.stream().is_empty() =>
        {
            Some(value.clone())
        }
        _ => None,
    }
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// Drops `header_map.append(api-version ..)`; then, if the map holds nothing else, its
/// declaration and the `.headers(header_map)` that merges it into the request.
fn drop_api_version(stmts: &mut Vec<Stmt>) -> Result<(), String> {
    let before = stmts.len();
    stmts.retain(|stmt| !appends(stmt, Some(API_VERSION)));
    if stmts.len() + 1 != before {
        return Err(format!(
            "expected one `{HEADER_MAP}.append(\"{API_VERSION}\", ..)`, found {}",
            before - stmts.len()
        ));
    }
    if stmts.iter().any(|stmt| appends(stmt, None)) {
        return Ok(()); // header parameters still go through the map
    }
    stmts.retain(|stmt| !declares_header_map(stmt));
    let merged = stmts
        .iter_mut()
        .filter_map(local_init)
        .any(drop_headers_call);
    if !merged {
        return Err(format!("no `.headers({HEADER_MAP})` call to drop"));
    }
    Ok(())
}

/// `header_map.append(..)`, of the header named `name` if given.
fn appends(stmt: &Stmt, name: Option<&str>) -> bool {
    let Stmt::Expr(Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && is_header_map(&call.receiver)
        && name.is_none_or(|name| {
            call.args
                .first()
                .is_some_and(|arg| mentions(quote!(#arg), name))
        })
}

/// Whether a string literal `"name"` occurs in `tokens`.
fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Literal(lit) => lit.to_string() == format!("{name:?}"),
        proc_macro2::TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

fn is_header_map(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.path.is_ident(HEADER_MAP))
}

/// `let mut header_map = ..;`
fn declares_header_map(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Local(local) if matches!(&local.pat, Pat::Ident(p) if p.ident == HEADER_MAP))
}

fn local_init(stmt: &mut Stmt) -> Option<&mut Expr> {
    match stmt {
        Stmt::Local(local) => local.init.as_mut().map(|init| &mut *init.expr),
        _ => None,
    }
}

/// Removes `.headers(header_map)` from a builder chain (`a.b().headers(header_map).c()?`);
/// true if it was there.
fn drop_headers_call(expr: &mut Expr) -> bool {
    match expr {
        Expr::Try(t) => drop_headers_call(&mut t.expr),
        Expr::MethodCall(call)
            if call.method == "headers"
                && call.args.len() == 1
                && call.args.first().is_some_and(is_header_map) =>
        {
            *expr = (*call.receiver).clone();
            true
        }
        Expr::MethodCall(call) => drop_headers_call(&mut call.receiver),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What progenitor 0.15 emits for an operation, trimmed to the parts this pass reads.
    fn generated(header_params: TokenStream) -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct Id(::std::string::String);
                impl ::std::ops::Deref for Id {
                    type Target = ::std::string::String;
                    fn deref(&self) -> &::std::string::String { &self.0 }
                }
            }
            impl Client {
                pub async fn op<'a>(
                    &'a self,
                    id: &'a types::Id,
                    n: &'a i64,
                    body: &'a types::Body,
                ) -> Result<(), Error<()>> {
                    let url = format!(
                        "{}/x/{}/{}",
                        self.baseurl,
                        encode_path(&id.to_string()),
                        encode_path(&n.to_string()),
                    );
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                    );
                    #header_params
                    #[allow(unused_mut)]
                    let mut request = self
                        .client
                        .post(url)
                        .json(&body)
                        .headers(header_map)
                        .build()?;
                    self.pre(&mut request, &info).await?;
                    let response = self.exec(request, &info).await?;
                    match response.status().as_u16() {
                        200u16 => ResponseValue::from_response(response).await,
                        400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
                pub fn new(baseurl: &str) -> Self { todo!() }
            }
        }
    }

    #[test]
    fn the_response_headers_are_moved_not_copied() {
        let code = lean_code(generated(TokenStream::new())).unwrap();
        assert!(!code.contains("ResponseValue::from_response("), "{code}");
        assert!(
            code.contains("200u16 => response_value(response).await,"),
            "{code}"
        );
        assert!(
            code.contains("Error::ErrorResponse(response_value(response).await?)"),
            "{code}"
        );
        assert_eq!(
            code.matches("async fn response_value<").count(),
            1,
            "{code}"
        );
        assert!(
            code.contains("std::mem::take(response.headers_mut())"),
            "{code}"
        );
    }

    #[test]
    fn string_path_parameters_are_encoded_without_strings() {
        let code = lean_code(generated(TokenStream::new())).unwrap();
        assert!(!code.contains("encode_path(&id"), "{code}");
        assert!(code.contains("PathSegment(id.as_str())"), "{code}");
        // Not a string newtype: left as progenitor wrote it (prettyplease breaks the line
        // inside `format!`).
        let compact: String = code.split_whitespace().collect();
        assert!(compact.contains("encode_path(&n.to_string())"), "{code}");
        assert_eq!(code.matches("struct PathSegment<").count(), 1, "{code}");
        assert!(code.contains("const PATH_SET"), "{code}");
    }

    fn lean_code(mut file: syn::File) -> Result<String, String> {
        lean(&mut file.items)?;
        Ok(prettyplease::unparse(&file))
    }

    #[test]
    fn the_api_version_header_and_its_map_are_gone() {
        let code = lean_code(generated(TokenStream::new())).unwrap();
        assert!(!code.contains("api-version"), "{code}");
        assert!(!code.contains("header_map"), "{code}");
        assert!(code.contains(".json(&body).build()?;"), "{code}");
        assert!(code.contains("self.pre(&mut request"), "{code}");
    }

    #[test]
    fn header_parameters_keep_the_map() {
        let param = quote! {
            header_map.append("x-request-id", value.to_string().try_into()?);
        };
        let code = lean_code(generated(param)).unwrap();
        assert!(!code.contains("api-version"), "{code}");
        assert!(code.contains(".headers(header_map)"), "{code}");
        assert!(code.contains("x-request-id"), "{code}");
    }

    #[test]
    fn an_unexpected_shape_is_an_error() {
        let file: syn::File = syn::parse_quote! {
            impl Client {
                pub async fn op(&self) -> Result<(), Error<()>> { Ok(()) }
            }
        };
        let err = lean_code(file).unwrap_err();
        assert!(err.contains("method `op`"), "{err}");
        let err = lean_code(syn::parse_quote!(
            struct Client;
        ))
        .unwrap_err();
        assert!(err.contains("no operation method"), "{err}");
    }
}
