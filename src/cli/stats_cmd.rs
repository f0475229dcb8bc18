//! `rightsdesk stats`: a period's figures against the period before, for people (a table) or
//! for scripts (`--format json`, the keys of INTERFACES.md), and the tickets behind a figure.

use super::args::Format;
use super::context::Context;
use super::output::{pad, print_json};
use super::{Failure, OK};
use crate::engine::stats::StatsQuery;
use crate::stats::{Dimension, KpiPart, Kpis, Period, Ratio, Selector, Statistics};
use chrono::NaiveDate;
use clap::Args;
use serde_json::{Value, json};

/// The period and the scope, shared by `stats` and `report`.
#[derive(Args, Debug, Clone)]
pub struct StatsScopeArgs {
    /// First day of the period (China time, included). Default: the first of this month.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (included). Default: today.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Only the tickets of one handling unit (id or name; a branch counts with its stations).
    #[arg(long)]
    pub unit: Option<String>,
    /// Only the tickets of one town or street (an alias such as 大良街道 works).
    #[arg(long)]
    pub town: Option<String>,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub scope: StatsScopeArgs,
    /// List the tickets behind one figure instead: `total`, `day=2026-05-06`,
    /// `channel=12315` (any breakdown: kind, category, dispute_type, town, business_district,
    /// industry, unit; `town=` for none), a hot word (`word=预付卡`), a merchant at risk by its
    /// `merchant` key (`merchant=91440606MA4UH1234X`), or a KPI part such as `kpi=first_check_due`.
    #[arg(long, value_name = "FIGURE")]
    pub tickets: Option<String>,
    /// With --tickets: the figure of the period before.
    #[arg(long)]
    pub previous: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &Context, args: &StatsArgs) -> Result<i32, Failure> {
    let query = stats_query(ctx, &args.scope)?;
    let selector = args.tickets.as_deref().map(selector).transpose()?;
    let mut desk = ctx.open_desk()?;
    if let Some(selector) = selector {
        let ids = desk.statistics_tickets(query, args.previous, selector)?;
        match args.format {
            Format::Json => print_json(&ids),
            Format::Table | Format::Csv => ids.iter().for_each(|id| println!("{id}")),
        }
        return Ok(OK);
    }
    let s = desk.statistics(query)?;
    match args.format {
        Format::Json => print_json(&json_of(&s)),
        Format::Table => print_table(&s, &ctx.config),
        Format::Csv => {
            return Err(Failure::usage("stats prints a table or JSON; `report --csv DIR` writes CSV"));
        }
    }
    Ok(OK)
}

pub fn stats_query(ctx: &Context, args: &StatsScopeArgs) -> Result<StatsQuery, Failure> {
    let today = ctx.clock.now().china_date();
    let period = match (args.from, args.to) {
        (None, None) => None,
        (Some(from), to) => {
            Some(Period::new(from, to.unwrap_or(today)).map_err(|e| Failure::usage(e.to_string()))?)
        }
        (None, Some(_)) => return Err(Failure::usage("--to needs --from: give the first day of the period")),
    };
    let org = &ctx.config.org;
    let unit = match &args.unit {
        Some(u) => Some(org.find_unit(u).map(|u| u.id.clone()).ok_or_else(|| {
            Failure::usage(format!("unknown unit {u:?} (see `rightsdesk config show org`)"))
        })?),
        None => None,
    };
    let town = match &args.town {
        Some(t) => Some(org.resolve_town(t).map(str::to_string).ok_or_else(|| {
            Failure::usage(format!("unknown town {t:?}; the towns are {}", org.towns().join(", ")))
        })?),
        None => None,
    };
    Ok(StatsQuery { period, unit, town })
}

/// `total`, `day=DATE`, `word=WORD`, `merchant=KEY`, `DIMENSION=KEY` or `kpi=PART`.
fn selector(text: &str) -> Result<Selector, Failure> {
    let text = text.trim();
    if text == "total" {
        return Ok(Selector::Total);
    }
    if let Some(word) = text.strip_prefix("word=").filter(|w| !w.trim().is_empty()) {
        return Ok(Selector::Word(word.trim().to_string()));
    }
    if let Some(merchant) = text.strip_prefix("merchant=").filter(|m| !m.trim().is_empty()) {
        return Ok(Selector::Merchant(merchant.trim().to_string()));
    }
    let bad = || {
        let dims: Vec<&str> = Dimension::ALL.iter().map(|d| dimension_name(*d)).collect();
        let parts: Vec<String> = KpiPart::ALL.iter().map(|p| kpi_part_name(*p)).collect();
        Failure::usage(format!(
            "{text:?} names no figure: give total, day=DATE, word=WORD, merchant=KEY, one of {}=KEY, or kpi= one of {}",
            dims.join(", "),
            parts.join(", ")
        ))
    };
    let (name, value) = text.split_once('=').ok_or_else(bad)?;
    match name {
        "day" => value.parse().map(Selector::Day).map_err(|_| bad()),
        "kpi" => {
            KpiPart::ALL.into_iter().find(|p| kpi_part_name(*p) == value).map(Selector::Kpi).ok_or_else(bad)
        }
        _ => {
            let dimension =
                Dimension::ALL.into_iter().find(|d| dimension_name(*d) == name).ok_or_else(bad)?;
            let key = (!value.is_empty()).then(|| value.to_string());
            Ok(Selector::Key { dimension, key })
        }
    }
}

fn dimension_name(d: Dimension) -> &'static str {
    d.json_key().trim_start_matches("by_")
}

fn kpi_part_name(p: KpiPart) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The JSON of INTERFACES.md: `total`, `by_*` arrays of `{"key", "count"}`, `kpis`, and the
/// period before under `previous` in the same shape.
pub fn json_of(s: &Statistics) -> Value {
    let mut current = period_json(s.period, s.total, &s.kpis, |d| {
        s.breakdown(d)
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| json!({"key": r.key, "count": r.count}))
            .collect()
    });
    let previous = period_json(s.previous_period, s.previous_total, &s.previous_kpis, |d| {
        let mut rows: Vec<_> = s.breakdown(d).iter().filter(|r| r.previous > 0).collect();
        rows.sort_by(|a, b| b.previous.cmp(&a.previous).then(a.key.cmp(&b.key)));
        rows.into_iter().map(|r| json!({"key": r.key, "count": r.previous})).collect()
    });
    if let Value::Object(o) = &mut current {
        o.insert("as_of".into(), json!(s.as_of.rfc3339()));
        o.insert("unit".into(), json!(s.scope.units.as_ref().and_then(|u| u.first())));
        o.insert("town".into(), json!(s.scope.town));
        o.insert(
            "by_day".into(),
            json!(
                s.by_day
                    .iter()
                    .map(|d| json!({"date": d.date.to_string(), "count": d.count}))
                    .collect::<Vec<_>>()
            ),
        );
        o.insert("hot_words".into(), hot_words_json(s));
        o.insert("merchants_at_risk".into(), json!(s.merchants_at_risk));
        o.insert("pledge_candidates".into(), json!(s.pledge_candidates));
        o.insert("warnings".into(), json!(s.warnings));
        o.insert("previous".into(), previous);
    }
    current
}

/// `{"word", "count", "change"}`: tickets with the word, and the change in tickets from the
/// period before.
pub fn hot_words_json(s: &Statistics) -> Value {
    Value::Array(
        s.hot_words.iter().map(|w| json!({"word": w.word, "count": w.count, "change": w.change()})).collect(),
    )
}

fn period_json(period: Period, total: u64, kpis: &Kpis, rows: impl Fn(Dimension) -> Vec<Value>) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("from".into(), json!(period.from.to_string()));
    o.insert("to".into(), json!(period.to.to_string()));
    o.insert("total".into(), json!(total));
    for d in Dimension::ALL {
        o.insert(d.json_key().into(), Value::Array(rows(d)));
    }
    o.insert("kpis".into(), kpis_json(kpis));
    Value::Object(o)
}

fn ratio_json(r: Ratio) -> Value {
    json!({"value": r.percent(), "numerator": r.numerator, "denominator": r.denominator})
}

/// Rates in per cent (null when nothing was due), the amount in 万元, minutes in working minutes.
pub fn kpis_json(k: &Kpis) -> Value {
    json!({
        "first_check_on_time_rate": ratio_json(k.first_check_on_time),
        "resolved_on_time_rate": ratio_json(k.resolved_on_time),
        "mediation_success_rate": ratio_json(k.mediation_success),
        "amount_recovered_wan_yuan": k.amount_recovered_wan(),
        "average_first_contact_minutes": k.average_first_contact_minutes(),
        "contacted_within_promise_rate": ratio_json(k.contacted_in_time),
    })
}

/// The change from `before` to `now` in per cent, or "新增" when there was nothing before.
pub fn change_text(now: u64, before: u64) -> String {
    match (now, before) {
        (0, 0) => "-".into(),
        (_, 0) => "新增".into(),
        _ => format!("{:+.1}%", (now as f64 - before as f64) * 100.0 / before as f64),
    }
}

fn rate_text(r: Ratio) -> String {
    match r.percent() {
        Some(p) => format!("{p:.1}% ({}/{})", r.numerator, r.denominator),
        None => "- (0/0)".into(),
    }
}

fn print_table(s: &Statistics, config: &crate::config::Config) {
    println!(
        "统计 {} 至 {}（上期 {} 至 {}），截至 {}",
        s.period.from,
        s.period.to,
        s.previous_period.from,
        s.previous_period.to,
        s.as_of.china().format("%Y-%m-%d %H:%M")
    );
    if let Some(units) = &s.scope.units {
        println!("单位 {}", units.join(", "));
    }
    if let Some(town) = &s.scope.town {
        println!("镇街 {town}");
    }
    println!("受理总量 {}（上期 {}，{}）", s.total, s.previous_total, change_text(s.total, s.previous_total));
    println!();
    let (k, p) = (&s.kpis, &s.previous_kpis);
    let minutes = |m: Option<f64>| m.map_or("-".into(), |m| format!("{m:.1} 分钟"));
    let lines = [
        ("按时初查率", rate_text(k.first_check_on_time), rate_text(p.first_check_on_time)),
        ("按期办结率", rate_text(k.resolved_on_time), rate_text(p.resolved_on_time)),
        ("调解成功率", rate_text(k.mediation_success), rate_text(p.mediation_success)),
        (
            "挽回经济损失",
            format!("{:.2} 万元", k.amount_recovered_wan()),
            format!("{:.2} 万元", p.amount_recovered_wan()),
        ),
        (
            "平均首次联系用时",
            minutes(k.average_first_contact_minutes()),
            minutes(p.average_first_contact_minutes()),
        ),
        ("1小时内联系率", rate_text(k.contacted_in_time), rate_text(p.contacted_in_time)),
    ];
    println!("{}  {}  上期", pad("指标", 18), pad("本期", 22));
    for (name, now, before) in lines {
        println!("{}  {}  {before}", pad(name, 18), pad(&now, 22));
    }
    if !s.hot_words.is_empty() {
        println!();
        println!("{}  {}  {}  较上期", pad("高频词", 16), pad("本期", 8), pad("上期", 8));
        for w in &s.hot_words {
            println!(
                "{}  {}  {}  {:+}",
                pad(&w.word, 16),
                pad(&w.count.to_string(), 8),
                pad(&w.previous.to_string(), 8),
                w.change()
            );
        }
    }
    if !s.warnings.is_empty() {
        println!();
        println!("维权预警（{} 至 {}）", s.warnings[0].from, s.warnings[0].to);
        for w in &s.warnings {
            println!(
                "{} {}  {} 件（基线预期 {:.1}，p = {:.1e}）",
                w.subject.zh(),
                pad(&w.key, 30),
                w.count,
                w.expected,
                w.p_value
            );
        }
    }
    if !s.merchants_at_risk.is_empty() {
        println!();
        println!("投诉情况问题突出的企业（分值）");
        for m in &s.merchants_at_risk {
            let watched = if m.watched { "【关注】" } else { "" };
            println!("{}  {:>5.1}  {watched}{}", pad(&m.name, 36), m.score, m.reasons.join("；"));
        }
    }
    if !s.pledge_candidates.is_empty() {
        println!();
        println!("放心消费承诺推荐");
        for c in &s.pledge_candidates {
            println!("{}  {}", pad(&c.name, 36), c.reasons.join("；"));
        }
    }
    for b in &s.breakdowns {
        println!();
        println!("{}  {}  {}  环比", pad(b.dimension.zh(), 30), pad("本期", 8), pad("上期", 8));
        for row in b.rows.iter().take(10) {
            println!(
                "{}  {}  {}  {}",
                pad(&label(b.dimension, row.key.as_deref(), config), 30),
                pad(&row.count.to_string(), 8),
                pad(&row.previous.to_string(), 8),
                change_text(row.count, row.previous)
            );
        }
        if b.rows.len() > 10 {
            println!("… {} more", b.rows.len() - 10);
        }
    }
}

/// What a person reads for a breakdown's key: the channel's, kind's or unit's name rather than
/// the id the JSON keeps.
fn label(dimension: Dimension, key: Option<&str>, config: &crate::config::Config) -> String {
    let Some(key) = key else { return "（未填）".into() };
    let name = match dimension {
        Dimension::Channel => config.channels.get(key).map(|c| c.name.clone()),
        Dimension::Kind => crate::domain::ticket::Kind::parse(key).map(|k| k.zh().to_string()),
        Dimension::Unit => config.org.unit(key).map(|u| u.name.clone()),
        _ => None,
    };
    name.unwrap_or_else(|| key.to_string())
}
