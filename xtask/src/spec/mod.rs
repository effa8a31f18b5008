//! The spec tools: `spec check`, `spec diff`, `spec extract`, `spec rules` and
//! `spec upstream`, on a shared document model.

pub mod bundle;
pub mod check;
pub mod diff;
pub mod doc;
pub mod extract;
pub mod swagger2;
pub mod upstream;
