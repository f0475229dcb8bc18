//! What a ticket says, by kind: a complaint about a purchase from a pool merchant, a report of a
//! violation, an enquiry or a suggestion, each with its title, facts and request, and the truth
//! behind it.

use super::draft::{Draft, Truth};
use super::people::Person;
use super::text::{Vars, chars, clip, clip_sentences, fill, yuan};
use super::vocab::{self, CATEGORIES, Category, Problem};
use super::{Generator, pick};
use crate::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent};
use crate::time::Timestamp;
use chrono::{Datelike, Duration};
use rand::Rng;
use rand::distr::Distribution;

impl Generator {
    pub(super) fn complaint(&mut self, channel: &str, received_at: Timestamp, person: &Person) -> Draft {
        let mut mi = self.pick_merchant(None, channel == "12315-odr");
        for _ in 0..8 {
            // Station intake is about the merchants of the station's mall or market.
            if channel != "station" || self.merchants[mi].station.is_some() {
                break;
            }
            mi = self.pick_merchant(None, false);
        }
        let category = self.merchants[mi].category;
        let cat: &'static Category = &CATEGORIES[category];
        let products = cat.trades[self.merchants[mi].trade].products;
        let product = &products[self.rng.random_range(0..products.len())];
        let fitting: Vec<&Problem> = cat.problems.iter().filter(|q| q.fits(product.name)).collect();
        let problem = if fitting.is_empty() {
            &cat.problems[self.rng.random_range(0..cat.problems.len())]
        } else {
            fitting[self.rng.random_range(0..fitting.len())]
        };
        let request = match pick(&mut self.rng, problem.requests) {
            // A service cannot be returned; its price can.
            "退货退款" if cat.service => "退还费用",
            r => r,
        };
        let amount = self.price(product.lo, product.hi);
        let received = received_at.china_date();
        let days_back = if self.rng.random_bool(0.007) {
            // Older than the three-year bar: registration flags it.
            self.rng.random_range(3 * 365 + 10..5 * 365)
        } else if cat.service {
            self.rng.random_range(3..500)
        } else {
            self.rng.random_range(1..120)
        };
        let purchase = received - Duration::days(days_back);
        let known = purchase + Duration::days(self.rng.random_range(0..=days_back.min(60)));
        let n = self.rng.random_range(2..10).to_string();
        let brand = pick(&mut self.rng, vocab::PRODUCT_BRANDS);
        let m = &self.merchants[mi];
        let (short, town_name) = (m.short.clone(), self.towns[m.town].name.clone());
        let venue = m.station.map(|s| self.stations[s].venue.clone()).unwrap_or_default();
        let date = format!("{}年{}月{}日", purchase.year(), purchase.month(), purchase.day());
        let a = yuan(amount.0);
        let vars = Vars {
            m: &m.name,
            b: brand,
            p: product.name,
            d: &date,
            a: &a,
            n: &n,
            v: &venue,
            t: &town_name,
            r: request,
            trade: "",
        };

        let buy = fill(product.buy, &vars);
        let price_word = if cat.service { "费用" } else { "价格" };
        let opening = match (&m.platform, &m.premises) {
            (Some(platform), _) => format!("{date}，本人在{platform}{buy}，实付{a}元。"),
            (None, Some(premises)) if self.rng.random_bool(0.5) => {
                format!("{date}，本人在位于{premises}的{}{buy}，{price_word}{a}元。", m.name)
            }
            _ => format!("{date}，本人在{}{buy}，{price_word}{a}元。", m.name),
        };
        let replies = if !problem.replies.is_empty() {
            problem.replies
        } else if vocab::PREPAID_CATEGORIES.contains(&cat.name) {
            vocab::PREPAID_REPLIES
        } else if cat.service {
            vocab::SERVICE_REPLIES
        } else {
            vocab::GOODS_REPLIES
        };
        let reply = fill(pick(&mut self.rng, replies), &vars);
        let mut facts =
            format!("{opening}{}。联系商家后，{reply}。现要求商家{request}。", fill(problem.fact, &vars));
        if chars(&facts) < 60 || self.rng.random_bool(0.5) {
            facts.push_str(pick(&mut self.rng, vocab::CLOSINGS));
        }
        let facts = clip_sentences(&facts, 300);

        let ptitle = fill(problem.title, &vars);
        let mut title = String::new();
        for _ in 0..4 {
            title = match self.rng.random_range(0..6) {
                0 => format!("{short}{ptitle}"),
                1 => format!("{}{ptitle}", product.name),
                2 => format!("投诉{short}{ptitle}"),
                3 => format!("在{short}购买的{}{ptitle}", product.name),
                4 => format!("{town_name}{short}{ptitle}，要求{request}"),
                _ if !venue.is_empty() => format!("反映{venue}{short}{ptitle}"),
                _ => format!("{}{ptitle}，要求{request}", product.name),
            };
            if (10..=30).contains(&chars(&title)) {
                break;
            }
        }
        let title = fit_title(title, request);

        let respondent = self.respondent_of(mi);
        let merchant = &self.merchants[mi];
        let new = NewTicket {
            kind: Some(Kind::Complaint),
            intake: Intake::default(),
            complainant: Complainant {
                name: Some(person.name.clone()),
                phone: Some(person.phone.clone()),
                address: Some(person.address.clone()),
                id_verified: false,
                proxy: false,
            },
            respondent,
            dispute: Dispute {
                title,
                request: Some(request.to_string()),
                facts: Some(facts),
                purchase_date: Some(purchase),
                harm_known_date: Some(known),
                amount: Some(amount),
                category: Some(cat.name.to_string()),
                dispute_type: Some(problem.dispute.to_string()),
                gb_code: None,
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind: Kind::Complaint,
            category: Some(cat.name.to_string()),
            dispute_type: Some(problem.dispute.to_string()),
            town: merchant.town,
            station: merchant.station,
            amount: Some(amount),
            request: Some(request.to_string()),
            merchant: Some(merchant.short.clone()),
        };
        Draft { new, truth }
    }

    pub(super) fn report(&mut self, _channel: &str, received_at: Timestamp, person: &Person) -> Draft {
        let (rp, _) = &vocab::REPORT_PROBLEMS[self.report_pick.sample(&mut self.rng)];
        let unlicensed = rp.problem == "无照经营";
        let wanted = match rp.problem {
            "食品安全" => {
                Some(if self.rng.random_bool(0.5) { "一般食品" } else { "餐饮和住宿" })
            }
            "产品质量" | "不正当竞争" => {
                let goods = ["家用电器", "通讯产品", "服装鞋帽", "一般食品", "化妆品"];
                Some(goods[self.rng.random_range(0..goods.len())])
            }
            _ => None,
        };
        let category = wanted.and_then(|w| CATEGORIES.iter().position(|c| c.name == w));
        let mi = self.pick_merchant(category, false);
        let a = yuan(self.price(100, 3000).0);
        let m = &self.merchants[mi];
        let cat = &CATEGORIES[m.category];
        let products = cat.trades[m.trade].products;
        let product = products[self.rng.random_range(0..products.len())].name;
        let town = m.town;
        let town_name = self.towns[town].name.clone();
        let venue = match m.station {
            Some(s) => self.stations[s].venue.clone(),
            None => {
                let community = pick(&mut self.rng, self.towns[town].communities);
                format!("{town_name}{community}{}", pick(&mut self.rng, vocab::ROADS))
            }
        };
        let (trade, trade_category) = pick(&mut self.rng, vocab::UNLICENSED_TRADES);
        let vars = Vars { m: &m.name, p: product, v: &venue, t: &town_name, a: &a, trade, ..Vars::default() };
        let (case_title, case_facts) = pick(&mut self.rng, rp.cases);
        let mut facts = fill(case_facts, &vars);
        let n = self.rng.random_range(2..13).to_string();
        let closing = match self.rng.random_range(0..3) {
            0 => "请市场监管部门依法查处。",
            1 => "希望相关部门尽快核查处理，并将处理结果告知本人。",
            _ => "请予核查处理。",
        };
        let details = vocab::REPORT_DETAILS;
        let first = self.rng.random_range(0..details.len());
        for i in 0..details.len() {
            if chars(&facts) + chars(closing) >= 60 {
                break;
            }
            facts.push_str(&fill(details[(first + i) % details.len()], &Vars { n: &n, ..Vars::default() }));
        }
        facts.push_str(closing);
        let (target, short) = if unlicensed {
            (format!("{venue}{trade}（无招牌）"), trade.to_string())
        } else {
            (m.name.clone(), m.short.clone())
        };
        let category = if unlicensed { trade_category } else { cat.name };
        let title = fit_title(format!("举报{short}{case_title}"), "依法查处");
        let anonymous = self.rng.random_bool(0.3);
        let respondent = if unlicensed {
            Respondent { name: Some(target.clone()), address: Some(venue.clone()), ..Respondent::default() }
        } else {
            self.respondent_of(mi)
        };
        let m = &self.merchants[mi];
        let new = NewTicket {
            kind: Some(Kind::Report),
            intake: Intake::default(),
            complainant: if anonymous {
                Complainant::default()
            } else {
                Complainant {
                    name: Some(person.name.clone()),
                    phone: Some(person.phone.clone()),
                    address: Some(person.address.clone()),
                    ..Complainant::default()
                }
            },
            respondent,
            dispute: Dispute {
                title,
                request: Some("依法查处".to_string()),
                facts: Some(clip_sentences(&facts, 300)),
                purchase_date: None,
                harm_known_date: Some(received_at.china_date()),
                amount: None,
                category: Some(category.to_string()),
                dispute_type: Some(rp.problem.to_string()),
                gb_code: None,
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind: Kind::Report,
            category: Some(category.to_string()),
            dispute_type: Some(rp.problem.to_string()),
            town,
            station: m.station,
            amount: None,
            request: None,
            merchant: Some(short),
        };
        Draft { new, truth }
    }

    pub(super) fn enquiry(&mut self, kind: Kind, person: &Person) -> Draft {
        let town_name = self.towns[person.town].name.clone();
        let venue = match self.towns[person.town].stations.first() {
            Some(&s) => self.stations[s].venue.clone(),
            None => town_name.clone(),
        };
        let (topic, body) = if kind == Kind::Enquiry {
            pick(&mut self.rng, vocab::ENQUIRIES)
        } else {
            pick(&mut self.rng, vocab::SUGGESTIONS)
        };
        let vars = Vars { v: &venue, t: &town_name, ..Vars::default() };
        let lead = if kind == Kind::Enquiry { "咨询" } else { "建议" };
        let mut facts = fill(body, &vars);
        let closing = if kind == Kind::Enquiry { "请相关部门予以解答。" } else { "望采纳。" };
        let details = vocab::ENQUIRY_DETAILS;
        let first = self.rng.random_range(0..details.len());
        for i in 0..details.len() {
            if chars(&facts) + chars(closing) >= 60 {
                break;
            }
            facts.push_str(details[(first + i) % details.len()]);
        }
        facts.push_str(closing);
        let new = NewTicket {
            kind: Some(kind),
            intake: Intake::default(),
            complainant: Complainant {
                name: Some(person.name.clone()),
                phone: Some(person.phone.clone()),
                address: Some(person.address.clone()),
                ..Complainant::default()
            },
            respondent: Respondent::default(),
            dispute: Dispute {
                title: fit_title(format!("{lead}{}", fill(topic, &vars)), "答复"),
                facts: Some(clip_sentences(&facts, 300)),
                request: Some(if kind == Kind::Enquiry { "请予解答" } else { "请予采纳" }.to_string()),
                ..Dispute::default()
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind,
            category: None,
            dispute_type: None,
            town: person.town,
            station: None,
            amount: None,
            request: None,
            merchant: None,
        };
        Draft { new, truth }
    }
}

/// Keeps a title between 10 and 30 characters, as clerks write them.
fn fit_title(title: String, request: &str) -> String {
    let mut t = title;
    if chars(&t) < 10 {
        t = format!("{t}，要求{request}");
    }
    if chars(&t) < 10 {
        t.push_str("，请尽快处理");
    }
    if chars(&t) > 30 { clip(&t, 30) } else { t }
}
