//! Statistics (统计分析): a period's volumes, breakdowns and handling KPIs, each against the
//! previous period and each able to list the tickets behind it. Pure: the facts of each ticket
//! are derived once (`facts`), kept in a `FactTable`, and every figure is a pass over them with
//! "now" given.
//!
//! Definitions (the README repeats them for readers of the reports):
//! - A ticket belongs to a period by its `received_at`, in China time; periods are whole days,
//!   both ends included, and each is compared with the period of the same length just before.
//! - The KPIs are defined in `kpi.rs`, on the deadline clocks the ticket records.

pub mod facts;
pub mod figures;
pub mod hot_words;
pub mod industry;
pub mod kpi;
pub mod merchants;
mod packed;
pub mod period;
pub mod record;
pub mod settings;
pub mod table;
pub mod tables;
pub mod warnings;
pub mod words;

pub use facts::{Rules, TicketFacts};
pub use figures::{Dimension, Scope, Selector, Statistics, compute, drill};
pub use kpi::{KpiPart, Kpis, Ratio};
pub use period::Period;
pub use table::FactTable;

#[cfg(test)]
mod merchant_tests;
#[cfg(test)]
mod tests;
