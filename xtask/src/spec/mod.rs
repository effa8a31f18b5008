//! The spec tools: `spec check`, `spec diff` and `spec extract`, on a shared document model.

pub mod check;
pub mod diff;
pub mod doc;
pub mod extract;
