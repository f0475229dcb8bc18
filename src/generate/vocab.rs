//! The word lists and sentence templates the generator draws from. Every merchant, brand and
//! person they produce is fictional; place names are the district's real towns and communities,
//! so that addresses look like the ones clerks see.
//!
//! Templates use `{key}` placeholders filled by `text::fill`: `{m}` merchant, `{b}` brand, `{p}`
//! product, `{d}` date, `{a}` amount in yuan, `{n}` a small number, `{v}` venue or place, `{t}`
//! town, `{r}` what the consumer asks for.

use crate::domain::org::VenueKind;

/// Surnames, repeated roughly by how common they are in Shunde (陈, 梁, 黄, 李, 何 lead there).
pub const SURNAMES: &[&str] = &[
    "陈", "陈", "陈", "梁", "梁", "梁", "黄", "黄", "李", "李", "何", "何", "罗", "冯", "吴", "周", "张",
    "刘", "林", "郭", "谭", "邓", "麦", "区", "潘", "卢", "苏", "杨", "赖", "招", "胡", "谢", "曾", "叶",
    "钟", "徐", "朱", "王", "莫", "岑", "龙", "关", "霍", "伍", "蔡", "彭", "欧阳", "何", "梁", "陈",
];

pub const GIVEN_CHARS: &[&str] = &[
    "伟", "志", "强", "俊", "杰", "浩", "文", "华", "明", "健", "锦", "荣", "家", "辉", "嘉", "欣", "婷",
    "敏", "丽", "芳", "静", "慧", "颖", "琳", "燕", "雪", "玉", "秀", "美", "子", "晓", "淑", "桂", "凤",
    "振", "国", "永", "德", "耀", "宇", "翔", "晴", "思", "雅", "咏", "诗", "碧", "绮", "泳", "铭", "展",
    "卓", "楚", "炜", "彤", "润", "景", "培", "兆", "少", "秋", "丽", "健", "海", "惠", "洁", "峰", "斌",
];

/// Clerks of the consumer-rights section: the owners and actors of historical tickets.
pub const CLERKS: &[&str] = &["陈敏", "梁嘉欣", "何志强", "黄颖", "李俊杰", "冯慧", "罗晓彤", "谭永健"];

/// First characters of fictional shop and brand names (字号).
pub const BRAND_A: &[&str] = &[
    "嘉", "美", "宏", "盛", "汇", "丰", "信", "德", "华", "鑫", "源", "骏", "博", "佳", "裕", "泰", "恒",
    "富", "锦", "顺", "康", "悦", "朗", "雅", "通", "达", "利", "和", "祥", "鸿", "兴", "万", "金", "新",
    "星", "誉", "铭", "凯", "粤", "广", "益", "创", "隆", "昌", "瑞", "逸", "卓", "尚", "尊",
];
pub const BRAND_B: &[&str] = &[
    "诚", "记", "业", "发", "旺", "荣", "晖", "盈", "润", "森", "辉", "亿", "邦", "泰", "安", "宝", "乐",
    "居", "域", "景", "宸", "麟", "越", "进", "辰", "骏", "禾", "曦", "轩", "达", "福", "兴", "源", "成",
];

/// Fictional product brands, for goods (never a real maker's name on purpose).
pub const PRODUCT_BRANDS: &[&str] = &[
    "澜庭",
    "迈柯",
    "嘉芙",
    "朗睿",
    "沃森特",
    "凯斯顿",
    "蓝橙",
    "优佳宜",
    "极岚",
    "禾木",
    "星岛",
    "恒美达",
    "佰利来",
    "德菲朗",
    "青柏",
    "欧洛曼",
    "芮克",
    "维尚思",
    "卡洛菲",
    "云舒",
    "斯坦顿",
    "米朵",
];

/// Fictional online platforms, for disputes over goods bought online.
pub const PLATFORMS: &[&str] = &["乐购商城", "优品汇", "拼实惠", "抖选直播", "云集好物", "快团优选"];

/// Real community and village names of each town (public place names), for addresses.
pub const COMMUNITIES: &[(&str, &[&str])] = &[
    ("大良", &["金榜", "云路", "府又", "红岗", "近良", "五沙", "德和", "新桂", "顺峰", "大门"]),
    ("容桂", &["容里", "红星", "振华", "桂洲", "细滘", "华口", "马冈", "海尾", "容边", "小黄圃"]),
    ("伦教", &["荔村", "鸡洲", "霞石", "仕版", "羊额", "三洲", "永丰", "新民"]),
    ("勒流", &["江村", "众涌", "稔海", "龙眼", "黄连", "新城", "南水", "扶闾"]),
    ("陈村", &["勒竹", "潭村", "赤花", "仙涌", "石洲", "青云", "庄头", "弼教"]),
    ("均安", &["仓门", "沙头", "南浦", "天连", "星槎", "新华", "豸浦", "均安"]),
    ("杏坛", &["马宁", "光华", "逢简", "齐杏", "龙潭", "高赞", "右滩", "东村"]),
    ("龙江", &["龙山", "仙塘", "东头", "旺岗", "左滩", "集北", "丰华", "世埠"]),
    ("乐从", &["水藤", "腾冲", "沙滘", "劳村", "葛岸", "乐从", "良教", "小涌"]),
    ("北滘", &["君兰", "碧江", "林头", "西滘", "三桂", "黄龙", "莘村", "广教"]),
];

/// Used for a town the table above does not know (an organisation edited by the bureau).
pub const GENERIC_COMMUNITIES: &[&str] = &["新城", "东区", "西区", "南区", "北区", "中心"];

pub const ROADS: &[&str] =
    &["大道", "路", "南路", "北路", "东路", "西路", "新路", "大街", "一街", "二街", "横路", "工业大道"];

/// A place outside the district, written where a town is expected (flagged `unknown_town`).
pub const FOREIGN_TOWNS: &[&str] =
    &["南海区桂城", "禅城区祖庙", "广州市番禺区", "中山市小榄镇", "江门市蓬江区"];

/// A goods or service class (商品/服务类别): the trades that sell it and what goes wrong.
pub struct Category {
    pub name: &'static str,
    /// Relative frequency among complaints.
    pub weight: u32,
    pub service: bool,
    pub trades: &'static [Trade],
    pub problems: &'static [Problem],
    /// Where such merchants sit, when they sit in a station's venue.
    pub venues: &'static [VenueKind],
}

/// One line of business: how its merchants are named and what they sell.
pub struct Trade {
    /// Full trade words of an individual business: 顺德区{镇}{字号}{shop}.
    pub shops: &'static [&'static str],
    /// Trade words of a company: 佛山市顺德区{字号}{co}有限公司.
    pub cos: &'static [&'static str],
    pub products: &'static [Product],
}

/// `buy` completes "本人在{m}…": e.g. "购买了{b}{p}一台".
pub struct Product {
    pub name: &'static str,
    pub buy: &'static str,
    /// Price range in yuan.
    pub lo: i64,
    pub hi: i64,
}

/// What went wrong: a short phrase for the title, a sentence for the facts, the 中消协 dispute type
/// and what the consumer asks for. `only` names the products it can happen to (empty: any).
pub struct Problem {
    pub title: &'static str,
    pub fact: &'static str,
    pub dispute: &'static str,
    pub requests: &'static [&'static str],
    pub only: &'static [&'static str],
    /// What the merchant said, when the category's usual answers would not fit (empty: those).
    pub replies: &'static [&'static str],
}

impl Problem {
    pub fn fits(&self, product: &str) -> bool {
        self.only.is_empty() || self.only.contains(&product)
    }
    const fn answered(self, replies: &'static [&'static str]) -> Problem {
        Problem { replies, ..self }
    }
}

const fn p(name: &'static str, buy: &'static str, lo: i64, hi: i64) -> Product {
    Product { name, buy, lo, hi }
}

const fn q(
    title: &'static str,
    fact: &'static str,
    dispute: &'static str,
    requests: &'static [&'static str],
) -> Problem {
    Problem { title, fact, dispute, requests, only: &[], replies: &[] }
}

const fn q_only(
    title: &'static str,
    fact: &'static str,
    dispute: &'static str,
    requests: &'static [&'static str],
    only: &'static [&'static str],
) -> Problem {
    Problem { title, fact, dispute, requests, only, replies: &[] }
}

const REFUND: &[&str] = &["退货退款", "退货退款", "换货", "赔偿损失"];
const REPAIR: &[&str] = &["维修", "换货", "退货退款"];
const PREPAID_BACK: &[&str] = &["退还剩余费用", "退还剩余费用", "继续履行合同"];
const OVERCHARGE: &[&str] = &["退还多收费用", "赔礼道歉"];
const FRAUD: &[&str] = &["退一赔三", "退货退款"];
const FOOD_FRAUD: &[&str] = &["退一赔十", "退货退款", "赔偿损失"];
const APOLOGY: &[&str] = &["赔礼道歉", "赔偿精神损失"];
const MEDICAL: &[&str] = &["赔偿医疗费用", "赔偿损失", "退货退款"];

pub const CATEGORIES: &[Category] = &[
    Category {
        name: "家用电器",
        weight: 14,
        service: false,
        trades: &[Trade {
            shops: &["电器商行", "家电店", "电器经营部"],
            cos: &["电器", "电器销售", "家电科技"],
            products: &[
                p("空调", "购买了{b}{p}一台（含安装）", 1899, 8999),
                p("冰箱", "购买了{b}{p}一台", 1599, 9999),
                p("滚筒洗衣机", "购买了{b}{p}一台", 1299, 5999),
                p("燃气热水器", "购买并安装了{b}{p}一台", 999, 4599),
                p("洗碗机", "购买了{b}{p}一台", 2199, 7999),
                p("集成灶", "购买并安装了{b}{p}一套", 3999, 14999),
                p("电饭煲", "购买了{b}{p}一个", 199, 1299),
                p("空气炸锅", "购买了{b}{p}一个", 149, 699),
                p("扫地机器人", "购买了{b}{p}一台", 999, 4599),
                p("液晶电视", "购买了{b}{p}一台", 1699, 8999),
            ],
        }],
        problems: &[
            q("使用不久出现故障", "使用不到{n}天即出现故障，无法正常使用", "质量", REPAIR).answered(FAULT),
            q_only(
                "安装后漏水拒不处理",
                "安装后第{n}天就出现漏水，把地板泡坏了",
                "售后服务",
                &["维修", "赔偿损失"],
                &["空调", "滚筒洗衣机", "燃气热水器", "洗碗机", "集成灶"],
            ),
            q("维修多次仍未修好", "先后报修{n}次，维修人员上门后问题依旧", "售后服务", &["换货", "退货退款"])
                .answered(FAULT),
            q("疑似翻新机", "拆开包装后发现机身有明显划痕和使用痕迹，怀疑是翻新机", "假冒", FRAUD),
            q_only(
                "安装收费不透明",
                "安装师傅上门后以材料费、高空作业费等名义另外收取{n}00元",
                "价格",
                OVERCHARGE,
                &["空调", "燃气热水器", "洗碗机", "集成灶", "液晶电视"],
            )
            .answered(&["商家称安装由厂家负责，与其无关", "师傅称收费是公司规定，不肯退"]),
            q(
                "承诺赠品不兑现",
                "购买时销售人员承诺赠送的礼品和延保一直没有兑现",
                "合同",
                &["兑现承诺", "赔偿损失"],
            )
            .answered(&["商家称活动已经结束，不认可销售人员的口头承诺"]),
            q("送货延误拒不退款", "付款时约定一周内送货，实际拖了{n}周仍未送到", "合同", REFUND)
                .answered(&["商家一再推说厂家缺货，要求再等等", "商家称已安排送货，之后一直没有下文"]),
        ],
        venues: &[VenueKind::Appliance, VenueKind::Mall],
    },
    Category {
        name: "家居用品",
        weight: 12,
        service: false,
        trades: &[
            Trade {
                shops: &["家具店", "家私城", "家具商行"],
                cos: &["家具", "家具制造", "家居用品"],
                products: &[
                    p("实木餐桌", "订购了{b}{p}一套", 2800, 16800),
                    p("真皮沙发", "订购了{b}{p}一套", 4800, 29800),
                    p("定制衣柜", "定制了{b}{p}", 6800, 38000),
                    p("红木茶台", "订购了{p}一张", 3800, 26000),
                    p("儿童床", "购买了{b}{p}一张", 1280, 5980),
                    p("办公椅", "购买了{b}{p}", 399, 2680),
                ],
            },
            Trade {
                shops: &["床垫店", "床上用品店"],
                cos: &["家居用品", "寝具"],
                products: &[p("乳胶床垫", "购买了{b}{p}一张", 1680, 8800)],
            },
        ],
        problems: &[
            q_only(
                "货不对板",
                "送货后发现材质与样品不符，说好的实木实际是贴皮板材",
                "虚假宣传",
                FRAUD,
                &["实木餐桌", "定制衣柜", "红木茶台", "儿童床"],
            ),
            q_only(
                "收货后开裂变形",
                "使用不到{n}个月就出现开裂、变形",
                "质量",
                REFUND,
                &["实木餐桌", "真皮沙发", "定制衣柜", "红木茶台", "儿童床"],
            )
            .answered(FAULT),
            q_only(
                "异味严重疑甲醛超标",
                "到货后异味很重，自行检测甲醛严重超标，家里小孩出现咳嗽",
                "安全",
                MEDICAL,
                &["真皮沙发", "乳胶床垫", "定制衣柜", "儿童床"],
            ),
            q_only(
                "尺寸与合同不符",
                "安装时发现尺寸与合同约定不符，无法放进房间",
                "合同",
                REFUND,
                &["定制衣柜", "实木餐桌", "真皮沙发"],
            )
            .answered(&["商家称尺寸在误差范围内，拒绝重做"]),
            q_only(
                "宣传天然乳胶实为海绵",
                "拆开后发现内芯大部分是海绵，与宣传的天然乳胶不符",
                "虚假宣传",
                FRAUD,
                &["乳胶床垫"],
            ),
            q(
                "逾期交货拒退定金",
                "合同约定{n}0天内交货，逾期一个多月仍未交货，要求退定金被拒",
                "合同",
                &["退还定金", "赔偿损失"],
            )
            .answered(&["商家称工厂排期紧张，定金概不退还"]),
            q_only(
                "开裂脱皮拒绝保修",
                "使用{n}个月后出现开裂脱皮，商家以人为损坏为由拒绝保修",
                "售后服务",
                REPAIR,
                &["真皮沙发", "办公椅"],
            ),
        ],
        venues: &[VenueKind::Furniture, VenueKind::Mall],
    },
    Category {
        name: "一般食品",
        weight: 8,
        service: false,
        trades: &[
            Trade {
                shops: &["便利店", "副食店", "超市"],
                cos: &["商业连锁", "贸易", "食品"],
                products: &[
                    p("进口奶粉", "购买了{b}{p}{n}罐", 198, 1680),
                    p("月饼礼盒", "购买了{b}{p}{n}盒", 98, 1288),
                    p("鲜牛奶", "购买了{b}{p}", 12, 120),
                    p("即食燕窝", "购买了{b}{p}一箱", 299, 2980),
                ],
            },
            Trade {
                shops: &["烧腊档", "腊味店"],
                cos: &["食品"],
                products: &[p("腊肠", "购买了{p}{n}斤", 60, 480)],
            },
            Trade {
                shops: &["干货店", "海味店"],
                cos: &["贸易"],
                products: &[p("海鲜干货", "购买了{p}一批", 120, 1800)],
            },
        ],
        problems: &[
            q("销售过期食品", "回家后发现已超过保质期{n}天", "质量", FOOD_FRAUD),
            q("食品变质有异物", "打开后发现有异物并已发霉变质", "安全", FOOD_FRAUD),
            q_only("短斤缺两", "回家复称发现每斤少了{n}两", "计量", OVERCHARGE, &["腊肠", "海鲜干货"])
                .answered(&["摊主不承认短秤，还说本人的秤不准"]),
            q_only(
                "标签不全来源不明",
                "包装上没有中文标签和生产日期，来源不明",
                "质量",
                FOOD_FRAUD,
                &["进口奶粉", "即食燕窝", "海鲜干货", "月饼礼盒"],
            )
            .answered(&["店主称货是朋友从国外带回来的，拒绝提供进货凭证"]),
            q("价签与收银价不符", "货架标价与收银台实收价格不一致，多收了{n}元", "价格", OVERCHARGE)
                .answered(&["收银员称以收银系统价格为准，拒绝退还差价"]),
        ],
        venues: &[VenueKind::Market, VenueKind::Mall, VenueKind::Street],
    },
    Category {
        name: "餐饮和住宿",
        weight: 9,
        service: true,
        trades: &[
            Trade {
                shops: &["餐饮店", "酒家", "大排档", "茶餐厅", "鱼生馆"],
                cos: &["餐饮管理", "饮食"],
                products: &[
                    p("家庭聚餐", "就餐（{p}）", 200, 2600),
                    p("婚宴", "预订了{p}{n}席", 12000, 68000),
                    p("寿宴", "预订了{p}{n}席", 6000, 32000),
                    p("外卖", "点了{p}", 38, 260),
                ],
            },
            Trade { shops: &["甜品店"], cos: &["饮食"], products: &[p("外卖", "点了{p}", 30, 200)] },
            Trade {
                shops: &["宾馆", "民宿"],
                cos: &["酒店管理"],
                products: &[p("酒店客房", "预订了{p}", 228, 1280)],
            },
        ],
        problems: &[
            q_only(
                "菜品中发现异物",
                "上菜后在菜品中发现异物，疑似钢丝球碎屑",
                "安全",
                &["赔偿损失", "赔礼道歉"],
                &["家庭聚餐", "婚宴", "寿宴", "外卖"],
            )
            .answered(&["店方只同意免掉这道菜的费用", "店长称异物不是店内的，拒绝处理"]),
            q_only(
                "就餐后腹泻呕吐",
                "就餐后当晚同行{n}人出现腹泻、呕吐，到医院就诊",
                "安全",
                MEDICAL,
                &["家庭聚餐", "婚宴", "寿宴", "外卖"],
            )
            .answered(&["店方否认是食物问题，拒绝承担医疗费用"]),
            q_only(
                "收取未明示茶位费",
                "结账时发现被收取未事先告知的茶位费和纸巾费",
                "价格",
                OVERCHARGE,
                &["家庭聚餐"],
            )
            .answered(&["店方称茶位费是行业惯例，拒绝退还"]),
            q_only("包房设置最低消费", "包房设置最低消费，不够要补足差价", "合同", OVERCHARGE, &["家庭聚餐"])
                .answered(&["店方称最低消费是店内规定，拒绝退还差价"]),
            q_only(
                "取消预订拒退订金",
                "因故提前{n}天取消，商家拒绝退还订金",
                "合同",
                &["退还定金"],
                &["婚宴", "寿宴", "酒店客房"],
            ),
            q_only(
                "服务员态度恶劣",
                "服务员态度恶劣，还当众辱骂本人",
                "人格尊严",
                APOLOGY,
                &["家庭聚餐", "酒店客房"],
            )
            .answered(&["店长只是口头敷衍，没有任何处理", "店方称是本人先挑衅，拒绝道歉"]),
            q_only(
                "房间卫生差与宣传不符",
                "入住后发现房间卫生很差，床单有污渍，与网上宣传图片严重不符",
                "虚假宣传",
                &["退还费用"],
                &["酒店客房"],
            )
            .answered(&["店方只同意换房，不同意退款"]),
        ],
        venues: &[VenueKind::Street, VenueKind::Mall],
    },
    Category {
        name: "预付式消费",
        weight: 12,
        service: true,
        trades: &[
            Trade {
                shops: &["健身会所", "健身工作室", "瑜伽馆"],
                cos: &["健身服务", "体育发展"],
                products: &[
                    p("健身年卡", "办理了{p}", 1280, 6800),
                    p("私教课程", "购买了{p}{n}0节", 3000, 18000),
                ],
            },
            Trade {
                shops: &["游泳馆"],
                cos: &["体育发展"],
                products: &[p("游泳年卡", "为孩子办理了{p}", 980, 3980)],
            },
            Trade {
                shops: &["洗车服务部", "汽车美容店"],
                cos: &["汽车服务"],
                products: &[p("洗车储值卡", "办理了{p}", 500, 3000)],
            },
            Trade {
                shops: &["美容会所"],
                cos: &["美容", "健康管理"],
                products: &[p("美容储值卡", "办理了{p}", 2000, 30000)],
            },
            Trade {
                shops: &["儿童乐园"],
                cos: &["文化发展"],
                products: &[p("儿童乐园次卡", "为孩子办理了{p}", 680, 2980)],
            },
        ],
        problems: &[
            q("门店停业无法退费", "门店突然停业，负责人联系不上，卡内还剩{n}成余额", "合同", PREPAID_BACK),
            q("转让后不认原会员卡", "店铺转让给新老板后，新老板不认可原来的会员卡", "合同", PREPAID_BACK),
            q_only(
                "教练离职课程无法使用",
                "私教离职后门店迟迟不安排教练，剩余课时无法使用",
                "合同",
                PREPAID_BACK,
                &["私教课程"],
            ),
            q("诱导续费拒绝退款", "销售人员以限时优惠诱导续费，冷静后要求退款被拒", "合同", PREPAID_BACK),
            q(
                "擅自缩短营业时间",
                "商家擅自缩短营业时间、减少服务项目，与办卡时承诺不符",
                "合同",
                PREPAID_BACK,
            ),
        ],
        venues: &[VenueKind::Mall, VenueKind::Street, VenueKind::Other],
    },
    Category {
        name: "教育培训",
        weight: 6,
        service: true,
        trades: &[
            Trade {
                shops: &["教育培训中心", "培训学校", "艺术中心"],
                cos: &["教育科技", "文化培训", "教育咨询"],
                products: &[
                    p("英语培训课程", "为孩子报名了{p}", 3800, 28000),
                    p("美术培训课程", "为孩子报名了{p}", 2600, 12800),
                ],
            },
            Trade {
                shops: &["驾校报名点"],
                cos: &["驾驶员培训"],
                products: &[p("驾驶培训", "报名参加了{p}", 3500, 6800)],
            },
            Trade {
                shops: &["职业培训学校"],
                cos: &["职业技能培训"],
                products: &[p("职业技能培训", "报名参加了{p}", 1980, 12800)],
            },
        ],
        problems: &[
            q(
                "机构拒绝退还剩余学费",
                "上了{n}节课后因故要求退费，培训机构以各种理由拒绝退还剩余学费",
                "合同",
                PREPAID_BACK,
            ),
            q_only(
                "承诺包过未兑现",
                "报名时承诺包过、不过全额退费，考试未通过后拒不退费",
                "虚假宣传",
                &["退还费用"],
                &["驾驶培训", "职业技能培训"],
            ),
            q_only(
                "擅自更换授课老师",
                "机构擅自更换授课老师，教学质量明显下降",
                "合同",
                PREPAID_BACK,
                &["英语培训课程", "美术培训课程"],
            ),
            q("机构突然停课", "机构突然停课，负责人失联", "合同", PREPAID_BACK),
        ],
        venues: &[VenueKind::Mall, VenueKind::Street],
    },
    Category {
        name: "美容美发洗浴",
        weight: 5,
        service: true,
        trades: &[
            Trade {
                shops: &["美发店", "发型工作室"],
                cos: &["美发"],
                products: &[p("烫染套餐", "做了{p}", 288, 1680)],
            },
            Trade {
                shops: &["美容院", "皮肤管理中心"],
                cos: &["美容", "健康管理"],
                products: &[p("皮肤管理项目", "做了{p}", 680, 9800)],
            },
            Trade {
                shops: &["足浴店", "养生馆"],
                cos: &["健康管理"],
                products: &[p("足浴套餐", "消费了{p}", 128, 598)],
            },
        ],
        problems: &[
            q_only(
                "烫发后头发严重受损",
                "烫发后头发大量断裂、严重受损，商家不承认是操作问题",
                "质量",
                &["赔偿损失", "退还费用"],
                &["烫染套餐"],
            )
            .answered(&["店方称是本人发质问题，拒绝赔偿"]),
            q_only(
                "做项目后皮肤过敏",
                "做完项目后面部红肿过敏，到医院就诊花费{n}00元",
                "安全",
                MEDICAL,
                &["皮肤管理项目"],
            )
            .answered(&["店方称是个人体质问题，拒绝承担医疗费"]),
            q("被诱导办卡消费", "服务过程中被多次推销，在诱导下办卡消费", "合同", PREPAID_BACK),
            q("实际收费远高于报价", "结账时实际收费远高于事先报价，多收{n}00元", "价格", OVERCHARGE),
        ],
        venues: &[VenueKind::Mall, VenueKind::Street],
    },
    Category {
        name: "通讯产品",
        weight: 7,
        service: false,
        trades: &[Trade {
            shops: &["通讯器材店", "手机店", "数码店"],
            cos: &["通讯设备", "电子科技", "数码科技"],
            products: &[
                p("手机", "购买了{b}{p}一部", 999, 7999),
                p("平板电脑", "购买了{b}{p}一台", 1299, 5999),
                p("智能手表", "购买了{b}{p}一块", 399, 2699),
                p("蓝牙耳机", "购买了{b}{p}一副", 199, 1599),
            ],
        }],
        problems: &[
            q("新机疑似翻新机", "使用后发现激活时间早于购买日期，怀疑是翻新机", "假冒", FRAUD),
            q_only(
                "屏幕故障拒绝保修",
                "使用{n}天后屏幕出现条纹，商家称属人为损坏拒绝保修",
                "售后服务",
                REPAIR,
                &["手机", "平板电脑", "智能手表"],
            )
            .answered(FAULT),
            q("电池鼓包存在安全隐患", "电池出现鼓包发烫，存在安全隐患", "安全", REFUND).answered(FAULT),
            q("七天无理由退货被拒", "收货后不满意申请七天无理由退货，商家拒绝", "售后服务", &["退货退款"])
                .answered(&["商家称商品已激活，不适用七天无理由退货"]),
        ],
        venues: &[VenueKind::Appliance, VenueKind::Mall],
    },
    Category {
        name: "服装鞋帽",
        weight: 6,
        service: false,
        trades: &[
            Trade {
                shops: &["服装店", "服饰店"],
                cos: &["服饰", "服装"],
                products: &[
                    p("羽绒服", "购买了{b}{p}一件", 399, 2599),
                    p("童装", "购买了{b}{p}{n}件", 99, 699),
                ],
            },
            Trade {
                shops: &["鞋店", "鞋业商行"],
                cos: &["鞋业"],
                products: &[
                    p("运动鞋", "购买了{b}{p}一双", 299, 1299),
                    p("真皮皮鞋", "购买了{b}{p}一双", 399, 1899),
                ],
            },
        ],
        problems: &[
            q_only("穿了几次就开胶", "穿了不到{n}次就开胶断底", "质量", REFUND, &["运动鞋", "真皮皮鞋"])
                .answered(FAULT),
            q_only("洗后严重褪色缩水", "按标签说明洗涤后严重褪色、缩水", "质量", REFUND, &["羽绒服", "童装"])
                .answered(FAULT),
            q_only("羽绒服跑绒严重", "穿了几次就严重跑绒，怀疑充绒量不足", "质量", FRAUD, &["羽绒服"]),
            q("疑似假冒名牌", "到专柜比对后怀疑是假冒商品", "假冒", FRAUD),
            q("打折商品拒绝退换", "商家以打折商品为由拒绝退换", "售后服务", &["换货", "退货退款"])
                .answered(&["店员称打折商品售出概不退换"]),
        ],
        venues: &[VenueKind::Mall, VenueKind::Street, VenueKind::Market],
    },
    Category {
        name: "化妆品",
        weight: 3,
        service: false,
        trades: &[Trade {
            shops: &["化妆品店", "美妆店"],
            cos: &["化妆品", "生物科技"],
            products: &[
                p("面霜", "购买了{b}{p}一套", 198, 1880),
                p("面膜", "购买了{b}{p}{n}盒", 99, 680),
                p("精华液", "购买了{b}{p}", 299, 1680),
            ],
        }],
        problems: &[
            q("使用后皮肤过敏红肿", "使用后面部出现过敏红肿", "安全", MEDICAL),
            q("宣传功效与实际不符", "销售人员宣称有医疗功效，使用后完全没有效果", "虚假宣传", FRAUD),
            q("疑似假货", "与专柜正品比对后发现包装、气味不同", "假冒", FRAUD),
        ],
        venues: &[VenueKind::Mall, VenueKind::Street],
    },
    Category {
        name: "交通工具",
        weight: 5,
        service: false,
        trades: &[
            Trade {
                shops: &["电动车行", "摩托车行"],
                cos: &["车业"],
                products: &[
                    p("电动自行车", "购买了{b}{p}一辆", 1999, 5999),
                    p("电动车电池", "更换了{b}{p}", 399, 1680),
                ],
            },
            Trade {
                shops: &["汽车销售服务部"],
                cos: &["汽车销售服务", "汽车贸易"],
                products: &[p("新能源汽车", "购买了{b}{p}一辆", 89800, 259800)],
            },
            Trade {
                shops: &["二手车行"],
                cos: &["二手车交易"],
                products: &[p("二手车", "购买了{p}一辆", 28000, 128000)],
            },
        ],
        problems: &[
            q_only(
                "新车交付时已有维修痕迹",
                "提车后发现车身有补漆和维修痕迹",
                "合同",
                &["退一赔三", "赔偿损失"],
                &["新能源汽车"],
            )
            .answered(&["销售顾问称是运输途中的轻微损伤，只同意补漆"]),
            q_only(
                "电池续航严重不足",
                "使用{n}个月后续航不到宣传的一半",
                "质量",
                REPAIR,
                &["电动自行车", "新能源汽车"],
            )
            .answered(FAULT),
            q_only(
                "收取不合理服务费",
                "购车时被强制收取{n}000元“金融服务费”",
                "价格",
                OVERCHARGE,
                &["新能源汽车", "二手车"],
            )
            .answered(&["销售顾问称服务费是自愿缴纳，拒绝退还"]),
            q_only("隐瞒事故车情况", "事后查询发现是事故车，商家购车时隐瞒", "合同", FRAUD, &["二手车"])
                .answered(&["车行称购车时已告知，拒绝退车"]),
            q_only(
                "电池充电时起火",
                "充电时电池冒烟起火，险些酿成事故",
                "安全",
                MEDICAL,
                &["电动自行车", "电动车电池"],
            ),
        ],
        venues: &[VenueKind::Auto],
    },
    Category {
        name: "医药及医疗用品",
        weight: 3,
        service: false,
        trades: &[
            Trade {
                shops: &["大药房", "药店"],
                cos: &["医药连锁", "大药房连锁"],
                products: &[p("保健品", "购买了{b}{p}{n}盒", 298, 6800), p("中药饮片", "购买了{p}", 80, 980)],
            },
            Trade {
                shops: &["医疗器械店"],
                cos: &["医疗器械"],
                products: &[p("血压计", "购买了{b}{p}一台", 199, 899)],
            },
        ],
        problems: &[
            q_only(
                "保健品宣称治病",
                "店员宣称该保健品能治疗高血压，老人服用后毫无效果",
                "虚假宣传",
                FRAUD,
                &["保健品"],
            )
            .answered(&["店方称从未宣传过治疗功效，拒绝退货"]),
            q_only("销售过期产品", "回家后发现已过有效期", "质量", FOOD_FRAUD, &["保健品", "中药饮片"]),
            q_only("测量数据误差很大", "与医院测量结果对比误差很大", "质量", REFUND, &["血压计"])
                .answered(FAULT),
        ],
        venues: &[VenueKind::Street, VenueKind::Mall, VenueKind::Market],
    },
    Category {
        name: "电信服务",
        weight: 3,
        service: true,
        trades: &[Trade {
            shops: &["通信营业厅", "宽带营业部"],
            cos: &["通信服务", "网络科技"],
            products: &[p("宽带套餐", "办理了{p}", 600, 2400), p("手机话费套餐", "办理了{p}", 300, 3600)],
        }],
        problems: &[
            q_only(
                "擅自变更套餐扣费",
                "营业厅未经同意擅自变更套餐，每月多扣{n}0元",
                "合同",
                OVERCHARGE,
                &["手机话费套餐"],
            ),
            q_only(
                "宽带长期无法使用",
                "宽带频繁断网，报修{n}次未解决",
                "售后服务",
                &["退还费用", "赔偿损失"],
                &["宽带套餐"],
            ),
            q("承诺赠送礼品未兑现", "办理时承诺赠送礼品，至今未兑现", "合同", &["兑现承诺"]),
        ],
        venues: &[VenueKind::Street, VenueKind::Mall],
    },
    Category {
        name: "文化娱乐体育",
        weight: 2,
        service: true,
        trades: &[
            Trade {
                shops: &["剧本杀馆"],
                cos: &["文化传播"],
                products: &[p("剧本杀套票", "购买了{p}", 168, 980)],
            },
            Trade {
                shops: &["游乐园"],
                cos: &["文旅发展"],
                products: &[p("游乐场门票", "购买了{p}{n}张", 99, 680)],
            },
            Trade {
                shops: &["KTV"], cos: &["娱乐"], products: &[p("KTV包房", "消费了{p}", 268, 1880)]
            },
        ],
        problems: &[
            q_only(
                "游玩项目临时关闭拒退票",
                "入园后多个项目临时关闭，商家拒绝退票",
                "合同",
                &["退还费用"],
                &["游乐场门票"],
            )
            .answered(&["园方称门票售出概不退换"]),
            q_only("禁止自带酒水", "商家禁止自带酒水，并收取开瓶费", "合同", OVERCHARGE, &["KTV包房"])
                .answered(&["店方称禁止自带酒水是店内规定"]),
            q_only("设施损坏导致受伤", "因设施损坏，孩子游玩时摔伤", "安全", MEDICAL, &["游乐场门票"])
                .answered(&["园方称是孩子自己不小心，只愿意承担部分费用"]),
            q_only(
                "临时取消场次拒绝退款",
                "商家临时取消场次，只同意改期不同意退款",
                "合同",
                &["退还费用"],
                &["剧本杀套票"],
            ),
        ],
        venues: &[VenueKind::Mall, VenueKind::Other],
    },
    Category {
        name: "居民服务",
        weight: 3,
        service: true,
        trades: &[
            Trade {
                shops: &["家政服务部"],
                cos: &["家政服务"],
                products: &[p("家政保洁", "预约了{p}服务", 180, 1280)],
            },
            Trade {
                shops: &["开锁服务部"],
                cos: &["便民服务"],
                products: &[p("上门开锁", "预约了{p}服务", 80, 880)],
            },
            Trade {
                shops: &["水电维修部"],
                cos: &["便民服务"],
                products: &[p("管道疏通", "预约了{p}服务", 100, 1500)],
            },
            Trade {
                shops: &["搬家服务部"],
                cos: &["搬家服务"],
                products: &[p("搬家服务", "预约了{p}", 380, 2800)],
            },
        ],
        problems: &[
            q("上门后坐地起价", "师傅上门后坐地起价，不给钱不让走，实际收费{a}元", "价格", OVERCHARGE)
                .answered(&["对方称报价只是起步价，材料和人工另算"]),
            q_only(
                "服务中损坏家具拒赔",
                "服务过程中损坏了家具，商家拒绝赔偿",
                "合同",
                &["赔偿损失"],
                &["家政保洁", "搬家服务"],
            )
            .answered(&["对方称家具本来就有问题，拒绝赔偿"]),
            q_only(
                "服务质量差拒不返工",
                "服务质量很差，要求返工被拒",
                "合同",
                &["退还费用"],
                &["家政保洁", "管道疏通"],
            ),
        ],
        venues: &[VenueKind::Street, VenueKind::Other],
    },
    Category {
        name: "销售服务",
        weight: 2,
        service: true,
        trades: &[Trade {
            shops: &["商行", "贸易商行", "百货店"],
            cos: &["商贸", "商业管理"],
            products: &[p("以旧换新服务", "参加了{p}", 300, 3000), p("会员积分兑换", "参加了{p}", 50, 800)],
        }],
        problems: &[
            q(
                "活动规则单方变更",
                "商家单方面变更活动规则，承诺的优惠不兑现",
                "合同",
                &["兑现承诺", "退还费用"],
            ),
            q("虚构原价促销", "商家标示的“原价”从未成交过，属虚构原价", "价格", FRAUD),
        ],
        venues: &[VenueKind::Mall, VenueKind::Market, VenueKind::Other],
    },
];

/// What merchants told the consumer, for goods, whatever went wrong.
pub const GOODS_REPLIES: &[&str] = &[
    "商家以已过七天无理由退货期为由拒绝退货",
    "商家一直推脱，电话也不接",
    "客服承诺三个工作日内处理，至今没有下文",
    "商家让本人找厂家，厂家又让本人找商家，互相推诿",
    "商家同意退款但要扣除{n}0%的手续费",
    "商家态度恶劣，拒绝处理",
];

/// What merchants say about a fault.
const FAULT: &[&str] = &[
    "商家称需寄回厂家检测，至今已{n}天没有答复",
    "商家只同意维修，不同意退换",
    "商家称属于人为损坏，拒绝保修",
    "商家以已过七天无理由退货期为由拒绝退货",
    "商家让本人找厂家，厂家又让本人找商家，互相推诿",
];

/// What merchants told the consumer, for services.
pub const SERVICE_REPLIES: &[&str] = &[
    "店长称要请示老板，之后再无回复",
    "商家一直推脱，电话也不接",
    "商家态度恶劣，多次协商无果",
    "商家只愿意赠送优惠券，拒绝其他要求",
    "商家称责任不在店方，拒绝处理",
];

/// What merchants selling cards, courses and packages (预付式) told the consumer.
pub const PREPAID_REPLIES: &[&str] = &[
    "商家以合同约定“概不退款”为由拒绝",
    "商家称店铺已经转让，与其无关",
    "商家只同意延长使用期限，不同意退款",
    "商家同意退款但要扣除{n}0%的违约金",
    "店长称要请示老板，之后再无回复",
];

/// Categories whose services are paid in advance (cards, courses, packages).
pub const PREPAID_CATEGORIES: &[&str] = &["预付式消费", "教育培训", "美容美发洗浴", "电信服务"];

pub const CLOSINGS: &[&str] = &[
    "本人认为商家的行为侵害了消费者的合法权益，请求市场监管部门依法处理。",
    "希望相关部门介入调解，维护消费者权益。",
    "多次协商无果，特此投诉，请予处理。",
    "请市场监管部门核实处理，谢谢！",
    "已保留购物凭证和聊天记录，可提供。",
];

/// Report problems (举报): the problem vocabulary and what reporters write, each a title phrase
/// with its facts.
pub struct ReportProblem {
    pub problem: &'static str,
    pub cases: &'static [(&'static str, &'static str)],
}

pub const REPORT_PROBLEMS: &[(ReportProblem, u32)] = &[
    (
        ReportProblem {
            problem: "广告违法",
            cases: &[
                (
                    "宣传使用绝对化用语",
                    "{m}在店门口及宣传单上使用“全网最低价”“顺德第一”等绝对化用语，涉嫌违反广告法。",
                ),
                (
                    "发布虚假违法广告",
                    "{m}在其微信公众号发布的广告中宣称产品“根治”“无效退款”，涉嫌发布虚假违法广告。",
                ),
                ("海报宣传无依据", "{m}在{v}张贴的海报中宣称“国家级”“最佳”，没有任何依据。"),
            ],
        },
        16,
    ),
    (
        ReportProblem {
            problem: "食品安全",
            cases: &[
                ("涉嫌使用过期变质食材", "{m}后厨卫生条件极差，使用过期变质食材，员工无健康证上岗。"),
                ("销售来源不明食品", "{m}销售的食品没有生产日期和中文标签，来源不明，怀疑是走私食品。"),
                ("熟食无防蝇防尘设施", "{m}在{v}摆卖的熟食没有防蝇防尘设施，且未公示食品经营许可证。"),
            ],
        },
        22,
    ),
    (
        ReportProblem {
            problem: "无照经营",
            cases: &[
                ("无照经营", "{v}附近有一家{trade}长期无营业执照经营，占道摆卖，影响周边居民生活。"),
                ("无证无照经营", "{v}有人在出租屋内无证无照经营{trade}，存在安全隐患。"),
            ],
        },
        12,
    ),
    (
        ReportProblem {
            problem: "价格违法",
            cases: &[
                ("未明码标价", "{m}销售商品未明码标价，结账时随意要价。"),
                ("虚构原价促销", "{m}以“原价{a}元、现价五折”促销，实际从未以原价销售，涉嫌虚构原价。"),
                ("节假日哄抬价格", "{m}在节假日期间哄抬价格，同一商品价格比平时高出一倍。"),
            ],
        },
        14,
    ),
    (
        ReportProblem {
            problem: "产品质量",
            cases: &[
                ("销售三无产品", "{m}销售的{p}无厂名厂址、无合格证，属于三无产品。"),
                ("销售不合格产品", "{m}销售的{p}疑似不合格产品，存在安全隐患。"),
                ("以旧充新", "{m}将翻新的{p}当作新品销售。"),
            ],
        },
        14,
    ),
    (
        ReportProblem {
            problem: "不正当竞争",
            cases: &[
                ("仿冒知名商品包装", "{m}销售的商品包装、装潢与某知名品牌高度近似，足以引人误认。"),
                ("虚假好评诋毁同行", "{m}雇人在网上发布虚假好评，并诋毁同行商誉。"),
            ],
        },
        8,
    ),
    (
        ReportProblem {
            problem: "侵害消费者权益",
            cases: &[
                ("强制搭售", "{m}强制消费者购买指定商品才能享受服务，属于强制搭售。"),
                ("泄露消费者个人信息", "{m}收集顾客身份证、手机号等个人信息后用于营销，泄露消费者个人信息。"),
                ("店堂告示含不公平格式条款", "{m}店堂告示写明“最终解释权归本店所有”“商品售出概不退换”。"),
            ],
        },
        14,
    ),
];

/// Sentences a reporter adds, until the facts say enough.
pub const REPORT_DETAILS: &[&str] = &[
    "该情况已持续{n}个月，周边群众反映强烈。",
    "本人多次看到此情况，拍有照片和视频。",
    "经向周边商户了解，该情况并非个例。",
    "此前已向商家指出，商家置之不理。",
];

/// Sentences a caller adds to an enquiry or a suggestion.
pub const ENQUIRY_DETAILS: &[&str] = &[
    "来电人表示曾自行查询相关规定但仍不清楚，希望得到明确答复。",
    "来电人称身边不少朋友遇到同样的问题。",
    "来电人希望工作人员回电说明。",
    "来电人表示此前已拨打过相关热线，未得到答复。",
];

/// Trades of unlicensed businesses (无照经营), for report targets without a registered name, with
/// the class their complaints are counted under.
pub const UNLICENSED_TRADES: &[(&str, &str)] = &[
    ("烧烤档", "餐饮和住宿"),
    ("小食档", "餐饮和住宿"),
    ("维修档", "居民服务"),
    ("理发档", "美容美发洗浴"),
    ("水果摊", "一般食品"),
    ("二手家电回收点", "家用电器"),
];

pub const ENQUIRIES: &[(&str, &str)] = &[
    ("预付卡退费相关规定", "来电人咨询在健身房办理的预付卡，商家停业后如何退费，需要准备哪些材料。"),
    ("网购七天无理由退货规定", "来电人咨询网上购买的商品拆封后能否适用七天无理由退货，以及运费由谁承担。"),
    ("投诉处理进度", "来电人咨询此前反映的消费纠纷处理进度，称至今未接到承办单位联系，希望尽快处理。"),
    ("如何申请商品质量检测", "来电人咨询购买的家电出现质量问题，如何申请质量检测，检测费用由谁承担。"),
    (
        "食品经营许可证办理流程",
        "来电人咨询开办小餐饮店需要办理哪些证照，食品经营许可证在哪里办理、需要多长时间。",
    ),
    ("三包有效期如何计算", "来电人咨询家用电器三包有效期从哪天开始计算，维修期间是否顺延。"),
    (
        "商家不开发票怎么办",
        "来电人咨询在商场购物后商家拒绝开具发票，应向哪个部门反映，是否属于市场监管部门职责。",
    ),
    ("个体工商户变更经营范围", "来电人咨询个体工商户变更经营范围需要提交哪些材料，能否网上办理。"),
];

pub const SUGGESTIONS: &[(&str, &str)] = &[
    (
        "加强对预付式消费的监管",
        "建议市场监管部门加强对健身房、美容院等预付式消费的监管，要求商家设立资金监管账户，防止卷款跑路。",
    ),
    ("农贸市场增设公平秤", "建议在{v}增设公平秤并定期校准，方便市民复称，减少短斤缺两纠纷。"),
    ("公示商户投诉情况", "建议定期公示被投诉较多的商户名单，方便消费者选择，也督促商家诚信经营。"),
    ("规范商圈停车收费", "建议规范{v}周边停车场收费，明码标价，杜绝乱收费现象。"),
    ("推广放心消费承诺", "建议在{t}更多商场推广放心消费承诺和线下无理由退货，提升消费环境。"),
];

/// Refusal (不予受理) reasons a unit plausibly gives for a generated complaint, by weight.
pub const REFUSALS: &[(&str, &str, u32)] = &[
    ("outside_duties", "该纠纷属于房地产/金融等其他部门职责范围，已告知投诉人向相关部门反映", 30),
    ("already_handled", "投诉人已就同一纠纷向人民法院提起诉讼", 12),
    ("no_consumer_dispute", "投诉人系为经营需要购买，不属于生活消费", 14),
    ("missing_materials", "经告知补正，投诉人仍未提供被投诉人的具体信息和相关证据", 28),
    ("other", "投诉人无法提供购买凭证，经核实不符合受理条件", 10),
];

pub const MEDIATION_END_REASONS: &[&str] = &[
    "双方分歧较大，经多次调解未能达成一致，终止调解，已告知投诉人可通过民事诉讼途径解决",
    "被投诉人拒绝调解，终止调解，已告知投诉人可依法向人民法院起诉",
    "调解期间投诉人撤回投诉，终止调解",
    "自受理之日起45个工作日内未能达成调解协议，终止调解",
];

pub const RETURN_NOTES: &[(&str, &str)] = &[
    ("not_our_duty", "经核实该商户不在本辖区，请改派"),
    ("address_unknown", "被投诉人地址不详，无法找到经营场所"),
    ("wrong_type", "该件反映的是违法行为，应按举报处理"),
    ("missing_elements", "缺少被投诉人名称和联系方式，请补充后再派"),
];

pub const CHANNEL_RETURN_NOTES: &[&str] = &[
    "该工单反映的是物业管理问题，属住建部门职责",
    "该工单反映的是劳动报酬纠纷，属人社部门职责",
    "该工单反映的是医疗服务纠纷，属卫生健康部门职责",
    "工单所涉地址不在顺德区，请转属地处理",
];

pub const SUSPEND_REASONS: &[&str] = &[
    "商品送第三方机构检测，检测期间中止",
    "需委托鉴定机构进行质量鉴定，鉴定期间中止",
    "投诉人因病住院暂无法配合调解，中止",
];

pub const UNREACHABLE_NOTES: &[&str] = &["回访电话三次无人接听", "回访电话号码已停机", "投诉人拒绝接受回访"];
pub const UNSATISFIED_NOTES: &[&str] = &["投诉人对处理结果不满意，要求重新处理", "投诉人称商家未按协议退款"];
pub const SATISFIED_NOTES: &[&str] = &["投诉人对处理结果表示满意", "投诉人表示满意，感谢工作人员", "满意"];
