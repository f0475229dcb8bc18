//! A burst that only creates tickets (an import, a backfill) is decided and written at the same
//! time: the engine decides group n+1 on the calling thread while sled applies group n's batch
//! on another, so on two cores the two halves of the work overlap. It is safe for creating
//! commands only: a registration or backfill reads nothing from the store but the external ids
//! (the repeat check), and those of the groups decided before, written or not, are handed to
//! each decision. sled 0.34 holds every read while it applies a batch (its concurrency
//! control takes a write lock for `apply_batch`), so the next group's ids are looked up before
//! a batch is handed over, and the group is then decided from memory. Everything after a group whose write failed is reported not saved, and the
//! engine's numbers go back to where that group started, as if it had never been decided.

use super::batch::{self, Counters, GroupResult, KnownExternals};
use super::protocol::{Command, Envelope, Origin};
use super::{Engine, WRITE};
use crate::store::WriteSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel};

/// Worth it, and safe: more than one group, and every command creates a ticket.
pub(super) fn suits(groups: &[Vec<(Origin, Envelope)>]) -> bool {
    groups.len() > 1
        && groups
            .iter()
            .flatten()
            .all(|(_, envelope)| matches!(envelope.command, Command::Register(_) | Command::Backfill(_)))
}

/// One group as decided, in order.
struct Pending {
    commands: usize,
    started_at: Counters,
    decided: Decision,
}

enum Decision {
    /// Answers that need no write (repeats only).
    Unchanged(GroupResult),
    /// Answers true once the batch sent to the writer is applied.
    Sent(GroupResult),
    /// Reading the store failed while deciding: this group alone is not written, as when
    /// groups are written one after the other.
    Unreadable(String),
    /// Not decided: a write before it failed.
    Skipped,
}

/// Decides and writes `groups` in order, each group's batch applied while the next is
/// decided; per group its size and answers, or why it was not written.
pub(super) fn run(
    engine: &mut Engine,
    groups: Vec<Vec<(Origin, Envelope)>>,
) -> Vec<(usize, Result<GroupResult, String>)> {
    let store = engine.store.clone();
    // One batch waiting while one is applied: enough to keep both threads busy, and a bound on
    // the memory of decided batches.
    let (to_writer, batches) = sync_channel::<WriteSet>(1);
    let (report, reports) = channel::<Result<(), String>>();
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let failed = &failed;
        scope.spawn(move || {
            for set in batches {
                let written = store.apply(set, &WRITE).map_err(|e| e.to_string());
                let stop = written.is_err();
                if stop {
                    failed.store(true, Ordering::Release);
                }
                if report.send(written).is_err() || stop {
                    break;
                }
            }
        });
        let mut known = KnownExternals::default();
        let mut pending = Vec::with_capacity(groups.len());
        let mut groups = groups.into_iter().peekable();
        if let Some(first) = groups.peek() {
            look_up(engine, first, &mut known);
        }
        while let Some(group) = groups.next() {
            let commands = group.len();
            let started_at = engine.counters();
            if failed.load(Ordering::Acquire) {
                pending.push(Pending { commands, started_at, decided: Decision::Skipped });
                continue;
            }
            let decided = batch::decide_group(engine, group, Some(&known));
            let set = match decided {
                Err(e) => Err(e.to_string()),
                Ok(decided) => {
                    known.unwritten.extend(decided.externals);
                    engine.set_counters(decided.next);
                    Ok((decided.result, decided.set))
                }
            };
            // Before this group's batch goes to the writer, which holds every read while it
            // applies it: the next group is then decided meanwhile, from memory.
            known.looked_up.clear();
            if let Some(next) = groups.peek() {
                look_up(engine, next, &mut known);
            }
            let decided = match set {
                Err(why) => Decision::Unreadable(why),
                Ok((result, None)) => Decision::Unchanged(result),
                Ok((result, Some(set))) => {
                    // A writer gone has failed; its report says why.
                    let _ = to_writer.send(set);
                    Decision::Sent(result)
                }
            };
            pending.push(Pending { commands, started_at, decided });
        }
        drop(to_writer);
        let mut failure: Option<String> = None;
        let mut out = Vec::with_capacity(pending.len());
        for Pending { commands, started_at, decided } in pending {
            if let Some(why) = &failure {
                out.push((commands, Err(format!("an earlier group of this burst was not written: {why}"))));
                continue;
            }
            // Whether this group's write failed (not its reading): then nothing after it is.
            let (written, write_failed) = match decided {
                Decision::Unchanged(result) => (Ok(result), false),
                Decision::Unreadable(why) => (Err(why), false),
                Decision::Sent(result) => match reports.recv() {
                    Ok(Ok(())) => (Ok(result), false),
                    Ok(Err(why)) => (Err(why), true),
                    Err(_) => (Err("the store's writer stopped".to_string()), true),
                },
                Decision::Skipped => (Err("the store's writer stopped".to_string()), true),
            };
            if let (Err(why), true) = (&written, write_failed) {
                // Nothing from here on was written: the numbers start again where it did.
                engine.set_counters(started_at);
                failure = Some(why.clone());
            }
            out.push((commands, written));
        }
        out
    })
}

/// Looks up in the store the external id each command of `group` will ask about. One that
/// cannot be read is left out: the decision reads it again and reports the error.
fn look_up(engine: &Engine, group: &[(Origin, Envelope)], known: &mut KnownExternals) {
    for (_, envelope) in group {
        let intake = match &envelope.command {
            Command::Register(new) => &new.intake,
            Command::Backfill(snapshot) => &snapshot.intake,
            _ => continue,
        };
        let key = (intake.channel.clone(), intake.channel_ticket_id.trim().to_string());
        // A manual ticket without a number gets a new one when decided: nothing to look up.
        if key.1.is_empty() || known.unwritten.contains_key(&key) {
            continue;
        }
        if let Ok(found) = engine.store.external(&key.0, &key.1) {
            known.looked_up.insert(key, found);
        }
    }
}
