//! rightsdesk: the consumer-rights console of a district market-regulation bureau.
//!
//! `domain` is pure (no IO, time as a parameter); `store` is the sled layout; `engine` is the
//! one writer; `import`, `config` and `cli` are edges.

pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod generate;
pub mod import;
pub mod store;
pub mod time;
