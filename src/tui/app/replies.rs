//! What the server's answers and pushed changes do to the console's state.

use super::*;

impl App {
    pub fn on_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Window { list, view, window } => {
                let before = self.list().selected;
                let target = match list {
                    ListId::Queue => &mut self.queue,
                    ListId::Overdue => &mut self.overdue,
                    ListId::Drill => &mut self.drill,
                };
                // An answer for the view as it was before the last key (the first window, when
                // a search was typed before it came): the answer for the view now is on its way,
                // and until it comes the list says it is loading, not what the old view held.
                if target.spec != view {
                    return;
                }
                target.on_window(window);
                if self.list().selected != before || self.preview.is_none() {
                    self.ask_preview();
                }
            }
            Reply::Counts(c) => self.counts = c,
            Reply::Detail { ticket, detail, revealed } => {
                if let Some(d) = &mut self.detail
                    && d.ticket == ticket
                {
                    d.detail = detail;
                    d.revealed = revealed;
                }
            }
            Reply::Preview(p) => {
                if p.as_ref().map(|p| TicketId(p.summary.id)) == self.list().selected {
                    self.preview = p;
                }
            }
            Reply::Executed { results, purpose } => self.on_executed(results, purpose),
            Reply::Suggest(ticket, s) => {
                let (config, lang) = (self.config.clone(), self.lang);
                if let Some(Popup::Dispatch(d)) = &mut self.popup
                    && d.tickets.first() == Some(&ticket)
                {
                    d.set_suggestions(s, &config, lang);
                }
            }
            Reply::Duplicates(dups) => match &mut self.popup {
                Some(Popup::Dispatch(d)) => d.duplicates = Some(dups),
                Some(Popup::Intake(f)) => f.duplicates = dups,
                _ => {}
            },
            Reply::Quarantine(q) => self.quarantine = q,
            Reply::Health(h) => {
                for c in h {
                    self.health.insert(c.channel.clone(), c);
                }
            }
            Reply::Failed(e) => self.warn(e),
            Reply::Notice(Notice::Change(_)) | Reply::Notice(Notice::Lagged(_)) => self.stale = true,
            Reply::Notice(Notice::Health(h)) => {
                self.health.insert(h.channel.clone(), h);
            }
            Reply::Notice(Notice::Presence(people)) => self.presence = people,
            Reply::You(person) => {
                // "@me" is whom the clerk works as: a chief's --as, else their login.
                let me = person.acting_as.clone().unwrap_or_else(|| person.login.clone());
                if me != self.me {
                    // Only what names the clerk is asked again: a window asked now could
                    // arrive after a search typed meanwhile and show the list unfiltered.
                    let old = std::mem::replace(&mut self.me, me.clone());
                    self.ask_counts();
                    if self.queue.spec.owner.as_deref() == Some(old.as_str()) {
                        let mut spec = self.queue.spec.clone();
                        spec.owner = Some(me);
                        let ask = self.queue.reset(spec);
                        self.ask(ask);
                    }
                }
                if let Some(before) = &self.you
                    && before.role != person.role
                {
                    self.say(format!("{} {}", Msg::RoleNow.text(self.lang), person.role));
                }
                self.you = Some(person);
            }
            Reply::Refused(reason) => {
                self.connected = false;
                self.refused = Some(reason);
            }
            Reply::Stats { query, figures } => self.stats.on_figures(query, figures),
            Reply::Connected(up) => {
                self.connected = up;
                if up {
                    self.refused = None;
                    self.say(Msg::Reconnected.text(self.lang));
                    self.stale = true;
                }
            }
        }
    }

    fn on_executed(&mut self, results: Vec<Result<crate::engine::Outcome, String>>, purpose: Purpose) {
        let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        match purpose {
            Purpose::Intake => match failed.first() {
                None => {
                    let id = results.iter().find_map(|r| r.as_ref().ok().and_then(|o| o.ticket()));
                    self.popup = None;
                    self.draft = None;
                    self.effects.push(Effect::DeleteDraft);
                    self.say(format!("{} #{}", Msg::Saved.text(self.lang), id.map_or(0, |i| i.0)));
                }
                Some(e) => {
                    let e = e.to_string();
                    if let Some(Popup::Intake(f)) = &mut self.popup {
                        f.error = Some(e);
                    }
                }
            },
            Purpose::Act { name, tickets } => {
                let label = crate::tui::i18n::lifecycle(&name, self.lang).to_string();
                if failed.is_empty() {
                    let ids: Vec<String> = tickets.iter().map(|t| format!("#{t}")).collect();
                    self.say(format!("{} {label}: {}", Msg::Saved.text(self.lang), ids.join(" ")));
                    if tickets.len() > 1 || matches!(name.as_str(), "dispatch") {
                        self.queue.marks.clear();
                        self.overdue.marks.clear();
                    }
                } else {
                    self.warn(format!(
                        "{} {label} ({}/{}): {}",
                        Msg::Refused.text(self.lang),
                        failed.len(),
                        results.len(),
                        failed[0]
                    ));
                }
            }
        }
        self.stale = true;
    }
}
