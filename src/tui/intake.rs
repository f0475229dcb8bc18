//! The intake form (人工下单) for walk-ins, letters and phone calls. The required materials say
//! what is missing as the clerk types, a duplicate warning comes before saving, and the draft is
//! kept on disk as it is typed, so a dropped SSH session loses nothing.

use super::i18n::{Lang, Msg};
use super::input::Input;
use crate::domain::ticket::{Kind, NewTicket};
use crate::import::{IntakeFields, validate_intake};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The channels a clerk registers by hand.
pub const MANUAL_CHANNELS: &[&str] = &["walkin", "letter", "phone"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Channel,
    Kind,
    Received,
    Name,
    Phone,
    Address,
    Respondent,
    CreditCode,
    Premises,
    Town,
    Title,
    Facts,
    Request,
    Amount,
}

impl Slot {
    pub const ALL: [Slot; 14] = [
        Slot::Channel,
        Slot::Kind,
        Slot::Received,
        Slot::Name,
        Slot::Phone,
        Slot::Address,
        Slot::Respondent,
        Slot::CreditCode,
        Slot::Premises,
        Slot::Town,
        Slot::Title,
        Slot::Facts,
        Slot::Request,
        Slot::Amount,
    ];
    pub fn label(self) -> Msg {
        match self {
            Slot::Channel => Msg::Channel,
            Slot::Kind => Msg::Kind,
            Slot::Received => Msg::Received,
            Slot::Name => Msg::Complainant,
            Slot::Phone => Msg::Phone,
            Slot::Address => Msg::Address,
            Slot::Respondent => Msg::Respondent,
            Slot::CreditCode => Msg::CreditCode,
            Slot::Premises => Msg::Premises,
            Slot::Town => Msg::Town,
            Slot::Title => Msg::Title,
            Slot::Facts => Msg::Facts,
            Slot::Request => Msg::Request,
            Slot::Amount => Msg::Amount,
        }
    }
    /// Chosen with left and right rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(self, Slot::Channel | Slot::Kind)
    }
    /// The materials a complaint must have (Order 121: who, against whom, what and why).
    fn required(self) -> bool {
        matches!(
            self,
            Slot::Name | Slot::Phone | Slot::Respondent | Slot::Title | Slot::Facts | Slot::Request
        )
    }
}

/// What is kept on disk while typing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub channel: usize,
    pub kind: usize,
    pub values: Vec<(Slot, String)>,
}

pub struct IntakeForm {
    pub channel: usize,
    pub kind: usize,
    pub inputs: Vec<Input>,
    pub focus: usize,
    pub error: Option<String>,
    pub duplicates: Vec<crate::engine::matters::Duplicate>,
    pub restored: bool,
}

impl IntakeForm {
    pub fn new(now: Timestamp) -> IntakeForm {
        let mut inputs = vec![Input::default(); Slot::ALL.len()];
        inputs[2] = Input::with(&super::text::long_time(now));
        IntakeForm {
            channel: 0,
            kind: 0,
            inputs,
            focus: 3,
            error: None,
            duplicates: Vec::new(),
            restored: false,
        }
    }

    pub fn from_draft(d: &Draft, now: Timestamp) -> IntakeForm {
        let mut f = IntakeForm::new(now);
        f.channel = d.channel.min(MANUAL_CHANNELS.len() - 1);
        f.kind = d.kind.min(Kind::ALL.len() - 1);
        for (slot, v) in &d.values {
            if let Some(i) = Slot::ALL.iter().position(|s| s == slot) {
                f.inputs[i] = Input::with(v);
            }
        }
        f.restored = true;
        f
    }

    pub fn draft(&self) -> Draft {
        Draft {
            channel: self.channel,
            kind: self.kind,
            values: Slot::ALL
                .iter()
                .zip(&self.inputs)
                .filter(|(s, i)| !s.is_choice() && !i.text.trim().is_empty())
                .map(|(s, i)| (*s, i.text.clone()))
                .collect(),
        }
    }

    pub fn slot(&self) -> Slot {
        Slot::ALL[self.focus]
    }

    pub fn value(&self, slot: Slot) -> &str {
        let i = Slot::ALL.iter().position(|s| *s == slot).unwrap_or(0);
        self.inputs[i].text.trim()
    }

    pub fn cycle(&mut self, delta: isize) {
        match self.slot() {
            Slot::Channel => {
                self.channel =
                    (self.channel as isize + delta).rem_euclid(MANUAL_CHANNELS.len() as isize) as usize
            }
            Slot::Kind => {
                self.kind = (self.kind as isize + delta).rem_euclid(Kind::ALL.len() as isize) as usize
            }
            _ => {}
        }
    }

    /// Materials still missing, by label.
    pub fn missing(&self, lang: Lang) -> Vec<&'static str> {
        Slot::ALL
            .iter()
            .filter(|s| s.required() && self.value(**s).is_empty())
            .map(|s| s.label().text(lang))
            .collect()
    }

    /// The import field each typed slot fills.
    fn field(slot: Slot) -> Option<&'static str> {
        Some(match slot {
            Slot::Received => "received_at",
            Slot::Name => "complainant_name",
            Slot::Phone => "complainant_phone",
            Slot::Address => "complainant_address",
            Slot::Respondent => "respondent_name",
            Slot::CreditCode => "credit_code",
            Slot::Premises => "premises",
            Slot::Town => "town",
            Slot::Title => "title",
            Slot::Facts => "facts",
            Slot::Request => "request",
            Slot::Amount => "amount",
            Slot::Channel | Slot::Kind => return None,
        })
    }

    /// The ticket to register, or what must be fixed first: checked exactly as `import` and
    /// `ticket register` check a row (one code path). Missing materials do not stop a
    /// registration (they are flagged for the unit); an unreadable time or amount does.
    pub fn to_ticket(&self, now: Timestamp) -> Result<NewTicket, String> {
        let mut fields = IntakeFields::new();
        let kind = Kind::ALL[self.kind].code();
        let set = |f: &mut IntakeFields, name: &str, value: &str| {
            f.set(name, value).map(|_| ()).map_err(|e| format!("{name}: {e}"))
        };
        set(&mut fields, "kind", kind)?;
        for slot in Slot::ALL {
            if let Some(name) = Self::field(slot) {
                set(&mut fields, name, self.value(slot))?;
            }
        }
        // The engine numbers a hand-registered ticket; two walk-ins in one second are two.
        validate_intake(&fields, MANUAL_CHANNELS[self.channel], now).map_err(|r| r.problems.join("；"))
    }
}

/// Where drafts live: the user's own state directory, owner-only.
pub fn draft_path() -> Option<std::path::PathBuf> {
    let dirs = directories::ProjectDirs::from("cn", "rightsdesk", "rightsdesk")?;
    let base = dirs.state_dir().unwrap_or(dirs.data_local_dir());
    Some(base.join("intake-draft.json"))
}

pub fn save_draft(d: &Draft) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(path) = draft_path() else { return Ok(()) };
    if let Some(dir) = path.parent() {
        // A walk-in's name and phone: the clerk's eyes only.
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(&serde_json::to_vec(d).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    std::fs::rename(tmp, path)
}

pub fn load_draft() -> Option<Draft> {
    let text = std::fs::read(draft_path()?).ok()?;
    serde_json::from_slice(&text).ok()
}

pub fn delete_draft() {
    if let Some(p) = draft_path() {
        let _ = std::fs::remove_file(p);
    }
}
