//! The server's socket: its frames (`wire`), the server side (`server`), the client side
//! (`client`), and the `Desk` that attaches to a running server or opens the store itself.

pub mod client;
pub mod desk;
pub mod server;
pub mod sessions;
pub mod wire;

pub use client::{Client, ClientError, Hello, Notice};
pub use desk::Desk;
