//! Every ticket's facts, by ticket number: what a server keeps in memory and brings up to date
//! from the event log, so that statistics never scan the store.

use super::facts::{Interner, Rules, Sym, TicketFacts};
use crate::domain::ticket::{Ticket, TicketId};
use crate::time::Timestamp;

#[derive(Clone, Debug, Default)]
pub struct FactTable {
    pub names: Interner,
    /// Indexed by ticket number (numbers are dense, from 1).
    facts: Vec<Option<TicketFacts>>,
    len: usize,
}

impl FactTable {
    pub fn new() -> FactTable {
        FactTable::default()
    }

    /// Puts (or replaces) the facts of one ticket.
    pub fn put(&mut self, t: &Ticket, rules: Rules, now: Timestamp) {
        let facts = TicketFacts::of(t, rules, &mut self.names, now);
        let Ok(at) = usize::try_from(t.id.0) else { return };
        if at >= self.facts.len() {
            self.facts.resize(at + 1, None);
        }
        if self.facts[at].is_none() {
            self.len += 1;
        }
        self.facts[at] = Some(facts);
    }

    pub fn get(&self, id: TicketId) -> Option<&TicketFacts> {
        usize::try_from(id.0).ok().and_then(|i| self.facts.get(i)).and_then(Option::as_ref)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every ticket's facts, by number.
    pub fn iter(&self) -> impl Iterator<Item = &TicketFacts> {
        self.facts.iter().flatten()
    }

    pub fn sym(&self, name: &str) -> Option<Sym> {
        self.names.get(name)
    }

    pub fn name(&self, sym: Sym) -> &str {
        self.names.name(sym)
    }
}
