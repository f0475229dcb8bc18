//! The classification vocabularies a clerk picks from at triage (after the 中消协 dispute types
//! and the goods and service classes of the public monthly 12315 reports).

/// 争议类型 of a complaint.
pub const DISPUTE_TYPES: &[&str] =
    &["质量", "安全", "价格", "计量", "假冒", "合同", "虚假宣传", "人格尊严", "售后服务", "其他"];

/// 问题类型 of a report.
pub const REPORT_PROBLEMS: &[&str] =
    &["广告违法", "侵害消费者权益", "产品质量", "食品安全", "不正当竞争", "价格违法", "无照经营"];

/// 商品/服务类别.
pub const CATEGORIES: &[&str] = &[
    "一般食品",
    "服装鞋帽",
    "交通工具",
    "家居用品",
    "家用电器",
    "通讯产品",
    "化妆品",
    "医药及医疗用品",
    "餐饮和住宿",
    "教育培训",
    "美容美发洗浴",
    "销售服务",
    "电信服务",
    "文化娱乐体育",
    "居民服务",
    "预付式消费",
    "网络交易",
];
