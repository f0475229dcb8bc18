//! Channel sync: adapter profiles, the mapping of channel payloads to tickets, the HTTP side
//! (authentication, result envelopes, TLS) and the sync and outbox workers.

mod auth;
pub mod body;
mod delivery;
pub mod envelope;
pub mod http;
pub mod mapping;
pub use crate::domain::channel_profile as profile;
pub mod tls;
pub mod worker;
