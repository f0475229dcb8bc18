//! The statistics' facts kept between runs (see `stats::record`): the derived tree `facts` (its
//! layout in `store::derived`), its names those of the facts' interner.

pub use super::derived::{
    BLOCK_TICKETS, DerivedTree as FactTree, Stamp as FactStamp, block_of, records_in, tickets_of_blocks,
};
use super::{Result, Store};

const TREE: &str = "facts";

impl Store {
    /// The statistics' fact cache of this store.
    pub fn fact_tree(&self) -> Result<FactTree> {
        self.derived_tree(TREE)
    }
}
