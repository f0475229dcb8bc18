//! The memory of raised deadline alarms (`A`) of a pass against the log: each ticket's record
//! holds exactly the alarms its `DeadlineAlarm` events raised, and a ticket that raised none has
//! no record.

use super::Pass;
use super::describe::show;
use crate::domain::alarm::AlarmMemory;
use crate::domain::ticket::TicketId;
use crate::store::Result;
use crate::store::codec;
use crate::store::keys;
use std::collections::{BTreeMap, HashSet};

impl Pass<'_> {
    pub(super) fn check_alarm_memory(
        &mut self,
        expected: &BTreeMap<TicketId, AlarmMemory>,
        unknown: &HashSet<TicketId>,
    ) -> Result<()> {
        let mut seen = HashSet::new();
        let (start, end) = self.range.keys_of(keys::ALARM_MEMORY);
        for item in self.store.tree().range(start..end) {
            let (k, v) = item?;
            let Some(id) = keys::trailing_id(&k).filter(|_| k.len() == 9) else {
                self.problems.push(format!("malformed alarm memory key {}", show(&k)));
                continue;
            };
            seen.insert(id);
            if unknown.contains(&id) {
                continue;
            }
            let stored: AlarmMemory = match codec::decode(&v) {
                Ok(m) => m,
                Err(e) => {
                    self.problems.push(format!("the alarm memory of ticket #{id} is unreadable: {e}"));
                    continue;
                }
            };
            match expected.get(&id) {
                None => self.problems.push(format!(
                    "ticket #{id} has a memory of {} raised alarms, but its events raised none",
                    stored.fired.len()
                )),
                Some(want) if *want != stored => self.problems.push(format!(
                    "the alarm memory of ticket #{id} holds {} alarms, but its events raised {}",
                    stored.fired.len(),
                    want.fired.len()
                )),
                Some(_) => {}
            }
        }
        for (id, want) in expected.iter().filter(|(id, _)| !seen.contains(id)) {
            self.problems.push(format!(
                "ticket #{id} raised {} deadline alarms but has no alarm memory",
                want.fired.len()
            ));
        }
        Ok(())
    }
}
