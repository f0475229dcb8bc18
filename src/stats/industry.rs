//! The industry (行业) of a goods or service class: the section of the national industry
//! classification (国民经济行业分类, GB/T 4754-2017) whose businesses sell it, so that "hot
//! industries" groups the classes a clerk picks at triage into the trades the bureau supervises.

/// (category, industry). Goods are sold by retail (批发和零售业), online shops included
/// (互联网零售 is retail); 预付式消费 is counted with the personal services that mostly sell
/// prepaid cards (gyms, beauty, laundries), education having its own section.
const INDUSTRIES: &[(&str, &str)] = &[
    ("一般食品", "批发和零售业"),
    ("服装鞋帽", "批发和零售业"),
    ("交通工具", "批发和零售业"),
    ("家居用品", "批发和零售业"),
    ("家用电器", "批发和零售业"),
    ("通讯产品", "批发和零售业"),
    ("化妆品", "批发和零售业"),
    ("医药及医疗用品", "批发和零售业"),
    ("销售服务", "批发和零售业"),
    ("网络交易", "批发和零售业"),
    ("餐饮和住宿", "住宿和餐饮业"),
    ("教育培训", "教育"),
    ("美容美发洗浴", "居民服务、修理和其他服务业"),
    ("居民服务", "居民服务、修理和其他服务业"),
    ("预付式消费", "居民服务、修理和其他服务业"),
    ("电信服务", "信息传输、软件和信息技术服务业"),
    ("文化娱乐体育", "文化、体育和娱乐业"),
];

/// The industry of a category; a category outside the vocabulary is its own industry, so a
/// class a deployment adds still shows rather than vanishing into "other".
pub fn industry_of(category: &str) -> &str {
    INDUSTRIES.iter().find(|(c, _)| *c == category).map_or(category, |(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_of_the_triage_vocabulary_has_an_industry() {
        for c in crate::domain::vocab::CATEGORIES {
            assert!(INDUSTRIES.iter().any(|(k, _)| k == c), "{c} has no industry");
        }
    }

    #[test]
    fn goods_classes_are_retail_and_an_unknown_class_is_its_own_industry() {
        assert_eq!(industry_of("家用电器"), "批发和零售业");
        assert_eq!(industry_of("餐饮和住宿"), "住宿和餐饮业");
        assert_eq!(industry_of("殡葬服务"), "殡葬服务");
    }
}
