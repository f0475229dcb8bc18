//! 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.
//! Only the alphabet and the check character are verified: the registration-authority, type and
//! region parts vary too much in practice (individual businesses, old codes) to be judged here.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditCodeCheck {
    Valid,
    /// Not 18 characters from the code's alphabet (which has no I, O, Z, S, V).
    BadShape,
    BadCheckChar {
        expected: char,
    },
}

fn value(c: char) -> Option<u32> {
    ALPHABET.iter().position(|&a| char::from(a) == c).and_then(|p| u32::try_from(p).ok())
}

/// The check character for 17 values, or `None` when a character is outside the alphabet.
fn check_char_of(chars: &[char]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in chars.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|&b| char::from(b))
}

/// Folds what people type into the code's canonical form: blanks dropped, full-width letters and
/// digits (common in Chinese input methods) made ASCII, lower case raised.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Checks a code as written (see `normalise`).
pub fn check(code: &str) -> CreditCodeCheck {
    let chars: Vec<char> = normalise(code).chars().collect();
    if chars.len() != 18 || chars.iter().any(|c| value(*c).is_none()) {
        return CreditCodeCheck::BadShape;
    }
    match check_char_of(&chars[..17]) {
        Some(expected) if expected == chars[17] => CreditCodeCheck::Valid,
        Some(expected) => CreditCodeCheck::BadCheckChar { expected },
        None => CreditCodeCheck::BadShape,
    }
}

/// Completes 17 characters into a valid code (for test and demo data); `None` when they are not 17
/// characters of the alphabet.
pub fn with_check_char(first17: &str) -> Option<String> {
    let chars: Vec<char> = normalise(first17).chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let c = check_char_of(&chars)?;
    let mut code: String = chars.into_iter().collect();
    code.push(c);
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_completed_code_checks_valid() {
        for body in ["91440606MA4UH0000", "92440606L12345678", "12440606007654321", "Y1440606000000000"] {
            let code = with_check_char(body).unwrap();
            assert_eq!(check(&code), CreditCodeCheck::Valid, "{code}");
        }
    }

    #[test]
    fn full_width_and_lower_case_input_is_folded() {
        let code = with_check_char("91440606MA4UH0000").unwrap();
        let typed: String = code
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
            .collect();
        assert_eq!(check(&format!(" {typed} ")), CreditCodeCheck::Valid);
    }

    #[test]
    fn a_check_sum_of_zero_gives_check_char_zero() {
        assert_eq!(with_check_char("00000000000000000").as_deref(), Some("000000000000000000"));
    }

    #[test]
    fn characters_outside_the_alphabet_have_no_check_char() {
        assert_eq!(with_check_char("9144060IMA4UH0000"), None);
        assert_eq!(with_check_char("914406"), None);
    }
}
