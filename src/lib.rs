//! dintero-client
pub mod generated;
pub mod hooks;
pub use generated::types;
