//! The organisation (组织架构): the district bureau's sections (科室), one branch per town or street
//! (镇街分局) and the consumer-rights service stations (消费维权服务站) under the branches, as shipped
//! in `config/org.toml`. Ids are stable: tickets, dispatches and the units API refer to them.

use crate::domain::ConfigProblem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Section,
    Branch,
    Station,
}

impl UnitKind {
    /// The table name in `config/org.toml`, which is also the first part of a problem's key.
    pub fn table(self) -> &'static str {
        match self {
            UnitKind::Section => "section",
            UnitKind::Branch => "branch",
            UnitKind::Station => "station",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            UnitKind::Section => "科室",
            UnitKind::Branch => "分局",
            UnitKind::Station => "服务站",
        }
    }
}

/// 街道 or 镇: the two kinds of town-level division; shown in statistics and on documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownKind {
    Street,
    Town,
}

impl TownKind {
    pub fn zh(self) -> &'static str {
        match self {
            TownKind::Street => "街道",
            TownKind::Town => "镇",
        }
    }
}

/// What kind of place a station sits in; groups stations (and their complaints) by trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Mall,
    Market,
    Street,
    Furniture,
    Appliance,
    Auto,
    Other,
}

impl VenueKind {
    pub fn zh(self) -> &'static str {
        match self {
            VenueKind::Mall => "商场",
            VenueKind::Market => "市场",
            VenueKind::Street => "街区",
            VenueKind::Furniture => "家具建材",
            VenueKind::Appliance => "家电数码",
            VenueKind::Auto => "汽车",
            VenueKind::Other => "其他",
        }
    }
}

/// A handling unit, whatever its level.
#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    /// Canonical town name, for a branch and a station.
    pub town: Option<String>,
    /// A station's branch id.
    pub branch: Option<String>,
    /// The mall, market or street a station sits in.
    pub venue: Option<String>,
    /// 商圈 of a station, for statistics.
    pub district: Option<String>,
    pub phone: String,
    pub aliases: Vec<String>,
    /// Branch: 街道 or 镇.
    pub town_kind: Option<TownKind>,
    pub venue_kind: Option<VenueKind>,
    /// A station's contact (role and surname only).
    pub contact: Option<String>,
    /// Section: categories / problem types it typically takes (a dispatch hint, not a rule).
    pub handles: Vec<String>,
}

// ───────────────────────────── the file ─────────────────────────────

/// `config/org.toml` as parsed (after the loader merged any override file into the defaults).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFile {
    pub district: DistrictEntry,
    #[serde(default)]
    pub section: BTreeMap<String, SectionEntry>,
    #[serde(default)]
    pub branch: BTreeMap<String, BranchEntry>,
    #[serde(default)]
    pub station: BTreeMap<String, StationEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictEntry {
    pub name: String,
    /// GB/T 2260, six digits.
    pub region_code: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionEntry {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub handles: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchEntry {
    pub name: String,
    pub town: String,
    pub kind: TownKind,
    pub phone: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationEntry {
    pub name: String,
    pub branch: String,
    pub venue: String,
    #[serde(default = "other_venue")]
    pub venue_kind: VenueKind,
    pub district: Option<String>,
    pub contact: Option<String>,
    pub phone: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

fn other_venue() -> VenueKind {
    VenueKind::Other
}

/// A landline with its area code (`0757-22223333`, `020-12345678`) or a mainland mobile number:
/// the numbers a clerk dials or the SMS gateway accepts. Short service numbers are not unit phones.
pub fn is_phone_shape(text: &str) -> bool {
    let all_digits =
        |s: &str, lo: usize, hi: usize| (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    match text.split_once('-') {
        Some((area, local)) => {
            area.starts_with('0')
                && all_digits(area, 3, 4)
                && all_digits(local, 7, 8)
                && !local.starts_with(['0', '1'])
        }
        None => text.starts_with('1') && all_digits(text, 11, 11),
    }
}

/// Ids appear in URLs, command lines and SMS templates, so they stay plain.
fn is_id_shape(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Trims and rejects an empty value, naming the key.
fn text(key: String, value: &str) -> Result<String, ConfigProblem> {
    let t = value.trim();
    if t.is_empty() {
        Err(ConfigProblem::new(key, "must not be empty (remove the key instead)"))
    } else {
        Ok(t.to_string())
    }
}

fn opt_text(key: String, value: Option<&str>) -> Result<Option<String>, ConfigProblem> {
    value.map(|v| text(key, v)).transpose()
}

fn phone(key: String, value: &str) -> Result<String, ConfigProblem> {
    let t = text(key.clone(), value)?;
    if is_phone_shape(&t) {
        Ok(t)
    } else {
        Err(ConfigProblem::new(
            key,
            format!(
                "'{t}' is not a phone number: write a landline as 0757-22223333 or a mobile as 13800138000"
            ),
        ))
    }
}

fn list(key: &str, values: &[String]) -> Result<Vec<String>, ConfigProblem> {
    values.iter().enumerate().map(|(i, v)| text(format!("{key}[{i}]"), v)).collect()
}

impl OrgFile {
    /// Checks the parsed file and builds the lookup structure; the first problem found names its key.
    pub fn build(self) -> Result<Organisation, ConfigProblem> {
        let district_name = text("district.name".into(), &self.district.name)?;
        let region_code = self.district.region_code.trim().to_string();
        if region_code.len() != 6 || !region_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigProblem::new(
                "district.region_code",
                format!("'{region_code}' is not a GB/T 2260 region code (six digits, e.g. 440606)"),
            ));
        }

        let mut units = Vec::with_capacity(self.section.len() + self.branch.len() + self.station.len());
        for (id, s) in &self.section {
            let key = format!("section.{id}");
            check_id(&key, id)?;
            units.push(Unit {
                id: id.clone(),
                name: text(format!("{key}.name"), &s.name)?,
                kind: UnitKind::Section,
                town: None,
                branch: None,
                venue: None,
                district: None,
                phone: phone(format!("{key}.phone"), &s.phone)?,
                aliases: list(&format!("{key}.aliases"), &s.aliases)?,
                town_kind: None,
                venue_kind: None,
                contact: None,
                handles: list(&format!("{key}.handles"), &s.handles)?,
            });
        }
        let mut town_of_branch: HashMap<&str, String> = HashMap::new();
        for (id, b) in &self.branch {
            let key = format!("branch.{id}");
            check_id(&key, id)?;
            let town = text(format!("{key}.town"), &b.town)?;
            town_of_branch.insert(id.as_str(), town.clone());
            units.push(Unit {
                id: id.clone(),
                name: text(format!("{key}.name"), &b.name)?,
                kind: UnitKind::Branch,
                town: Some(town),
                branch: None,
                venue: None,
                district: None,
                phone: phone(format!("{key}.phone"), &b.phone)?,
                aliases: list(&format!("{key}.aliases"), &b.aliases)?,
                town_kind: Some(b.kind),
                venue_kind: None,
                contact: None,
                handles: Vec::new(),
            });
        }
        for (id, s) in &self.station {
            let key = format!("station.{id}");
            check_id(&key, id)?;
            let branch = s.branch.trim();
            let Some(town) = town_of_branch.get(branch) else {
                let known: Vec<&str> = self.branch.keys().map(String::as_str).collect();
                return Err(ConfigProblem::new(
                    format!("{key}.branch"),
                    format!("unknown branch '{branch}' (known: {})", known.join(", ")),
                ));
            };
            units.push(Unit {
                id: id.clone(),
                name: text(format!("{key}.name"), &s.name)?,
                kind: UnitKind::Station,
                town: Some(town.clone()),
                branch: Some(branch.to_string()),
                venue: Some(text(format!("{key}.venue"), &s.venue)?),
                district: opt_text(format!("{key}.district"), s.district.as_deref())?,
                phone: phone(format!("{key}.phone"), &s.phone)?,
                aliases: list(&format!("{key}.aliases"), &s.aliases)?,
                town_kind: None,
                venue_kind: Some(s.venue_kind),
                contact: opt_text(format!("{key}.contact"), s.contact.as_deref())?,
                handles: Vec::new(),
            });
        }

        // One name space for ids, names and aliases, so that `find_unit` never has to choose.
        let mut by_id = HashMap::with_capacity(units.len());
        let mut by_label: HashMap<String, usize> = HashMap::with_capacity(units.len() * 2);
        for (i, u) in units.iter().enumerate() {
            let key = format!("{}.{}", u.kind.table(), u.id);
            if let Some(&j) = by_id.get(u.id.as_str()) {
                let other: &Unit = &units[j];
                return Err(ConfigProblem::new(
                    key,
                    format!("id '{}' is already used by {}.{}", u.id, other.kind.table(), other.id),
                ));
            }
            by_id.insert(u.id.as_str(), i);
            let labels = std::iter::once((format!("{key}.name"), &u.name))
                .chain(u.aliases.iter().enumerate().map(|(a, s)| (format!("{key}.aliases[{a}]"), s)));
            for (label_key, label) in labels {
                match by_label.get(label.as_str()) {
                    Some(&j) if j != i => {
                        let other = &units[j];
                        return Err(ConfigProblem::new(
                            label_key,
                            format!(
                                "'{label}' is already the name or an alias of {}.{}",
                                other.kind.table(),
                                other.id
                            ),
                        ));
                    }
                    _ => {
                        by_label.insert(label.clone(), i);
                    }
                }
            }
        }

        // Every spelling of a town that names it whole: canonical name, branch name and aliases. Two
        // towns sharing one would make an address land in the wrong town, so that is refused here.
        let mut towns: BTreeMap<String, usize> = BTreeMap::new();
        let mut town_texts: HashMap<String, String> = HashMap::new();
        for (i, u) in units.iter().enumerate().filter(|(_, u)| u.kind == UnitKind::Branch) {
            let Some(town) = u.town.clone() else { continue };
            let key = format!("branch.{}", u.id);
            if let Some(&j) = towns.get(&town) {
                return Err(ConfigProblem::new(
                    format!("{key}.town"),
                    format!("town '{town}' already has a branch: branch.{}", units[j].id),
                ));
            }
            towns.insert(town.clone(), i);
            let texts = [(format!("{key}.town"), town.clone()), (format!("{key}.name"), u.name.clone())]
                .into_iter()
                .chain(u.aliases.iter().enumerate().map(|(a, s)| (format!("{key}.aliases[{a}]"), s.clone())));
            for (text_key, t) in texts {
                match town_texts.get(&t) {
                    Some(other) if *other != town => {
                        return Err(ConfigProblem::new(
                            text_key,
                            format!("'{t}' would name two towns: '{other}' and '{town}'"),
                        ));
                    }
                    _ => {
                        town_texts.insert(t, town.clone());
                    }
                }
            }
        }

        let mut stations_of: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if let Some(b) = &u.branch {
                stations_of.entry(b.clone()).or_default().push(i);
            }
        }
        let by_id = by_id.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let mut venues_by_first_char: HashMap<char, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if let Some(first) = u.venue.as_deref().and_then(|v| v.chars().next()) {
                venues_by_first_char.entry(first).or_default().push(i);
            }
        }

        Ok(Organisation {
            district_name,
            region_code,
            units,
            by_id,
            by_label,
            towns,
            town_texts,
            stations_of,
            venues_by_first_char,
        })
    }
}

fn check_id(key: &str, id: &str) -> Result<(), ConfigProblem> {
    if is_id_shape(id) {
        Ok(())
    } else {
        Err(ConfigProblem::new(key, format!("id '{id}' must be lower-case ASCII letters, digits and '-'")))
    }
}

// ───────────────────────────── the organisation ─────────────────────────────

/// The checked organisation, with its lookups.
#[derive(Clone, Debug)]
pub struct Organisation {
    district_name: String,
    region_code: String,
    /// Sections, then branches, then stations, each in id order (the order of the file's tables).
    units: Vec<Unit>,
    by_id: HashMap<String, usize>,
    /// Names and aliases.
    by_label: HashMap<String, usize>,
    /// Canonical town name → its branch.
    towns: BTreeMap<String, usize>,
    /// Every accepted spelling of a town → canonical name.
    town_texts: HashMap<String, String>,
    stations_of: HashMap<String, Vec<usize>>,
    /// Stations by the first character of their venue: an import looks up every ticket's
    /// address, and trying each of 143 venues on each of a million addresses is seconds.
    venues_by_first_char: HashMap<char, Vec<usize>>,
}

/// Prefixes that name the district or a level above it; a town given with them is still the town.
const TOWN_PREFIXES: [&str; 5] = ["广东省", "佛山市", "顺德区", "佛山顺德", "顺德"];
/// Suffixes that name the town's government rather than the town, longest first.
const TOWN_SUFFIXES: [&str; 6] = ["街道办事处", "镇人民政府", "街道办", "镇政府", "街道", "镇"];

impl Organisation {
    pub fn district_name(&self) -> &str {
        &self.district_name
    }
    pub fn region_code(&self) -> &str {
        &self.region_code
    }
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }
    /// Sections, then branches, then stations, each in id order.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter()
    }
    pub fn units_of_kind(&self, kind: UnitKind) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.kind == kind)
    }
    /// By id, exact name or alias (surrounding blanks ignored).
    pub fn find_unit(&self, text: &str) -> Option<&Unit> {
        let t = text.trim();
        self.unit(t).or_else(|| self.by_label.get(t).map(|&i| &self.units[i]))
    }
    /// The canonical town/street names, in the order of their branch ids.
    pub fn towns(&self) -> Vec<&str> {
        self.units_of_kind(UnitKind::Branch).filter_map(|u| u.town.as_deref()).collect()
    }
    /// The canonical town for a town as channels write it: the name, an alias of its branch, with a
    /// leading 广东省/佛山市/顺德区 and a trailing 镇/街道/街道办事处 ignored.
    pub fn resolve_town(&self, text: &str) -> Option<&str> {
        let mut t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(town) = self.town_text(&t) {
            return Some(town);
        }
        loop {
            let before = t.len();
            for p in TOWN_PREFIXES {
                if let Some(rest) = t.strip_prefix(p) {
                    t = rest.to_string();
                }
            }
            if t.len() == before {
                break;
            }
        }
        if let Some(town) = self.town_text(&t) {
            return Some(town);
        }
        TOWN_SUFFIXES
            .iter()
            .find_map(|s| t.strip_suffix(s).filter(|r| !r.is_empty()).and_then(|r| self.town_text(r)))
    }
    fn town_text(&self, t: &str) -> Option<&str> {
        self.town_texts.get(t).map(String::as_str)
    }
    /// The branch of a town, given as any spelling `resolve_town` accepts.
    pub fn branch_of_town(&self, town: &str) -> Option<&Unit> {
        let canonical = self.resolve_town(town)?;
        self.towns.get(canonical).map(|&i| &self.units[i])
    }
    /// The 商圈 of the station whose venue (mall, market, street) `address` names: the station's
    /// business district, or its venue when it has none. The longest venue named wins, so
    /// "凤城时代广场二期" is not taken for another venue whose name it contains.
    pub fn business_district_named_in(&self, address: &str) -> Option<&str> {
        let mut best: Option<(&str, &Unit)> = None;
        for (at, c) in address.char_indices() {
            for unit in self.venues_by_first_char.get(&c).into_iter().flatten().map(|i| &self.units[*i]) {
                let Some(venue) = unit.venue.as_deref() else { continue };
                if address[at..].starts_with(venue) && best.is_none_or(|(b, _)| venue.len() > b.len()) {
                    best = Some((venue, unit));
                }
            }
        }
        best.map(|(venue, u)| u.district.as_deref().unwrap_or(venue))
    }

    /// A branch's stations, in id order; empty for an unknown branch.
    pub fn stations_of_branch(&self, branch_id: &str) -> Vec<&Unit> {
        self.stations_of
            .get(branch_id)
            .map(|v| v.iter().map(|&i| &self.units[i]).collect())
            .unwrap_or_default()
    }
    /// The town of a branch or a station; `None` for a section (it serves the whole district).
    pub fn town_of_unit(&self, unit_id: &str) -> Option<&str> {
        self.unit(unit_id)?.town.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Organisation {
        let file: OrgFile = toml::from_str(
            r#"
            [district]
            name = "测试区市场监督管理局"
            region_code = "440606"
            [section.xbk]
            name = "消费者权益保护科"
            phone = "0757-22220001"
            [branch.daliang]
            name = "大良分局"
            town = "大良"
            kind = "street"
            aliases = ["大良街道"]
            phone = "0757-22220002"
            [branch.beijiao]
            name = "北滘分局"
            town = "北滘"
            kind = "town"
            phone = "0757-26660003"
            [station.daliang-02]
            name = "乙站"
            branch = "daliang"
            venue = "乙广场"
            phone = "0757-22220004"
            [station.daliang-01]
            name = "甲站"
            branch = "daliang"
            venue = "甲市场"
            venue_kind = "market"
            phone = "13800138000"
            "#,
        )
        .unwrap();
        file.build().unwrap()
    }

    #[test]
    fn phone_shapes() {
        assert!(is_phone_shape("0757-22223333"));
        assert!(is_phone_shape("020-8123456"));
        assert!(is_phone_shape("13800138000"));
        assert!(!is_phone_shape("0757-0223333"));
        assert!(!is_phone_shape("0757 22223333"));
        assert!(!is_phone_shape("12345"));
        assert!(!is_phone_shape("757-22223333"));
        assert!(!is_phone_shape("0757-2222333x"));
    }

    #[test]
    fn units_are_ordered_by_kind_then_id() {
        let org = small();
        let ids: Vec<&str> = org.units().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["xbk", "beijiao", "daliang", "daliang-01", "daliang-02"]);
        let st: Vec<&str> = org.stations_of_branch("daliang").iter().map(|u| u.id.as_str()).collect();
        assert_eq!(st, ["daliang-01", "daliang-02"]);
        assert!(org.stations_of_branch("beijiao").is_empty());
    }

    #[test]
    fn town_suffixes_and_prefixes_are_ignored() {
        let org = small();
        for t in [
            "大良",
            " 大良 ",
            "大良街道",
            "大良街道办事处",
            "顺德区大良",
            "广东省佛山市顺德区大良街道",
            "北滘镇",
        ] {
            assert!(org.resolve_town(t).is_some(), "{t}");
        }
        assert_eq!(org.resolve_town("北滘镇人民政府"), Some("北滘"));
        assert_eq!(org.resolve_town("镇"), None);
        assert_eq!(org.resolve_town(""), None);
        assert_eq!(org.resolve_town("顺德区"), None);
    }

    #[test]
    fn stations_default_to_other_venue_and_inherit_the_town() {
        let org = small();
        let s = org.unit("daliang-02").unwrap();
        assert_eq!(s.venue_kind, Some(VenueKind::Other));
        assert_eq!(org.town_of_unit("daliang-02"), Some("大良"));
        assert_eq!(org.town_of_unit("xbk"), None);
    }
}
