//! The console's state and what keys and answers do to it. Pure: no terminal, no socket — keys
//! and replies come in, `Effect`s (asks for the server, a copy, a redraw) go out, so every
//! screen can be driven in a test.

use super::action::{Action, Context};
use super::dispatch::Dispatch;
use super::forms::{self, Form};
use super::i18n::{Lang, Msg};
use super::input::{Edit, Input};
use super::intake::{self, IntakeForm};
use super::keymap::{Chord, Keymap, Resolved};
use super::link::{Ask, ListId, Purpose, Reply};
use super::list::TicketList;
use super::stats::StatsScreen;
use super::theme::Theme;
use super::views::SavedView;

mod actions;
mod panels;
mod replies;
mod stats;
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
pub use panels::palette_matches;
pub use stats::RangeForm;
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
    /// The statistics screen.
    Stats,
    /// The tickets behind one figure of the statistics screen.
    StatsTickets,
}

pub enum Popup {
    Help {
        scroll: u16,
    },
    Palette {
        input: Input,
        cursor: usize,
    },
    Dispatch(Box<Dispatch>),
    Actions {
        ticket: TicketId,
        offered: Vec<String>,
        cursor: usize,
    },
    Form(Box<Form>),
    Confirm {
        question: String,
        envelopes: Vec<Envelope>,
        purpose: Purpose,
    },
    Intake(Box<IntakeForm>),
    /// The statistics screen's custom period.
    StatsRange(Box<RangeForm>),
    /// The statistics screen's unit or town.
    StatsScope(Box<super::picker::Picker>),
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
    /// The size of the detail's pane inside its border, from the last layout (`ui::fit`).
    detail_pane: (u16, u16),
    pub popup: Option<Popup>,
    pub searching: Option<Input>,
    pub preview_on: bool,
    pub preview: Option<Box<TicketDetail>>,
    pub counts: Counts,
    pub health: BTreeMap<String, ChannelHealth>,
    pub quarantine: Vec<QuarantineEntry>,
    pub connected: bool,
    /// Why the server will not admit this console, while it does not.
    pub refused: Option<String>,
    pub flash: Option<(String, Level)>,
    pub pending: Vec<Chord>,
    pub quit: bool,
    /// Changes arrived: the lists, counts and open ticket are asked again at the next tick.
    pub stale: bool,
    pub server: String,
    /// The intake draft as last kept on disk (the runner loads it at start).
    pub draft: Option<intake::Draft>,
    /// Who the server takes this console's user to be (None: not attached yet).
    pub you: Option<crate::domain::role::Person>,
    /// The consoles attached and the ticket each has open.
    pub presence: Vec<crate::remote::sessions::Attached>,
    /// The ticket last told to the server as open here.
    told_viewing: Option<TicketId>,
    /// The store's sequence number of what the clerk saw when they began the action now
    /// being sent (the key that opened its form): a colleague's change after it is a conflict.
    decided_on: u64,
    effects: Vec<Effect>,
    /// The statistics screen, and the tickets behind the figure last opened from it.
    pub stats: StatsScreen,
    pub drill: TicketList,
    pub drill_title: String,
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
            detail_pane: (0, 0),
            popup: None,
            searching: None,
            preview_on: true,
            preview: None,
            counts: Counts::default(),
            health: BTreeMap::new(),
            quarantine: Vec::new(),
            connected: true,
            refused: None,
            flash: None,
            pending: Vec::new(),
            quit: false,
            stale: false,
            server: String::new(),
            draft: None,
            you: None,
            presence: Vec::new(),
            told_viewing: None,
            decided_on: 0,
            effects: Vec::new(),
            stats: StatsScreen::default(),
            drill: TicketList::new(ListId::Drill, ViewSpec::default()),
            drill_title: String::new(),
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
            Screen::StatsTickets => &self.drill,
            _ => &self.queue,
        }
    }

    fn list_mut(&mut self) -> &mut TicketList {
        match self.screen {
            Screen::Overdue => &mut self.overdue,
            Screen::StatsTickets => &mut self.drill,
            _ => &mut self.queue,
        }
    }

    pub fn context(&self) -> Context {
        if self.popup.is_some() {
            Context::Panel
        } else if self.detail.is_some() {
            Context::Detail
        } else if self.screen == Screen::Stats {
            Context::Stats
        } else {
            Context::List
        }
    }

    /// The screen's list shows this many rows now (the renderer's layout says).
    /// The size of the pane the open ticket's detail is drawn in (inside its border).
    pub fn set_detail_pane(&mut self, width: u16, height: u16) {
        self.detail_pane = (width, height);
    }

    pub fn set_list_height(&mut self, rows: usize) {
        for list in [&mut self.queue, &mut self.overdue, &mut self.drill] {
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
        // The figures on screen follow the store; the old ones stay shown while they come.
        if self.screen == Screen::Stats && self.detail.is_none() {
            self.ask_stats();
        }
    }

    fn ask_preview(&mut self) {
        if !self.preview_on || self.detail.is_some() {
            return;
        }
        match self.list().selected {
            // The previous ticket stays in the pane until this one arrives (a millisecond or
            // two): blanking it would redraw the whole pane twice for every step down.
            Some(id) => self.ask(Ask::Preview(id)),
            None => self.preview = None,
        }
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
            Some(Popup::StatsRange(f)) => Some(if f.focus == 0 { &mut f.from } else { &mut f.to }),
            Some(Popup::StatsScope(p)) => Some(&mut p.filter),
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
            Some(Popup::StatsScope(p)) => p.refilter(),
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
        // A key outside any form is where a decision starts: what the screen shows now is
        // what the clerk decides on.
        if self.popup.is_none() {
            self.decided_on = self.shown_seq();
        }
        self.on_key_inner(key);
        let viewing = self.detail.as_ref().map(|d| d.ticket);
        if viewing != self.told_viewing {
            self.told_viewing = viewing;
            self.ask(Ask::Viewing(viewing));
        }
    }

    /// The newest store sequence number the screen reflects: the list's window, or the open
    /// ticket's last event.
    fn shown_seq(&self) -> u64 {
        let list = self.list().window.seq;
        let detail = self
            .detail
            .as_ref()
            .and_then(|d| d.detail.as_ref())
            .and_then(|d| d.timeline.last())
            .map_or(0, |e| e.seq);
        list.max(detail)
    }

    /// A lifecycle action as sent from this console: guarded by what the clerk saw.
    fn command(&self, ticket: TicketId, action: crate::domain::action::TicketAction) -> Command {
        match self.decided_on {
            0 => Command::Act { ticket, action },
            seen => Command::Guarded { ticket, action, seen },
        }
    }

    /// Whether the user's role allows `action` at all (the hints offer only those; the engine
    /// refuses the rest anyway).
    pub fn offers(&self, action: super::action::Action) -> bool {
        use super::action::Action as A;
        let Some(you) = &self.you else { return true };
        let name = match action {
            A::Dispatch => "dispatch",
            A::AssignToMe => "assign",
            A::Intake => "register",
            A::Reveal => "reveal",
            A::WatchMerchant => "watch_merchant",
            A::Remind => "remind",
            // The engine gives the statistics to the bureau's roles, not to a unit's staff.
            A::Stats | A::StatsPeriod | A::StatsRange | A::StatsScope => {
                return !matches!(you.role, crate::domain::role::Role::Unit(_));
            }
            other => match other.lifecycle() {
                Some(name) => name,
                None => return true,
            },
        };
        crate::domain::role::may_ever(&you.role, name)
    }

    /// Other people with `ticket` open on their consoles, by name.
    pub fn also_viewing(&self, ticket: TicketId) -> Vec<String> {
        let me = self.you.as_ref().map(|p| p.login.as_str());
        self.presence
            .iter()
            .filter(|a| a.viewing == Some(ticket) && Some(a.login.as_str()) != me)
            .map(|a| format!("{} ({})", a.name, a.login))
            .collect()
    }

    fn on_key_inner(&mut self, key: KeyEvent) {
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
}
