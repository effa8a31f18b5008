//! temp
use crate::generated::Client;
use progenitor_client::ClientHooks;
#[derive(Debug, Clone, Default)]
pub struct Inner;
impl ClientHooks<Inner> for Client {}
