//! Filling templates and keeping generated text within the limits clerks and imports expect.

/// The values a template may refer to (see `vocab` for the keys).
#[derive(Default)]
pub struct Vars<'a> {
    pub m: &'a str,
    pub b: &'a str,
    pub p: &'a str,
    pub d: &'a str,
    pub a: &'a str,
    pub n: &'a str,
    pub v: &'a str,
    pub t: &'a str,
    pub r: &'a str,
    pub trade: &'a str,
}

/// Replaces every `{key}` of `template`; an unknown key is kept as written, so a typo in a
/// template shows up in the data instead of silently vanishing.
pub fn fill(template: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        let value = match key {
            "m" => Some(vars.m),
            "b" => Some(vars.b),
            "p" => Some(vars.p),
            "d" => Some(vars.d),
            "a" => Some(vars.a),
            "n" => Some(vars.n),
            "v" => Some(vars.v),
            "t" => Some(vars.t),
            "r" => Some(vars.r),
            "trade" => Some(vars.trade),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The first `max` characters, cut after the last full stop that fits when there is one, so a
/// shortened text still ends on a whole sentence.
pub fn clip_sentences(s: &str, max: usize) -> String {
    if chars(s) <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    match head.rfind('。') {
        Some(i) if i > 0 => head[..i + '。'.len_utf8()].to_string(),
        _ => head,
    }
}

pub fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A yuan amount as people write it: no decimals unless there are jiao or fen.
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 { format!("{}", fen / 100) } else { format!("{}.{:02}", fen / 100, (fen % 100).abs()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_are_filled_and_unknown_ones_kept() {
        let v = Vars { m: "鸿兴家具店", p: "沙发", ..Vars::default() };
        assert_eq!(fill("在{m}购买{p}{x}", &v), "在鸿兴家具店购买沙发{x}");
        assert_eq!(fill("无变量", &v), "无变量");
        assert_eq!(fill("残缺{m", &v), "残缺{m");
    }

    #[test]
    fn clipping_ends_on_a_sentence_when_it_can() {
        assert_eq!(clip_sentences("第一句。第二句很长很长。", 8), "第一句。");
        assert_eq!(clip_sentences("短。", 8), "短。");
        assert_eq!(clip_sentences("没有句号的长文本内容", 4), "没有句号");
    }

    #[test]
    fn amounts_drop_zero_fen() {
        assert_eq!(yuan(299_900), "2999");
        assert_eq!(yuan(36_850), "368.50");
    }
}
