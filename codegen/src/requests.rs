//! The generated operation methods, without the work this crate then undoes on every call.
//!
//! progenitor builds each request with an `api-version` header (the spec's `info.version`)
//! that Dintero does not document and the hooks used to remove again: building, merging and
//! removing it cost a `HeaderMap` allocation, a merge and a removal per call. This pass
//! drops it from the method bodies, so it is never built. The methods' signatures, their
//! requests otherwise and their results do not change.

use proc_macro2::TokenStream;
use syn::{Expr, ImplItem, Item, Pat, Stmt};

/// The header progenitor adds to every request.
const API_VERSION: &str = "api-version";

/// The generated code's name for the headers progenitor collects before the request.
const HEADER_MAP: &str = "header_map";

/// Removes the `api-version` header from every operation method of the generated `Client`,
/// and with it the header map when nothing else is left in it.
pub(crate) fn lean(items: &mut [Item]) -> Result<(), String> {
    let mut methods = 0;
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
            methods += 1;
        }
    }
    if methods == 0 {
        return Err("no operation method found in `impl Client`".into());
    }
    Ok(())
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
                .is_some_and(|arg| mentions(quote::quote!(#arg), name))
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
                    Ok(())
                }
                pub fn new(baseurl: &str) -> Self { todo!() }
            }
        }
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
        let param = quote::quote! {
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
