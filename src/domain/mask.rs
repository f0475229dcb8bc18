//! Masking of personal data for screens and default outputs (脱敏): enough left to recognise a
//! caller on the phone, not enough to identify them from a screenshot.

/// 张三丰 → 张**; Li Wei → L*****.
pub fn name(text: &str) -> String {
    let mut chars = text.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// 13800001234 → 138****1234; 0757-22213344 → 0757****3344.
pub fn phone(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head = if chars.len() >= 11 { 3 } else { 2 };
    let head = if chars.get(4) == Some(&'-') { 4 } else { head };
    let tail = 4;
    let mut out: String = chars[..head].iter().collect();
    out.push_str("****");
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// Keeps the district and street, hides the house: 广东省佛山市顺德区大良街道凤山中路88号3座1201 → 广东省佛山市顺德区大良街道…
pub fn address(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= 6 {
        return chars.iter().map(|_| '*').collect();
    }
    let keep = (chars.len() / 2).min(14);
    let mut out: String = chars[..keep].iter().collect();
    out.push('…');
    out
}

/// ID numbers: first 3 and last 2 characters.
pub fn id_number(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 5));
    out.extend(&chars[chars.len() - 2..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_name_keeps_only_the_surname() {
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name("欧阳娜娜"), "欧***");
    }

    #[test]
    fn a_masked_phone_keeps_the_prefix_and_last_four_digits() {
        assert_eq!(phone("13800001234"), "138****1234");
        assert_eq!(phone("0757-22213344"), "0757****3344");
        assert_eq!(phone("12345"), "*****");
    }

    #[test]
    fn a_masked_address_hides_the_house_number() {
        let masked = address("广东省佛山市顺德区大良街道凤山中路88号3座1201");
        assert!(masked.ends_with('…'));
        assert!(!masked.contains("1201"));
    }
}
