//! The merchant watch list (重点关注经营者): merchants a chief has put on watch, each known the
//! way the statistics group merchants — a valid 统一社会信用代码, or the name with blanks removed
//! when there is none — so that every ticket about a watched merchant, old and new, is flagged.

use crate::domain::credit_code::{self, CreditCodeCheck};
use crate::domain::limits;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which merchant a watch names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchTarget {
    /// A 统一社会信用代码 (checked, normalised).
    CreditCode(String),
    /// A name, for a merchant whose tickets give no valid code.
    Name(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    #[error("{0:?} is not a valid 统一社会信用代码 (18 characters with a check character)")]
    BadCreditCode(String),
    #[error("the merchant's name is empty")]
    EmptyName,
    #[error("a watch needs a reason")]
    NoReason,
    #[error("the reason is too long: at most {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the name is too long: at most {max} characters")]
    NameTooLong { max: usize },
    #[error("{0} is on the watch list already")]
    AlreadyWatched(String),
    #[error("{0} is not on the watch list")]
    NotWatched(String),
}

/// A name as the merchant grouping compares names: blanks removed.
pub fn normalise_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

impl WatchTarget {
    /// The merchant key, checked: the normalised code, or the name without blanks.
    pub fn key(&self) -> Result<String, WatchError> {
        match self {
            WatchTarget::CreditCode(code) => {
                if credit_code::check(code) != CreditCodeCheck::Valid {
                    return Err(WatchError::BadCreditCode(code.clone()));
                }
                Ok(credit_code::normalise(code))
            }
            WatchTarget::Name(name) => {
                let key = normalise_name(name);
                if key.is_empty() {
                    return Err(WatchError::EmptyName);
                }
                if key.chars().count() > limits::NAME {
                    return Err(WatchError::NameTooLong { max: limits::NAME });
                }
                Ok(key)
            }
        }
    }

    pub fn by_code(&self) -> bool {
        matches!(self, WatchTarget::CreditCode(_))
    }
}

/// A reason given to put a merchant on watch or take it off: required, and bounded.
pub fn check_reason(reason: &str) -> Result<String, WatchError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WatchError::NoReason);
    }
    if reason.chars().count() > limits::TEXT {
        return Err(WatchError::ReasonTooLong { max: limits::TEXT });
    }
    Ok(reason.to_string())
}

/// One watched merchant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Watched {
    /// The merchant key: a credit code or a name without blanks.
    pub merchant: String,
    pub by_code: bool,
    /// The name it goes by, when known (given with a code).
    pub name: Option<String>,
    pub reason: String,
    pub actor: String,
    pub since: Timestamp,
}

/// Every watched merchant, by key, and the event that last changed the list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchList {
    pub merchants: BTreeMap<String, Watched>,
    /// The sequence number of the last watch or unwatch (0: never changed).
    pub changed_at: u64,
}

impl WatchList {
    pub fn is_empty(&self) -> bool {
        self.merchants.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&Watched> {
        self.merchants.get(key)
    }

    /// Whether a ticket naming the merchant `credit_code` / `name` is about a watched one: its
    /// valid code is watched, or its name (blanks removed) is watched by name.
    pub fn covers(&self, credit_code: Option<&str>, name: Option<&str>) -> bool {
        if self.merchants.is_empty() {
            return false;
        }
        if let Some(code) = credit_code
            && credit_code::check(code) == CreditCodeCheck::Valid
            && self.merchants.get(&credit_code::normalise(code)).is_some_and(|w| w.by_code)
        {
            return true;
        }
        self.covers_name(name)
    }

    /// Whether `name` (blanks removed) is watched by name.
    pub fn covers_name(&self, name: Option<&str>) -> bool {
        name.map(normalise_name)
            .is_some_and(|n| !n.is_empty() && self.merchants.get(&n).is_some_and(|w| !w.by_code))
    }

    /// The watched credit codes.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.merchants.values().filter(|w| w.by_code).map(|w| w.merchant.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(key: &str, by_code: bool) -> Watched {
        Watched {
            merchant: key.into(),
            by_code,
            name: None,
            reason: "预付卡投诉集中".into(),
            actor: "wangjun".into(),
            since: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn a_merchant_watched_by_code_covers_its_tickets_whatever_name_they_give() {
        let code = crate::domain::credit_code::with_check_char("91440606MA4UQ8XK1").expect("a code");
        let mut list = WatchList::default();
        list.merchants.insert(code.clone(), watched(&code, true));
        assert!(list.covers(Some(&code), Some("顺德区美丽人生美容院")));
        assert!(list.covers(Some(&code.to_lowercase()), None), "a code is compared normalised");
        assert!(!list.covers(None, Some("顺德区美丽人生美容院")), "a code watch does not match by name");
    }

    #[test]
    fn a_merchant_watched_by_name_covers_the_name_with_or_without_blanks() {
        let mut list = WatchList::default();
        list.merchants.insert("容桂好味道餐厅".into(), watched("容桂好味道餐厅", false));
        assert!(list.covers(None, Some("容桂 好味道 餐厅")));
        assert!(!list.covers(None, Some("大良好味道餐厅")));
        assert!(WatchTarget::Name("  ".into()).key().is_err());
    }

    #[test]
    fn a_bad_credit_code_and_an_empty_reason_are_refused() {
        assert!(matches!(
            WatchTarget::CreditCode("91440606MA4UQ8XK10".into()).key(),
            Err(WatchError::BadCreditCode(_))
        ));
        assert_eq!(check_reason("  "), Err(WatchError::NoReason));
        assert_eq!(check_reason("多次投诉未整改 ").as_deref(), Ok("多次投诉未整改"));
    }
}
