//! The generated operation methods, without work that is thrown away on every call.
//!
//! - progenitor builds each request with an `api-version` header (the spec's
//!   `info.version`) that Dintero does not document and the hooks used to remove again:
//!   building, merging and removing it cost a `HeaderMap` allocation, a merge and a removal
//!   per call. This pass drops it from the method bodies, so it is never built.
//! - `ResponseValue::from_response` copies the response headers before it consumes the
//!   response; the methods call a generated `response_value` instead, which moves them out.
//!
//! The methods' signatures, their requests otherwise and their results do not change.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::quote;
use syn::{Expr, ImplItem, Item, Pat, Stmt};

/// The header progenitor adds to every request.
const API_VERSION: &str = "api-version";

/// The generated code's name for the headers progenitor collects before the request.
const HEADER_MAP: &str = "header_map";

/// The generated helper the methods call instead of `ResponseValue::from_response`.
const RESPONSE_VALUE: &str = "response_value";

/// Removes the `api-version` header from every operation method of the generated `Client`
/// (and with it the header map when nothing else is left in it), and lets the methods
/// move the response headers into their result instead of copying them.
pub(crate) fn lean(items: &mut Vec<Item>) -> Result<(), String> {
    let mut methods = 0;
    let mut moved = 0;
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
            moved += move_headers(&mut method.block)
                .map_err(|e| format!("method `{}`: {e}", method.sig.ident))?;
            methods += 1;
        }
    }
    if methods == 0 {
        return Err("no operation method found in `impl Client`".into());
    }
    if moved > 0 {
        items.push(response_value());
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

/// Replaces every `ResponseValue::from_response` in `block` with [`RESPONSE_VALUE`];
/// returns how many.
fn move_headers(block: &mut syn::Block) -> Result<usize, String> {
    let mut count = 0;
    let tokens = replace_from_response(quote!(#block), &mut count);
    *block = syn::parse2(tokens).map_err(|e| format!("does not parse after the rewrite: {e}"))?;
    Ok(count)
}

fn replace_from_response(tokens: TokenStream, count: &mut usize) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let [
            TokenTree::Ident(ty),
            TokenTree::Punct(c1),
            TokenTree::Punct(c2),
            TokenTree::Ident(f),
            ..,
        ] = &trees[i..]
            && ty == "ResponseValue"
            && c1.as_char() == ':'
            && c2.as_char() == ':'
            && f == "from_response"
        {
            out.push(TokenTree::Ident(Ident::new(RESPONSE_VALUE, f.span())));
            *count += 1;
            i += 4;
            continue;
        }
        out.push(match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), replace_from_response(g.stream(), count));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other.clone(),
        });
        i += 1;
    }
    out.into_iter().collect()
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
            impl Client {
                pub async fn op<'a>(&'a self, body: &'a types::Body) -> Result<(), Error<()>> {
                    let url = format!("{}/x", self.baseurl);
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
