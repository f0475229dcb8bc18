//! A new ticket as a channel sends it: the kind drawn, the matter written (see `matter`), then the
//! intake filled in for the channel, with the gaps and typos real intake has. Keeps the truth
//! behind the ticket, which its history (see `history`) plays out.

use super::Generator;
use super::by_channel::is_hotline;
use super::merchants::CODE_ALPHABET;
use crate::domain::ticket::{Attachment, Fen, Kind, NewTicket};
use crate::time::Timestamp;
use rand::Rng;
use rand::distr::Distribution;

/// 投诉 70%, 举报 20%, 咨询 8%, 建议 2%.
pub(super) const KIND_WEIGHTS: [(Kind, u32); 4] =
    [(Kind::Complaint, 70), (Kind::Report, 20), (Kind::Enquiry, 8), (Kind::Suggestion, 2)];

/// The files a channel attaches: photos of the scene for a report, proof of purchase otherwise.
const REPORT_ATTACHMENT_NAMES: &[&str] = &["现场照片.jpg", "现场视频.mp4", "宣传单照片.jpg", "商品照片.jpg"];
const ATTACHMENT_NAMES: &[&str] =
    &["购物小票.jpg", "聊天记录截图.png", "合同照片.jpg", "现场照片.jpg", "付款记录.png", "商品照片.jpg"];

/// What the generator knows about a ticket beyond what the channel sent: the true kind and
/// class, where it happened, and who should handle it. Drives the history of a backfilled ticket.
pub(super) struct Truth {
    pub(super) kind: Kind,
    pub(super) category: Option<String>,
    pub(super) dispute_type: Option<String>,
    pub(super) town: usize,
    pub(super) station: Option<usize>,
    pub(super) amount: Option<Fen>,
    pub(super) request: Option<String>,
    pub(super) merchant: Option<String>,
}

pub(super) struct Draft {
    pub(super) new: NewTicket,
    pub(super) truth: Truth,
}

impl Generator {
    pub(super) fn draft(&mut self, channel: &str, received_at: Timestamp) -> Draft {
        let kind = if channel == "12315-odr" {
            // The ODR green channel carries consumer disputes only.
            Kind::Complaint
        } else {
            KIND_WEIGHTS[self.kind_pick.sample(&mut self.rng)].0
        };
        let person = self.complainant_for(kind);
        let mut draft = match kind {
            Kind::Complaint => self.complaint(channel, received_at, &person),
            Kind::Report => self.report(channel, received_at, &person),
            Kind::Enquiry | Kind::Suggestion => self.enquiry(kind, &person),
        };
        if channel == "station" && draft.truth.station.is_none() {
            // Taken at a station of the town where it happened (or any, in a town without one).
            let own = &self.towns[draft.truth.town].stations;
            draft.truth.station = if own.is_empty() {
                (!self.stations.is_empty()).then(|| self.rng.random_range(0..self.stations.len()))
            } else {
                Some(own[self.rng.random_range(0..own.len())])
            };
        }
        let station = draft.truth.station;
        let new = &mut draft.new;
        new.kind = Some(kind);
        new.intake.channel = channel.to_string();
        new.intake.channel_ticket_id = self.channel_ticket_id(channel, received_at, station);
        new.intake.received_at = Some(received_at);
        new.intake.region_code = self.region_for(channel);
        new.intake.town = Some(self.town_as_written(draft.truth.town));
        new.complainant.id_verified = new.complainant.name.is_some()
            && match channel {
                "walkin" | "station" => self.rng.random_bool(0.9),
                "12315" | "12315-odr" | "wechat" | "miniapp" => self.rng.random_bool(0.6),
                _ => self.rng.random_bool(0.2),
            };
        new.complainant.proxy = self.rng.random_bool(0.03);
        if is_hotline(channel) && new.complainant.phone.is_some() {
            new.intake.caller_number =
                if self.rng.random_bool(0.1) { Some(self.landline()) } else { new.complainant.phone.clone() };
        }
        // Platforms classify at intake; hotline operators seldom do.
        let classified = if channel.starts_with("12315") { 0.9 } else { 0.45 };
        if !self.rng.random_bool(classified) {
            new.dispute.category = None;
            new.dispute.dispute_type = None;
        } else if !self.rng.random_bool(0.8) {
            new.dispute.dispute_type = None;
        }
        let attachments = match channel {
            "12315" | "12315-odr" | "wechat" | "miniapp" | "email" | "station" => self.rng.random_range(0..4),
            _ => 0,
        };
        let names = if kind == Kind::Report { REPORT_ATTACHMENT_NAMES } else { ATTACHMENT_NAMES };
        let first = self.rng.random_range(0..names.len());
        for i in 0..attachments {
            let name = names[(first + i) % names.len()].to_string();
            let uri = format!("att://{channel}/{}/{}", new.intake.channel_ticket_id, i + 1);
            new.attachments.push(Attachment { name, uri });
        }
        self.degrade(&mut draft.new);
        draft
    }

    /// What real intake looks like: now and then a field is missing, a credit code mistyped,
    /// the kind left out.
    fn degrade(&mut self, new: &mut NewTicket) {
        let r = &mut self.rng;
        if r.random_bool(0.015) {
            new.kind = None;
        }
        if r.random_bool(0.03) {
            new.complainant.address = None;
        }
        if r.random_bool(0.01) {
            new.complainant.phone = None;
            new.intake.caller_number = None;
        }
        if r.random_bool(0.01) {
            new.complainant.name = None;
            new.complainant.id_verified = false;
        }
        if r.random_bool(0.015) {
            new.respondent.address = None;
        }
        if r.random_bool(0.01) {
            new.dispute.request = None;
        }
        if r.random_bool(0.004) {
            new.dispute.facts = None;
        }
        if let Some(code) = new.respondent.credit_code.as_mut()
            && r.random_bool(0.01)
        {
            // A typo in the last character: the commonest way a code fails its check.
            let last = code.pop().unwrap_or('0');
            let i = CODE_ALPHABET.iter().position(|&c| char::from(c) == last).unwrap_or(0);
            code.push(char::from(CODE_ALPHABET[(i + 1 + r.random_range(0..29)) % CODE_ALPHABET.len()]));
        }
    }
}
