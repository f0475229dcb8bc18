//! What each action of the vocabulary does to the console: navigation, views, opening a
//! ticket, the dispatch panel, lifecycle actions and their forms.

use super::*;

impl App {
    /// Runs one action of the vocabulary, wherever it came from (key, palette).
    pub fn run(&mut self, action: Action) {
        if self.popup.is_some() && self.run_in_popup(action) {
            return;
        }
        if self.popup.is_none()
            && self.detail.is_none()
            && self.screen == Screen::Stats
            && self.run_on_stats(action)
        {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Palette => self.popup = Some(Popup::Palette { input: Input::default(), cursor: 0 }),
            Action::Redraw => self.effects.push(Effect::Clear),
            Action::Language => self.lang = self.lang.other(),
            Action::Back => {
                if self.popup.take().is_some() {
                } else if self.detail.take().is_some() {
                    self.ask_preview();
                } else if self.screen == Screen::Stats {
                    self.screen = Screen::Queue;
                    self.ask_preview();
                } else if self.list().spec.search.is_some() {
                    self.run(Action::ClearSearch);
                } else if self.screen == Screen::StatsTickets {
                    // Back to the figures, the cursor on the one opened.
                    self.screen = Screen::Stats;
                } else if self.screen != Screen::Queue {
                    self.screen = Screen::Queue;
                    self.ask_preview();
                } else if !self.list().marks.is_empty() {
                    self.run(Action::ClearMarks);
                }
            }
            Action::MoveUp
            | Action::MoveDown
            | Action::PageUp
            | Action::PageDown
            | Action::GoTop
            | Action::GoBottom => self.navigate(action),
            Action::FocusNext => {
                self.focus = if self.focus == Focus::Table { Focus::Sidebar } else { Focus::Table };
                self.side_cursor = self.side_active;
            }
            Action::NextView => self.switch_view(1),
            Action::PrevView => self.switch_view(-1),
            Action::Search => {
                let text = self.list().spec.search.clone().unwrap_or_default();
                self.searching = Some(Input::with(&text));
            }
            Action::ClearSearch => {
                let mut spec = self.list().spec.clone();
                spec.search = None;
                let ask = self.list_mut().reset(spec);
                self.ask(ask);
            }
            Action::Open => self.open(),
            Action::TogglePreview => {
                self.preview_on = !self.preview_on;
                self.ask_preview();
            }
            Action::SortNext | Action::SortReverse => {
                let mut spec = self.list().spec.clone();
                if action == Action::SortNext {
                    let i = Sort::ALL.iter().position(|s| *s == spec.sort).unwrap_or(0);
                    spec.sort = Sort::ALL[(i + 1) % Sort::ALL.len()];
                } else {
                    spec.descending = !spec.descending;
                }
                let ask = self.list_mut().reset(spec);
                self.ask(ask);
            }
            Action::Mark => {
                self.list_mut().toggle_mark();
                self.navigate(Action::MoveDown);
            }
            Action::MarkRange => self.list_mut().toggle_range(),
            Action::ClearMarks => {
                let l = self.list_mut();
                l.marks.clear();
                l.range_from = None;
            }
            Action::AssignToMe => {
                let me = self.me.clone();
                self.act(
                    "assign",
                    self.targets(),
                    crate::domain::action::TicketAction::Assign { owner: Some(me) },
                )
            }
            Action::Dispatch => self.open_dispatch(),
            Action::Actions => self.open_actions(),
            Action::Overdue => {
                self.screen = Screen::Overdue;
                self.detail = None;
                let ask = self.overdue.ask();
                self.ask(ask);
            }
            Action::GroupByUnit => {
                self.grouped = !self.grouped;
                let spec = ViewSpec {
                    at_risk: true,
                    sort: if self.grouped { Sort::Unit } else { Sort::Deadline },
                    ..ViewSpec::default()
                };
                self.screen = Screen::Overdue;
                let ask = self.overdue.reset(spec);
                self.ask(ask);
            }
            Action::Health => {
                self.screen = if self.screen == Screen::Health { Screen::Queue } else { Screen::Health };
                self.ask(Ask::Health);
            }
            Action::Intake => {
                let form = match &self.draft {
                    Some(d) if !d.values.is_empty() => IntakeForm::from_draft(d, self.now),
                    _ => IntakeForm::new(self.now),
                };
                if form.restored {
                    self.say(Msg::DraftRestored.text(self.lang));
                }
                self.popup = Some(Popup::Intake(Box::new(form)));
            }
            Action::CopyNumber => {
                if let Some(id) = self.current_ticket() {
                    self.effects.push(Effect::Copy(id.0.to_string()));
                    self.say(format!("{} #{id}", Msg::Copied.text(self.lang)));
                }
            }
            Action::Reveal => {
                if let Some(d) = &self.detail {
                    let (ticket, reveal) = (d.ticket, !d.revealed);
                    if reveal {
                        // On the record before it is on the screen.
                        let action = crate::domain::action::TicketAction::Reveal;
                        let envelopes = vec![Envelope {
                            actor: self.me.clone(),
                            command: Command::Act { ticket, action },
                        }];
                        let purpose = Purpose::Act { name: "reveal".into(), tickets: vec![ticket] };
                        self.ask(Ask::Execute { envelopes, purpose });
                    }
                    self.ask(Ask::Detail { ticket, reveal });
                }
            }
            Action::WatchMerchant => self.open_watch(),
            // One key: the 催办 SMS goes out through the outbox from the template.
            Action::Remind => {
                self.act("remind", self.targets(), crate::domain::action::TicketAction::Remind { note: None })
            }
            Action::Stats | Action::StatsPeriod | Action::StatsRange | Action::StatsScope => {
                self.run_stats_action(action)
            }
            Action::Confirm => {}
            a => {
                if let Some(name) = a.lifecycle() {
                    self.lifecycle(name);
                }
            }
        }
    }

    pub(super) fn targets(&self) -> Vec<TicketId> {
        match &self.detail {
            Some(d) => vec![d.ticket],
            // The quarantine holds payloads, not tickets: nothing to act on.
            None if self.quarantine_shown() => Vec::new(),
            None => self.list().targets(),
        }
    }

    pub fn quarantine_shown(&self) -> bool {
        self.screen == Screen::Queue && matches!(self.side.get(self.side_active), Some(SideItem::Quarantine))
    }

    pub(super) fn current_ticket(&self) -> Option<TicketId> {
        match &self.detail {
            Some(d) => Some(d.ticket),
            None if self.quarantine_shown() => None,
            None => self.list().selected,
        }
    }

    pub(super) fn navigate(&mut self, action: Action) {
        if self.focus == Focus::Sidebar && self.detail.is_none() {
            let n = self.side.len() as isize;
            let step = match action {
                Action::MoveUp => -1,
                Action::MoveDown => 1,
                Action::PageUp => -10,
                Action::PageDown => 10,
                Action::GoTop => -n,
                _ => n,
            };
            self.side_cursor = (self.side_cursor as isize + step).clamp(0, n - 1) as usize;
            self.activate_side(self.side_cursor);
            return;
        }
        if let Some(view) = &self.detail {
            // Never past the end: the last line at the bottom of the pane, counted as drawn.
            let (width, height) = self.detail_pane;
            let lines = view
                .detail
                .as_deref()
                .map_or(0, |d| crate::tui::ui::detail::detail_lines(self, view, d, width).len());
            let end = u16::try_from(lines.saturating_sub(height as usize)).unwrap_or(u16::MAX);
            let Some(d) = &mut self.detail else { return };
            d.scroll = match action {
                Action::MoveUp => d.scroll.saturating_sub(1),
                Action::MoveDown => d.scroll.saturating_add(1),
                Action::PageUp => d.scroll.saturating_sub(10),
                Action::PageDown => d.scroll.saturating_add(10),
                Action::GoTop => 0,
                _ => end,
            }
            .min(end);
            return;
        }
        let list = self.list_mut();
        let h = list.height.max(1) as isize;
        let ask = match action {
            Action::MoveUp => list.move_by(-1),
            Action::MoveDown => list.move_by(1),
            Action::PageUp => list.move_by(-h),
            Action::PageDown => list.move_by(h),
            Action::GoTop => list.move_to(0),
            _ => list.move_to(isize::MAX / 2),
        };
        if let Some(ask) = ask {
            self.ask(ask);
        }
        self.ask_preview();
    }

    pub(super) fn switch_view(&mut self, delta: isize) {
        let n = self.side.len() as isize;
        let next = (self.side_active as isize + delta).rem_euclid(n) as usize;
        self.side_cursor = next;
        self.activate_side(next);
    }

    pub(super) fn activate_side(&mut self, i: usize) {
        self.side_active = i;
        self.screen = Screen::Queue;
        self.detail = None;
        let spec = match self.side.get(i).cloned() {
            Some(SideItem::View(v)) => self.views[v].spec_for(&self.me),
            Some(SideItem::Channel(c)) => ViewSpec { channel: Some(c), ..ViewSpec::default() },
            Some(SideItem::Quarantine) | None => {
                self.ask(Ask::Quarantine);
                return;
            }
        };
        let ask = self.queue.reset(spec);
        self.ask(ask);
    }

    pub(super) fn open(&mut self) {
        if self.focus == Focus::Sidebar {
            self.focus = Focus::Table;
            return;
        }
        if let Some(id) = self.current_ticket() {
            self.detail = Some(DetailView { ticket: id, detail: None, revealed: false, scroll: 0 });
            self.ask(Ask::Detail { ticket: id, reveal: false });
        }
    }

    pub(super) fn open_dispatch(&mut self) {
        let tickets = self.targets();
        if tickets.is_empty() {
            return;
        }
        // The panel triages, then dispatches: for one ticket past triage, say so now rather
        // than after the clerk has filled it in.
        if let [ticket] = tickets[..]
            && let Some((status, offered)) = self.offered_now(ticket)
            && !offered.iter().any(|a| a == "triage" || a == "dispatch")
        {
            // The key of the live keymap (or the palette's name where none is bound).
            let key = self
                .keymap
                .key_for(self.context(), Action::Actions)
                .unwrap_or_else(|| format!(":{}", Action::Actions.name()));
            let text = Msg::NotDispatchable
                .text(self.lang)
                .replace("{id}", &ticket.to_string())
                .replace("{status}", &crate::tui::i18n::status(status, self.lang))
                .replace("{key}", &key);
            return self.warn(text);
        }
        let first = match &self.detail {
            Some(d) => d.detail.as_ref().map(|d| d.summary.clone()),
            None => self.list().current().cloned(),
        };
        self.popup =
            Some(Popup::Dispatch(Box::new(Dispatch::new(tickets.clone(), first, &self.config, self.lang))));
        self.ask(Ask::Suggest(tickets[0]));
        self.ask(Ask::Duplicates(Probe::Ticket(tickets[0])));
    }

    pub(super) fn open_actions(&mut self) {
        let Some(ticket) = self.current_ticket() else { return };
        let offered = self.offered_now(ticket).map(|(_, offered)| offered.to_vec()).unwrap_or_default();
        self.popup = Some(Popup::Actions { ticket, offered, cursor: 0 });
    }

    /// The status of `ticket` and the actions its state offers, as its detail or its preview
    /// on screen last showed them; `None` while neither has arrived.
    fn offered_now(&self, ticket: TicketId) -> Option<(&str, &[String])> {
        let shown = match (&self.detail, &self.preview) {
            (Some(DetailView { detail: Some(d), .. }), _) => d,
            (None, Some(p)) if p.summary.id == ticket.0 => p,
            _ => return None,
        };
        Some((&shown.summary.status, &shown.actions))
    }

    /// A lifecycle action by name: its form, or straight to the engine when it takes nothing.
    pub(super) fn lifecycle(&mut self, name: &str) {
        let tickets = self.targets();
        if tickets.is_empty() {
            return;
        }
        if name == "dispatch" || name == "triage" {
            return self.open_dispatch();
        }
        let clocks: Vec<(String, String)> = self
            .detail
            .as_ref()
            .and_then(|d| d.detail.as_ref())
            .or(self.preview.as_ref().filter(|p| Some(TicketId(p.summary.id)) == tickets.first().copied()))
            .map(|d| d.bases.iter().map(|b| (b.rule.clone(), b.name.clone())).collect())
            .unwrap_or_default();
        match forms::form_for(name, tickets.clone(), &clocks, self.lang) {
            Some(form) => self.popup = Some(Popup::Form(Box::new(form))),
            None => match forms::bare_action(name) {
                Some(action) => self.act(name, tickets, action),
                None => self.warn(format!("{name}?")),
            },
        }
    }

    /// Sends one action for every target; a destructive one asks first.
    pub(super) fn act(
        &mut self,
        name: &str,
        tickets: Vec<TicketId>,
        action: crate::domain::action::TicketAction,
    ) {
        if tickets.is_empty() {
            return;
        }
        let envelopes: Vec<Envelope> = tickets
            .iter()
            .map(|t| Envelope { actor: self.me.clone(), command: self.command(*t, action.clone()) })
            .collect();
        let purpose = Purpose::Act { name: name.to_string(), tickets: tickets.clone() };
        let destructive = Action::ALL.iter().any(|a| a.destructive() && a.lifecycle() == Some(name));
        if destructive || tickets.len() > 1 {
            let ids: Vec<String> = tickets.iter().map(|t| format!("#{t}")).collect();
            let question = format!(
                "{} {}  {}",
                crate::tui::i18n::lifecycle(name, self.lang),
                ids.join(" "),
                Msg::ConfirmQuestion.text(self.lang)
            );
            self.popup = Some(Popup::Confirm { question, envelopes, purpose });
        } else {
            self.popup = None;
            self.ask(Ask::Execute { envelopes, purpose });
        }
    }

    /// The merchant of the ticket on screen (its detail or its preview): its credit code when
    /// valid, else its name, and the name it goes by.
    fn merchant_on_screen(
        &self,
        ticket: TicketId,
    ) -> Option<(crate::domain::watch::WatchTarget, Option<String>)> {
        use crate::domain::credit_code::{CreditCodeCheck, check};
        use crate::domain::watch::WatchTarget;
        let detail = match (&self.detail, &self.preview) {
            (Some(DetailView { detail: Some(d), .. }), _) => Some(d.as_ref()),
            (None, Some(p)) if p.summary.id == ticket.0 => Some(p.as_ref()),
            _ => None,
        }?;
        let r = &detail.respondent;
        let name = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        match r.credit_code.as_deref() {
            Some(code) if check(code) == CreditCodeCheck::Valid => {
                Some((WatchTarget::CreditCode(code.to_string()), name))
            }
            _ => name.map(|n| (WatchTarget::Name(n), None)),
        }
    }

    /// "Watch this merchant": the reason's form, for the merchant of the ticket on screen.
    pub(super) fn open_watch(&mut self) {
        let Some(ticket) = self.current_ticket() else { return };
        if self.merchant_on_screen(ticket).is_none() {
            return self.warn(Msg::NoMerchant.text(self.lang));
        }
        if let Some(form) = forms::form_for("watch_merchant", vec![ticket], &[], self.lang) {
            self.popup = Some(Popup::Form(Box::new(form)));
        }
    }

    /// Sends the watch of the merchant of `tickets[0]`, with `reason`.
    pub(super) fn send_watch(&mut self, tickets: Vec<TicketId>, reason: String) {
        let Some(ticket) = tickets.first().copied() else { return };
        let Some((merchant, name)) = self.merchant_on_screen(ticket) else {
            return self.warn(Msg::NoMerchant.text(self.lang));
        };
        let command = Command::WatchMerchant { merchant, name, reason };
        let envelopes = vec![Envelope { actor: self.me.clone(), command }];
        let purpose = Purpose::Act { name: "watch_merchant".into(), tickets };
        self.popup = None;
        self.ask(Ask::Execute { envelopes, purpose });
    }
}
