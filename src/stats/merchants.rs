//! Merchants at risk (投诉情况问题突出的企业) and pledge candidates (放心消费承诺): the
//! complaints and reports of a period grouped by merchant — one credit code, whatever names its
//! tickets give it — and weighed by the points of `config/stats.toml`.

use super::facts::{PhoneKey, Sym, TicketFacts};
use super::settings::StatsSettings;
use super::table::FactTable;
use crate::domain::ticket::{Kind, Satisfaction, TicketId};
use crate::time::Timestamp;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MerchantRisk {
    /// The credit code, or the name when the tickets give no valid code.
    pub merchant: String,
    /// The name its tickets give most often.
    pub name: String,
    /// Every name its tickets give, most frequent first.
    pub names: Vec<String>,
    pub score: f64,
    pub tickets: u64,
    pub previous: u64,
    /// Tickets with a legal clock overdue or met late.
    pub unresolved: u64,
    pub repeat_complainants: u64,
    pub channels: u64,
    /// Why it ranks, in words, one line a reason.
    pub reasons: Vec<String>,
    pub ids: Vec<TicketId>,
    /// On the watch list (filled in by the reader, which knows the list).
    #[serde(default)]
    pub watched: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PledgeCandidate {
    pub merchant: String,
    pub name: String,
    pub industry: Option<String>,
    pub business_district: Option<String>,
    pub tickets: u64,
    /// Merchants of its industry and business district with tickets in the period.
    pub peers: u64,
    pub peer_average: f64,
    pub satisfied: u64,
    pub settled: u64,
    pub reasons: Vec<String>,
    pub ids: Vec<TicketId>,
}

/// What the merchants' figures read of one complaint or report: 64 bytes where its facts take
/// 144, for a year's worth kept while its merchants are weighed.
#[derive(Clone, Copy, Debug)]
pub(super) struct MerchantTicket {
    id: TicketId,
    running_due: Option<Timestamp>,
    complainant: Option<PhoneKey>,
    merchant: Sym,
    channel: Sym,
    dispute_type: Option<Sym>,
    industry: Option<Sym>,
    business_district: Option<Sym>,
    merchant_name: Option<Sym>,
    satisfaction: Option<Satisfaction>,
    met_late: bool,
    mediation_ended: bool,
    mediation_settled: bool,
}

impl MerchantTicket {
    /// What the merchants' figures read of `f`, when it is a complaint or report naming a
    /// merchant.
    pub(super) fn of(f: &TicketFacts) -> Option<MerchantTicket> {
        Some(MerchantTicket {
            id: f.id,
            running_due: f.running_due(),
            complainant: f.complainant,
            merchant: about(f)?,
            channel: f.channel,
            dispute_type: f.dispute_type,
            industry: f.industry,
            business_district: f.business_district,
            merchant_name: f.merchant_name,
            satisfaction: f.satisfaction,
            met_late: f.met_late,
            mediation_ended: f.mediation.is_some_and(|c| c.stopped()),
            mediation_settled: f.mediation.is_some_and(|c| c.settled()),
        })
    }
}

/// What one merchant's tickets of the period say.
pub(super) struct Merchant {
    key: Sym,
    current: Vec<MerchantTicket>,
    previous: u64,
}

impl Merchant {
    fn unresolved(&self, now: Timestamp) -> u64 {
        self.current.iter().filter(|f| f.met_late || f.running_due.is_some_and(|d| now > d)).count() as u64
    }

    /// The most frequent value among its tickets (ties: the smaller symbol, i.e. seen first).
    fn most(&self, value: impl Fn(&MerchantTicket) -> Option<Sym>) -> Option<Sym> {
        ranked(self.current.iter().filter_map(value)).first().copied()
    }

    fn names(&self, table: &FactTable) -> Vec<String> {
        ranked(self.current.iter().filter_map(|f| f.merchant_name))
            .iter()
            .map(|s| table.name(*s).to_string())
            .collect()
    }

    fn ids(&self) -> Vec<TicketId> {
        self.current.iter().map(|f| f.id).collect()
    }
}

/// Symbols by how often they occur, most first.
fn ranked(values: impl Iterator<Item = Sym>) -> Vec<Sym> {
    let mut counts: BTreeMap<Sym, u64> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut list: Vec<(Sym, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter().map(|(s, _)| s).collect()
}

/// The merchant a ticket counts for: complaints and reports that name one.
pub(super) fn about(f: &TicketFacts) -> Option<Sym> {
    f.merchant.filter(|_| matches!(f.kind, Kind::Complaint | Kind::Report))
}

/// The complaints and reports of `current` by merchant, each with how many of the previous
/// period's named it (`previous`: the merchant of each, see [`about`]).
pub(super) fn group(
    current: impl IntoIterator<Item = MerchantTicket>,
    previous: impl IntoIterator<Item = Sym>,
) -> Vec<Merchant> {
    let mut by: FxHashMap<Sym, Merchant> = FxHashMap::default();
    for f in current {
        let key = f.merchant;
        by.entry(key).or_insert_with(|| Merchant { key, current: Vec::new(), previous: 0 }).current.push(f);
    }
    for key in previous {
        if let Some(m) = by.get_mut(&key) {
            m.previous += 1;
        }
    }
    let mut list: Vec<Merchant> = by.into_values().collect();
    list.sort_by_key(|m| m.key);
    // The facts may come day by day: each merchant's tickets are kept by number.
    for m in &mut list {
        m.current.sort_unstable_by_key(|f| f.id);
    }
    list
}

/// The merchants at risk, highest score first.
pub(super) fn at_risk(
    merchants: &[Merchant],
    table: &FactTable,
    settings: &StatsSettings,
    now: Timestamp,
) -> Vec<MerchantRisk> {
    let w = &settings.merchant_score;
    let mut out: Vec<MerchantRisk> = merchants
        .iter()
        .filter(|m| m.current.len() as u64 >= w.min_tickets)
        .map(|m| {
            let n = m.current.len() as u64;
            let rise = n.saturating_sub(m.previous);
            let unresolved = m.unresolved(now);
            let mut by_phone: HashMap<PhoneKey, u64> = HashMap::new();
            for p in m.current.iter().filter_map(|f| f.complainant) {
                *by_phone.entry(p).or_default() += 1;
            }
            let repeat = by_phone.values().filter(|n| **n >= 2).count() as u64;
            let channels = m.current.iter().map(|f| f.channel).collect::<HashSet<_>>().len() as u64;
            let mut severe: BTreeMap<&str, u64> = BTreeMap::new();
            let mut severity = 0.0;
            for f in &m.current {
                let Some(t) = f.dispute_type.map(|s| table.name(s)) else { continue };
                if let Some(points) = w.severity.get(t).filter(|p| **p > 0.0) {
                    severity += points;
                    *severe.entry(t).or_default() += 1;
                }
            }
            let score = w.per_ticket * n as f64
                + w.per_rise * rise as f64
                + w.per_unresolved * unresolved as f64
                + severity
                + w.per_repeat_complainant * repeat as f64
                + w.per_extra_channel * channels.saturating_sub(1) as f64;
            let mut reasons = vec![format!("本期 {n} 件（上期 {}）", m.previous)];
            if rise > 0 && m.previous > 0 {
                reasons.push(format!("增加 {rise} 件"));
            }
            if unresolved > 0 {
                reasons.push(format!("超期或逾期办结 {unresolved} 件"));
            }
            for (t, k) in &severe {
                reasons.push(format!("涉{t} {k} 件"));
            }
            if repeat > 0 {
                reasons.push(format!("重复投诉人 {repeat} 名"));
            }
            if channels > 1 {
                reasons.push(format!("来自 {channels} 个渠道"));
            }
            let names = m.names(table);
            MerchantRisk {
                merchant: table.name(m.key).to_string(),
                name: names.first().cloned().unwrap_or_else(|| table.name(m.key).to_string()),
                names,
                score: (score * 10.0).round() / 10.0,
                tickets: n,
                previous: m.previous,
                unresolved,
                repeat_complainants: repeat,
                channels,
                reasons,
                ids: m.ids(),
                watched: false,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(b.tickets.cmp(&a.tickets)).then(a.merchant.cmp(&b.merchant))
    });
    out.truncate(w.top);
    out
}

/// The pledge candidates, furthest below their peers first.
pub(super) fn pledge(
    merchants: &[Merchant],
    table: &FactTable,
    settings: &StatsSettings,
    now: Timestamp,
) -> Vec<PledgeCandidate> {
    let p = &settings.pledge;
    let peer_of = |m: &Merchant| (m.most(|f| f.industry), m.most(|f| f.business_district));
    let mut groups: HashMap<(Option<Sym>, Option<Sym>), (u64, u64)> = HashMap::new();
    for m in merchants {
        let g = groups.entry(peer_of(m)).or_default();
        g.0 += 1;
        g.1 += m.current.len() as u64;
    }
    let mut out: Vec<(f64, PledgeCandidate)> = Vec::new();
    for m in merchants {
        let (industry, district) = peer_of(m);
        let (peers, total) = groups.get(&(industry, district)).copied().unwrap_or((0, 0));
        if (peers as usize) < p.min_peers.max(1) {
            continue;
        }
        let n = m.current.len() as u64;
        let average = total as f64 / peers as f64;
        let share = n as f64 / average;
        let unsatisfied = m.current.iter().any(|f| f.satisfaction == Some(Satisfaction::Unsatisfied));
        let failed_mediation = m.current.iter().any(|f| f.mediation_ended && !f.mediation_settled);
        if share > p.max_share || m.unresolved(now) > 0 || unsatisfied || failed_mediation {
            continue;
        }
        let satisfied =
            m.current.iter().filter(|f| f.satisfaction == Some(Satisfaction::Satisfied)).count() as u64;
        let settled = m.current.iter().filter(|f| f.mediation_settled).count() as u64;
        let mut reasons =
            vec![format!("同行业同商圈 {peers} 家平均 {average:.1} 件，本店 {n} 件"), "无超期".to_string()];
        if settled > 0 {
            reasons.push(format!("调解成功 {settled} 件"));
        }
        if satisfied > 0 {
            reasons.push(format!("回访满意 {satisfied} 件"));
        }
        let names = m.names(table);
        let candidate = PledgeCandidate {
            merchant: table.name(m.key).to_string(),
            name: names.first().cloned().unwrap_or_else(|| table.name(m.key).to_string()),
            industry: industry.map(|s| table.name(s).to_string()),
            business_district: district.map(|s| table.name(s).to_string()),
            tickets: n,
            peers,
            peer_average: (average * 10.0).round() / 10.0,
            satisfied,
            settled,
            reasons,
            ids: m.ids(),
        };
        out.push((share, candidate));
    }
    out.sort_by(|(sa, a), (sb, b)| {
        sa.total_cmp(sb)
            .then((b.satisfied + b.settled).cmp(&(a.satisfied + a.settled)))
            .then(a.merchant.cmp(&b.merchant))
    });
    out.into_iter().take(p.top).map(|(_, c)| c).collect()
}
