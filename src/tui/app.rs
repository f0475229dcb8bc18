//! The console's state and what keys and answers do to it. Pure: no terminal, no socket — keys
//! and replies come in, `Effect`s (asks for the server, a copy, a redraw) go out, so every
//! screen can be driven in a test.

use super::action::{Action, Context};
use super::dispatch::{Dispatch, Part};
use super::forms::{self, Form};
use super::i18n::{Lang, Msg};
use super::input::{Edit, Input};
use super::intake::{self, IntakeForm};
use super::keymap::{Chord, Keymap, Resolved};
use super::link::{Ask, ListId, Purpose, Reply};
use super::list::TicketList;
use super::theme::Theme;
use super::views::SavedView;
use crate::config::Config;
use crate::domain::ticket::TicketId;
use crate::engine::matters::Probe;
use crate::engine::view::TicketDetail;
use crate::engine::window::{Counts, Sort, ViewSpec};
use crate::engine::{ChannelHealth, Command, Envelope};
use crate::remote::client::Notice;
use crate::store::outbox::QuarantineEntry;
use crate::time::Timestamp;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the console must do outside its state.
#[derive(Debug)]
pub enum Effect {
    Ask(Ask),
    /// Put text on the clipboard of the clerk's own terminal (OSC 52, works over SSH).
    Copy(String),
    /// Clear and redraw the whole screen.
    Clear,
    SaveDraft(intake::Draft),
    DeleteDraft,
}

/// A line in the sidebar.
#[derive(Clone, Debug, PartialEq)]
pub enum SideItem {
    View(usize),
    Channel(String),
    Quarantine,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    Table,
}

pub struct DetailView {
    pub ticket: TicketId,
    pub detail: Option<Box<TicketDetail>>,
    pub revealed: bool,
    pub scroll: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Queue,
    Overdue,
    Health,
}

pub enum Popup {
    Help { scroll: u16 },
    Palette { input: Input, cursor: usize },
    Dispatch(Box<Dispatch>),
    Actions { ticket: TicketId, offered: Vec<String>, cursor: usize },
    Form(Box<Form>),
    Confirm { question: String, envelopes: Vec<Envelope>, purpose: Purpose },
    Intake(Box<IntakeForm>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Level {
    Info,
    Error,
}

pub struct App {
    pub lang: Lang,
    pub theme: Theme,
    pub keymap: Keymap,
    pub config: Arc<Config>,
    pub me: String,
    pub now: Timestamp,
    pub views: Vec<SavedView>,
    pub side: Vec<SideItem>,
    pub side_cursor: usize,
    pub side_active: usize,
    pub focus: Focus,
    pub screen: Screen,
    pub queue: TicketList,
    pub overdue: TicketList,
    pub grouped: bool,
    pub detail: Option<DetailView>,
    pub popup: Option<Popup>,
    pub searching: Option<Input>,
    pub preview_on: bool,
    pub preview: Option<Box<TicketDetail>>,
    pub counts: Counts,
    pub health: BTreeMap<String, ChannelHealth>,
    pub quarantine: Vec<QuarantineEntry>,
    pub connected: bool,
    pub flash: Option<(String, Level)>,
    pub pending: Vec<Chord>,
    pub quit: bool,
    /// Changes arrived: the lists, counts and open ticket are asked again at the next tick.
    pub stale: bool,
    pub server: String,
    /// The intake draft as last kept on disk (the runner loads it at start).
    pub draft: Option<intake::Draft>,
    effects: Vec<Effect>,
}

impl App {
    pub fn new(
        config: Arc<Config>,
        keymap: Keymap,
        theme: Theme,
        lang: Lang,
        me: String,
        views: Vec<SavedView>,
        now: Timestamp,
    ) -> App {
        let mut side: Vec<SideItem> = (0..views.len()).map(SideItem::View).collect();
        side.extend(config.channels.all().map(|c| SideItem::Channel(c.id.clone())));
        side.push(SideItem::Quarantine);
        let first = views.first().map(|v| v.spec_for(&me)).unwrap_or_default();
        let overdue_spec = ViewSpec { at_risk: true, ..ViewSpec::default() };
        App {
            lang,
            theme,
            keymap,
            config,
            me,
            now,
            views,
            side,
            side_cursor: 0,
            side_active: 0,
            focus: Focus::Table,
            screen: Screen::Queue,
            queue: TicketList::new(ListId::Queue, first),
            overdue: TicketList::new(ListId::Overdue, overdue_spec),
            grouped: false,
            detail: None,
            popup: None,
            searching: None,
            preview_on: true,
            preview: None,
            counts: Counts::default(),
            health: BTreeMap::new(),
            quarantine: Vec::new(),
            connected: true,
            flash: None,
            pending: Vec::new(),
            quit: false,
            stale: false,
            server: String::new(),
            draft: None,
            effects: Vec::new(),
        }
    }

    /// What the console asks for when it starts.
    pub fn start(&mut self) -> Vec<Effect> {
        let ask = self.queue.ask();
        self.ask(ask);
        self.ask_counts();
        self.ask(Ask::Health);
        self.ask(Ask::Quarantine);
        self.take_effects()
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn ask(&mut self, ask: Ask) {
        self.effects.push(Effect::Ask(ask));
    }

    fn ask_counts(&mut self) {
        let specs: Vec<ViewSpec> = self.views.iter().map(|v| v.spec_for(&self.me)).collect();
        self.ask(Ask::Counts(specs));
    }

    fn say(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), Level::Info));
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), Level::Error));
    }

    pub fn list(&self) -> &TicketList {
        match self.screen {
            Screen::Overdue => &self.overdue,
            _ => &self.queue,
        }
    }

    fn list_mut(&mut self) -> &mut TicketList {
        match self.screen {
            Screen::Overdue => &mut self.overdue,
            _ => &mut self.queue,
        }
    }

    pub fn context(&self) -> Context {
        if self.popup.is_some() {
            Context::Panel
        } else if self.detail.is_some() {
            Context::Detail
        } else {
            Context::List
        }
    }

    /// The screen's list shows this many rows now (the renderer's layout says).
    pub fn set_list_height(&mut self, rows: usize) {
        for list in [&mut self.queue, &mut self.overdue] {
            if let Some(ask) = list.set_height(rows) {
                self.effects.push(Effect::Ask(ask));
            }
        }
    }

    /// A second passed: the clock moves, and changes that arrived are asked for once.
    pub fn tick(&mut self, now: Timestamp) -> bool {
        let minute_changed = now.millis() / 60_000 != self.now.millis() / 60_000;
        self.now = now;
        if self.stale {
            self.stale = false;
            self.refresh();
            return true;
        }
        if minute_changed {
            self.ask_counts();
        }
        minute_changed
    }

    fn refresh(&mut self) {
        let ask = self.list_mut().ask();
        self.ask(ask);
        self.ask_counts();
        if let Some(d) = &self.detail {
            let (ticket, reveal) = (d.ticket, d.revealed);
            self.ask(Ask::Detail { ticket, reveal });
        }
        self.ask_preview();
        if matches!(self.side.get(self.side_active), Some(SideItem::Quarantine)) {
            self.ask(Ask::Quarantine);
        }
    }

    fn ask_preview(&mut self) {
        if self.preview_on
            && self.detail.is_none()
            && let Some(id) = self.list().selected
        {
            if self.preview.as_ref().is_none_or(|p| p.summary.id != id.0) {
                self.preview = None;
            }
            self.ask(Ask::Preview(id));
        }
    }

    pub fn on_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Window { list, window } => {
                let before = self.list().selected;
                match list {
                    ListId::Queue => self.queue.on_window(window),
                    ListId::Overdue => self.overdue.on_window(window),
                }
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
            Reply::Connected(up) => {
                self.connected = up;
                if up {
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
                let label = super::i18n::lifecycle(&name, self.lang).to_string();
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

    /// Text pasted into the terminal: into the field being typed in, never run as keys.
    pub fn on_paste(&mut self, text: &str) {
        if let Some(input) = self.text_target() {
            input.insert(text);
            self.after_edit();
        }
    }

    fn text_target(&mut self) -> Option<&mut Input> {
        if let Some(s) = &mut self.searching {
            return Some(s);
        }
        match &mut self.popup {
            Some(Popup::Palette { input, .. }) => Some(input),
            Some(Popup::Dispatch(d)) => d.picker().map(|p| &mut p.filter),
            Some(Popup::Form(f)) => f.fields.get_mut(f.focus).filter(|x| x.is_text()).map(|x| &mut x.input),
            Some(Popup::Intake(f)) => {
                let slot = f.slot();
                (!slot.is_choice()).then(|| &mut f.inputs[f.focus])
            }
            _ => None,
        }
    }

    /// After the text of a field changed: searches narrow, pick lists filter, drafts are kept.
    fn after_edit(&mut self) {
        if let Some(s) = &self.searching {
            let text = s.text.clone();
            let mut spec = self.list().spec.clone();
            spec.search = Some(text).filter(|t| !t.trim().is_empty());
            let ask = self.list_mut().reset(spec);
            self.ask(ask);
            return;
        }
        match &mut self.popup {
            Some(Popup::Dispatch(d)) => {
                if let Some(p) = d.picker() {
                    p.refilter();
                }
            }
            Some(Popup::Palette { cursor, .. }) => *cursor = 0,
            Some(Popup::Intake(f)) => {
                let draft = f.draft();
                let probe = f.to_ticket(self.now).ok();
                self.draft = Some(draft.clone());
                self.effects.push(Effect::SaveDraft(draft));
                if let Some(t) = probe {
                    self.ask(Ask::Duplicates(Probe::Draft(Box::new(t))));
                }
            }
            _ => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        self.flash = None;
        // A confirmation takes y / n only.
        if let Some(Popup::Confirm { .. }) = &self.popup {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    if let Some(Popup::Confirm { envelopes, purpose, .. }) = self.popup.take() {
                        self.ask(Ask::Execute { envelopes, purpose });
                    }
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => self.popup = None,
                _ => {}
            }
            return;
        }
        if matches!(self.popup, Some(Popup::Intake(_)))
            && key.modifiers.contains(KeyModifiers::CONTROL)
            && key.code == KeyCode::Char('s')
        {
            return self.save_intake();
        }
        // Typing goes to the field; only keys that are not edits reach the keymap.
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let is_search = self.searching.is_some();
        if self.pending.is_empty()
            && let Some(input) = self.text_target()
        {
            match input.edit(&key) {
                Edit::Changed => {
                    self.after_edit();
                    return;
                }
                Edit::Moved => return,
                Edit::NotMine if plain_char => return,
                Edit::NotMine => {}
            }
            if is_search {
                match key.code {
                    KeyCode::Enter => {
                        self.searching = None;
                        return;
                    }
                    KeyCode::Esc => {
                        self.searching = None;
                        self.run(Action::ClearSearch);
                        return;
                    }
                    _ => {}
                }
            }
        }
        if self.popup_choice_key(&key) {
            return;
        }
        self.pending.push(Chord::of(&key));
        match self.keymap.resolve(self.context(), &self.pending) {
            Resolved::Pending => {}
            Resolved::Run(action) => {
                self.pending.clear();
                self.run(action);
            }
            Resolved::Unbound => self.pending.clear(),
        }
    }

    fn save_intake(&mut self) {
        let Some(Popup::Intake(f)) = &mut self.popup else { return };
        match f.to_ticket(self.now) {
            Ok(t) => {
                let envelopes =
                    vec![Envelope { actor: self.me.clone(), command: Command::Register(Box::new(t)) }];
                self.effects.push(Effect::Ask(Ask::Execute { envelopes, purpose: Purpose::Intake }));
            }
            Err(e) => f.error = Some(e),
        }
    }

    /// Left and right change a choice field; space toggles where it means that.
    fn popup_choice_key(&mut self, key: &KeyEvent) -> bool {
        let delta = match key.code {
            KeyCode::Left => -1,
            KeyCode::Right => 1,
            _ => return false,
        };
        match &mut self.popup {
            Some(Popup::Form(f)) => match f.fields.get_mut(f.focus) {
                Some(field) if !field.is_text() => field.cycle(delta),
                _ => return false,
            },
            Some(Popup::Intake(f)) if f.slot().is_choice() => f.cycle(delta),
            Some(Popup::Dispatch(d)) if d.part == Part::Kind => d.cycle_kind(delta),
            Some(Popup::Dispatch(d)) if d.part == Part::Sms => d.sms = !d.sms,
            _ => return false,
        }
        true
    }

    /// Runs one action of the vocabulary, wherever it came from (key, palette).
    pub fn run(&mut self, action: Action) {
        if self.popup.is_some() && self.run_in_popup(action) {
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
                } else if self.list().spec.search.is_some() {
                    self.run(Action::ClearSearch);
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
            // One key: the 催办 SMS goes out through the outbox from the template.
            Action::Remind => {
                self.act("remind", self.targets(), crate::domain::action::TicketAction::Remind { note: None })
            }
            Action::Confirm => {}
            a => {
                if let Some(name) = a.lifecycle() {
                    self.lifecycle(name);
                }
            }
        }
    }

    fn targets(&self) -> Vec<TicketId> {
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

    fn current_ticket(&self) -> Option<TicketId> {
        match &self.detail {
            Some(d) => Some(d.ticket),
            None if self.quarantine_shown() => None,
            None => self.list().selected,
        }
    }

    fn navigate(&mut self, action: Action) {
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
        if let Some(d) = &mut self.detail {
            // Never past the end: the last screenful stays in sight.
            let end = d.detail.as_deref().map_or(0, detail_lines).saturating_sub(10) as u16;
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

    fn switch_view(&mut self, delta: isize) {
        let n = self.side.len() as isize;
        let next = (self.side_active as isize + delta).rem_euclid(n) as usize;
        self.side_cursor = next;
        self.activate_side(next);
    }

    fn activate_side(&mut self, i: usize) {
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

    fn open(&mut self) {
        if self.focus == Focus::Sidebar {
            self.focus = Focus::Table;
            return;
        }
        if let Some(id) = self.current_ticket() {
            self.detail = Some(DetailView { ticket: id, detail: None, revealed: false, scroll: 0 });
            self.ask(Ask::Detail { ticket: id, reveal: false });
        }
    }

    fn open_dispatch(&mut self) {
        let tickets = self.targets();
        if tickets.is_empty() {
            return;
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

    fn open_actions(&mut self) {
        let Some(ticket) = self.current_ticket() else { return };
        let offered = match (&self.detail, &self.preview) {
            (Some(DetailView { detail: Some(d), .. }), _) => d.actions.clone(),
            (None, Some(p)) if p.summary.id == ticket.0 => p.actions.clone(),
            _ => Vec::new(),
        };
        self.popup = Some(Popup::Actions { ticket, offered, cursor: 0 });
    }

    /// A lifecycle action by name: its form, or straight to the engine when it takes nothing.
    fn lifecycle(&mut self, name: &str) {
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
            .or(self.preview.as_ref())
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
    fn act(&mut self, name: &str, tickets: Vec<TicketId>, action: crate::domain::action::TicketAction) {
        if tickets.is_empty() {
            return;
        }
        let envelopes: Vec<Envelope> = tickets
            .iter()
            .map(|t| Envelope {
                actor: self.me.clone(),
                command: Command::Act { ticket: *t, action: action.clone() },
            })
            .collect();
        let purpose = Purpose::Act { name: name.to_string(), tickets: tickets.clone() };
        let destructive = Action::ALL.iter().any(|a| a.destructive() && a.lifecycle() == Some(name));
        if destructive || tickets.len() > 1 {
            let ids: Vec<String> = tickets.iter().map(|t| format!("#{t}")).collect();
            let question = format!(
                "{} {}  {}",
                super::i18n::lifecycle(name, self.lang),
                ids.join(" "),
                Msg::ConfirmQuestion.text(self.lang)
            );
            self.popup = Some(Popup::Confirm { question, envelopes, purpose });
        } else {
            self.popup = None;
            self.ask(Ask::Execute { envelopes, purpose });
        }
    }

    /// Keys inside a popup; false when the popup leaves the action to the screen.
    fn run_in_popup(&mut self, action: Action) -> bool {
        let lang = self.lang;
        let config = self.config.clone();
        let Some(popup) = &mut self.popup else { return false };
        let step = |a: Action| match a {
            Action::MoveUp => -1,
            Action::MoveDown => 1,
            Action::PageUp => -10,
            Action::PageDown => 10,
            _ => 0,
        };
        match popup {
            Popup::Help { scroll } => match action {
                Action::MoveUp | Action::MoveDown | Action::PageUp | Action::PageDown => {
                    *scroll = (*scroll as isize + step(action)).max(0) as u16;
                    true
                }
                Action::Back | Action::Help | Action::Confirm => {
                    self.popup = None;
                    true
                }
                _ => false,
            },
            Popup::Palette { input, cursor } => match action {
                Action::MoveUp | Action::MoveDown => {
                    let n = palette_matches(&input.text, lang).len() as isize;
                    *cursor = (*cursor as isize + step(action)).clamp(0, (n - 1).max(0)) as usize;
                    true
                }
                Action::FocusNext => {
                    if let Some(a) = palette_matches(&input.text, lang).get(*cursor) {
                        *input = Input::with(a.name());
                    }
                    true
                }
                Action::Confirm => {
                    let chosen = palette_matches(&input.text, lang).get(*cursor).copied();
                    self.popup = None;
                    if let Some(a) = chosen {
                        self.run(a);
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Actions { offered, cursor, ticket } => match action {
                Action::MoveUp | Action::MoveDown => {
                    *cursor = (*cursor as isize + step(action)).clamp(0, (offered.len() as isize - 1).max(0))
                        as usize;
                    true
                }
                Action::Confirm => {
                    let name = offered.get(*cursor).cloned();
                    let ticket = *ticket;
                    self.popup = None;
                    if let Some(name) = name {
                        if self.detail.is_none() {
                            self.list_mut().marks.clear();
                            self.list_mut().selected = Some(ticket);
                        }
                        self.lifecycle(&name);
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Form(form) => match action {
                Action::MoveUp | Action::MoveDown | Action::FocusNext => {
                    let d = if action == Action::MoveUp { -1 } else { 1 };
                    form.focus = (form.focus as isize + d).rem_euclid(form.fields.len() as isize) as usize;
                    true
                }
                Action::Confirm => {
                    match form.build(&config, lang) {
                        Ok(a) => {
                            let (name, tickets) = (form.action.clone(), form.tickets.clone());
                            self.act(&name, tickets, a);
                        }
                        Err(e) => form.error = Some(e),
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Dispatch(d) => match action {
                Action::MoveUp | Action::MoveDown | Action::PageUp | Action::PageDown => {
                    let part = d.part;
                    match d.picker() {
                        Some(p) => p.move_by(step(action)),
                        None if part == Part::Sms => d.sms = !d.sms,
                        None => d.cycle_kind(step(action)),
                    }
                    true
                }
                Action::FocusNext => {
                    if let Some(p) = d.picker() {
                        p.choose();
                    }
                    d.part = d.part.next();
                    true
                }
                Action::Confirm => {
                    if d.part != Part::Unit && d.part != Part::Sms {
                        if let Some(p) = d.picker() {
                            p.choose();
                        }
                        d.part = d.part.next();
                        return true;
                    }
                    d.unit.choose();
                    match d.actions() {
                        Ok(pairs) => {
                            let tickets = d.tickets.clone();
                            let envelopes = pairs
                                .into_iter()
                                .map(|(ticket, action)| Envelope {
                                    actor: self.me.clone(),
                                    command: Command::Act { ticket, action },
                                })
                                .collect();
                            self.popup = None;
                            self.ask(Ask::Execute {
                                envelopes,
                                purpose: Purpose::Act { name: "dispatch".into(), tickets },
                            });
                        }
                        Err(_) => d.error = Some(Msg::Unit.text(lang).to_string()),
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Intake(f) => match action {
                Action::MoveUp | Action::MoveDown | Action::FocusNext => {
                    let d = if action == Action::MoveUp { -1 } else { 1 };
                    f.focus = (f.focus as isize + d).rem_euclid(f.inputs.len() as isize) as usize;
                    true
                }
                // Enter moves on; on the last field (or with Ctrl-S anywhere) it saves.
                Action::Confirm if f.focus + 1 < f.inputs.len() => {
                    f.focus += 1;
                    true
                }
                Action::Confirm => {
                    self.save_intake();
                    true
                }
                Action::Back => {
                    // The draft stays on disk: Esc is not a way to lose a walk-in's story.
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Confirm { .. } => true,
        }
    }
}

/// About how many lines the detail screen takes (long texts wrap at ~80 cells).
fn detail_lines(d: &TicketDetail) -> usize {
    let wrapped = |t: &Option<String>| t.as_deref().map_or(0, |t| super::text::width(t) / 80 + 1);
    24 + 2 * d.summary.clocks.len()
        + wrapped(&d.dispute.facts)
        + wrapped(&d.dispute.request)
        + wrapped(&d.workflow.result)
        + d.notes.len()
        + d.attachments.len()
        + d.timeline.iter().map(|e| super::text::width(&e.detail) / 80 + 1).sum::<usize>()
}

/// The palette's actions for what was typed: by name or label, fuzzy.
pub fn palette_matches(text: &str, lang: Lang) -> Vec<Action> {
    use fuzzy_matcher::FuzzyMatcher;
    let m = fuzzy_matcher::skim::SkimMatcherV2::default();
    let mut scored: Vec<(i64, Action)> = Action::ALL
        .iter()
        .filter_map(|a| {
            let hay = format!("{} {}", a.name(), a.label(lang));
            if text.trim().is_empty() {
                Some((0, *a))
            } else {
                m.fuzzy_match(&hay, text.trim()).map(|s| (s, *a))
            }
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, a)| a).collect()
}
