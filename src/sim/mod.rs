//! `rightsdesk sim`: a real HTTP server playing every remote party of the bureau — the 14 remote
//! channels, the SMS gateway and the handling units — for the demo, the integration tests and
//! the benchmarks. It speaks only HTTP to rightsdesk and needs no store or config directory.
//!
//! # Tickets
//! Generated before the server listens, from `--seed` (same seed, `--faults` and `--rate`, same
//! `generated` ledger on every machine): the first 14 one to each remote channel (so every
//! channel has work), the rest spread over them with the generator's channel weights, about 3%
//! the same matter again through another channel. Item k is
//! published (visible to clients) `k / --rate` minutes after start, all at once with
//! `--rate 0`, and its receipt time is the clock at start (`RIGHTSDESK_NOW` respected) plus
//! that offset, in whole seconds. "Start" for publication is the instant the tickets have been
//! generated (the ledger's `started_at`); a since-feed publishes the items of one receipt second
//! together, when the last of them is due (the ledger's `released_ms` says when each one was).
//! Every list serves a channel's items in one stable publication order; items only ever get
//! appended.
//!
//! # The five native shapes
//! Base path `/{channel}`. Absent text is `""` in the pinyin and mail shapes and `null` in the
//! other two; the kind may be absent (`""` / `null`) on a valid item. No valid item has a text
//! field over 2,000 characters. Errors answer `{"error": "..."}` with the HTTP status.
//!
//! **pinyin** — 12345, 8180, mayor. `Authorization: Bearer sim-{channel}-token`.
//! - `GET /{ch}/api/gd/list?page=N&page_size=M` (page from 1, default 1; size default 20, at
//!   most 500) → `{"code":0,"msg":"ok","data":{"total":T,"page":N,"rows":[...]}}`, `total` = items
//!   published so far; rows `(N-1)*M ..` of the publication order.
//! - item: `gdbh` id, `sllx` 投诉/举报/咨询/建议, `slsj` `2026-11-28 10:00:00` (China time),
//!   `zj` town, `tsrxm` `tsrdh` `tsrdz` complainant name/phone/address, `btsrmc` `tyshxydm`
//!   `btsrdz` respondent name/credit code/address, `bt` title, `sq` request, `nr` facts, `je`
//!   amount in yuan as text (`"3299.00"` or `""`), `splb` category, `wtlx` dispute type.
//! - sign-for `POST /{ch}/api/gd/{gdbh}/qs` `{"qsr","qssj"}`; write-back `POST
//!   /{ch}/api/gd/{gdbh}/hf` `{"bljg" (required),"wcsj","whjjss"}` → `{"code":0,"msg":"ok"}`.
//!
//! **nested** — 12315, 12315-odr, upper, dept, council. Headers `X-App-Key: sim-{channel}`,
//! `X-Timestamp: <epoch ms>` (within 5 minutes of the simulator's clock, which honours
//! `RIGHTSDESK_NOW`) and `X-Signature: hex(sha256("sim-{channel}-secret\nMETHOD\nPATH\nTIMESTAMP"))`,
//! PATH the request path as sent, without the query (e.g. `/12315/v2/cases`).
//! - `GET /{ch}/v2/cases?cursor=TOKEN&limit=M` (no cursor: from the start; limit default 20, at
//!   most 500) → `{"items":[...],"next_cursor":"TOKEN"}`; `next_cursor` is always there, equal to
//!   the input when nothing new. A token from another channel → 400.
//! - item: `{"id","type":"complaint|report|enquiry|suggestion"|null,"received_at":<epoch ms>,
//!   "consumer":{"name","mobile","address"},"business":{"name","uscc","address"},"subject",
//!   "appeal","description","amount":<yuan as a JSON number, e.g. 3299.5>|null,"region":{"town"},
//!   "category","issue"}`.
//! - sign-for `POST /{ch}/v2/cases/{id}/ack` (no body needed) → `{"id","status":"acknowledged"}`;
//!   write-back `POST /{ch}/v2/cases/{id}/result` `{"result" (required),"finished_at":<ms>,
//!   "recovered":<yuan number>}` → `{"id","status":"closed"}`.
//!
//! **since** — wechat, miniapp, station. `Authorization: Bearer sim-{channel}-token`.
//! - `GET /{ch}/messages?since=RFC3339&after_id=ID&limit=M` (encode `+` as `%2B`) → a JSON array
//!   of the items strictly after `(since, after_id)` in `(received_at, msg_id)` order (byte order
//!   of the id). Without `since`: from the start; without `after_id`: items at exactly `since`
//!   are included. All items of one second are published together, so resuming after the
//!   greatest `(received_at, msg_id)` seen never misses one.
//! - item (flat): `msg_id, kind (complaint|report|enquiry|suggestion|null), received_at (RFC 3339
//!   +08:00), town, name, phone, address, merchant, merchant_code, merchant_address, title,
//!   request, content, amount ("3299.00" or null), category, problem`.
//! - sign-for `POST /{ch}/messages/{msg_id}/receipt`; write-back `POST
//!   /{ch}/messages/{msg_id}/reply` `{"text" (required),"done_at","recovered"}` → `{"ok":true}`.
//!
//! **mail** — email, media. App key and signature as in nested.
//! - `GET /{ch}/openapi/letters?token=TOKEN&size=M` → `{"result":{"list":[...],"next":"TOKEN"}}`
//!   (tokens as in nested).
//! - item keys: 信件编号, 类型 (投诉/举报/咨询/建议 or ""), 来信时间 (`2026/11/28 10:00`, China
//!   time, minutes), 镇街, 姓名, 电话, 地址, 被反映单位, 信用代码, 单位地址, 标题, 诉求, 内容,
//!   金额 (`"3299.00"` or ""), 类别, 问题类型.
//! - sign-for `POST /{ch}/openapi/letters/{no}/sign` `{"签收人","签收时间"}`; write-back `POST
//!   /{ch}/openapi/letters/{no}/reply` `{"办理结果" (required),"办结时间","挽回金额"}` →
//!   `{"result":{"success":true}}`.
//!
//! **gateway** — rmw. Header `X-Api-Key: sim-{channel}-key`. Every answer is HTTP 200 (but for
//! the `5xx`, `reset` and `timeout` faults) with `{"resultCode","resultMsg"}`: `"0000"` 成功 is
//! success; `1001` bad or missing key, `1002` a missing parameter, Idempotency-Key or required
//! field, `1004` a time not written `2026/11/28 09:30:00`, `2003` refused (the `refuse` fault),
//! `2004` an unknown ticket, `5001` busy (the `refuse` fault on a list).
//! - `GET /{ch}/gateway/workorders?pageNo=N&pageSize=M` (pageNo from 1; size as pinyin) →
//!   `{"resultCode":"0000","resultMsg":"成功","data":{"totalCount":T,"pageNo":N,"list":[...]}}`,
//!   `totalCount` = items published so far.
//! - item: `orderNo`, `orderType` 投诉/举报/咨询/建议 or "", `acceptTime` `2026/11/28 09:30:00`
//!   (China time), `street`, `contactName` `contactPhone` `contactAddr`, `targetName`
//!   `targetCreditCode` `targetAddr`, `subject`, `demand`, `content`, `involvedAmount` (`"3299.00"`
//!   or ""), `categoryName`, `problemType`.
//! - sign-for `POST /{ch}/gateway/workorders/{no}/receive` `{"receiver","receiveTime"}`; write-back
//!   `POST /{ch}/gateway/workorders/{no}/feedback` `{"handleResult" (required),"finishTime",
//!   "recoveredAmount"}` → `{"resultCode":"0000","resultMsg":"成功"}`. A refused one is not
//!   recorded.
//!
//! **Rules for every sign-for and write-back**: a wrong or missing credential → 401; no
//! `Idempotency-Key` header → 400; an id not (yet) published → 404; a write-back without its
//! required field → 400; nothing of these is recorded. Each arrival that gets (or would have
//! got, see timeout) a 2xx is recorded in the ledger under its idempotency key.
//!
//! **SMS gateway**: `POST /sms/send` `{"to","text"}` with `Authorization: Bearer sim-sms-token`
//! and `Idempotency-Key` → `{"code":0,"msg":"ok"}`.
//!
//! # Faults (`--faults`, see `faults`)
//! Drawn per request from the seed and the request's number. On lists: `5xx` → 503;
//! `timeout` → held 30 s, then answered; `slow` → 0.5–2 s late; `reset` → the connection is
//! dropped with no response (RST); `reorder` → the page shuffled; `dup` → 1–3 items of earlier
//! pages again within the page (a page may then hold more rows than asked; take the greatest
//! position/time seen, not the last row, as the next resume point). On sign-for, write-back and
//! SMS (`sms:` prefix): `5xx`, `reset` (not recorded), `timeout` (recorded, then held) and
//! `slow`. `refuse` (gateway shape only; ignored elsewhere): a list, sign-for or write-back is
//! answered HTTP 200 with a failure code, and a refused effect is not recorded. `malformed` is
//! decided per item at generation (`valid: false` and `malformed` in the
//! ledger): `wrong_type` (amount `{}` or id `[1,2,3]`), `missing_field` (no id or no receipt
//! time), `bad_text` (title with a lone surrogate escape `\udc80`: a page holding one does not
//! parse as a whole into `serde_json::Value`; parse items as `RawValue` or split first) or
//! `oversized` (a title of 100 KB).
//!
//! # Ledger and control
//! `GET /_sim/ledger` → `{"started_at","generated":[{"channel","channel_ticket_id","valid",
//! "malformed"?,"released_ms"}],"signed":[{"channel","channel_ticket_id","keys":[distinct
//! keys],"count":arrivals}],"writebacks":[same, plus "last": the latest body],
//! "sms":[{"to","keys","count"}]}`. `started_at` (RFC 3339, `+08:00`, milliseconds) is the
//! simulator's clock when publication began and `released_ms` the ms after it when the item
//! became visible: together the instant a client could first have seen it (the benchmarks'
//! visibility latency counts from there). With `RIGHTSDESK_NOW` set, `started_at` is that fixed
//! time, not the wall clock.
//! `GET /_sim/health` → 200. `POST /_sim/units` `{"base_url","tokens":{"unit":"token"}}` starts
//! the simulated units (see `units`).

mod conn;
mod faults;
mod feed;
mod ledger;
mod server;
mod shapes;
mod units;

pub use faults::{FaultSpec, FaultSpecError};
pub use server::sign;
pub use shapes::Shape;
pub use units::UnitDelay;

use crate::domain::channel::Channels;
use crate::domain::org::Organisation;
use crate::time::Clock;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    pub tickets: usize,
    /// Items published per minute; 0 = all at start.
    pub rate_per_min: u64,
    pub faults: FaultSpec,
    pub unit_delay: UnitDelay,
}

/// A simulator with its tickets generated, not yet listening.
pub struct Simulator {
    sim: Arc<server::Sim>,
}

impl Simulator {
    pub fn new(
        opts: &SimOptions,
        clock: Clock,
        org: &Organisation,
        channels: &Channels,
    ) -> Result<Simulator, reqwest::Error> {
        let plan = feed::Plan {
            seed: opts.seed,
            tickets: opts.tickets,
            rate_per_min: opts.rate_per_min,
            start: clock.now(),
            faults: &opts.faults,
        };
        let feed = feed::generate(&plan, org, channels);
        // Publication times count from here, once the tickets exist.
        let started = Instant::now();
        let ledger = ledger::Ledger::new(&feed.generated, clock.now());
        let units = Arc::new(units::Units::new(opts.unit_delay, opts.seed)?);
        let malformed = feed.generated.iter().filter(|g| g.malformed.is_some()).count();
        tracing::info!(
            tickets = feed.generated.len(),
            malformed,
            channels = feed.channels.len(),
            "tickets generated"
        );
        Ok(Simulator {
            sim: Arc::new(server::Sim {
                feed,
                ledger,
                faults: opts.faults.clone(),
                seed: opts.seed,
                clock,
                started,
                requests: AtomicU64::new(0),
                units,
            }),
        })
    }

    pub async fn bind(self, addr: SocketAddr) -> std::io::Result<Bound> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Bound { listener, sim: self.sim })
    }
}

/// A simulator bound to its address.
pub struct Bound {
    listener: tokio::net::TcpListener,
    sim: Arc<server::Sim>,
}

impl Bound {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes. In-flight requests are not awaited: a held "timeout"
    /// request would otherwise delay the exit by half a minute.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let units = tokio::spawn(self.sim.units.clone().run());
        let app = server::router(self.sim).into_make_service_with_connect_info::<conn::Conn>();
        let serve = axum::serve(conn::SimListener::new(self.listener), app);
        let result = tokio::select! {
            r = serve.into_future() => r,
            () = shutdown => Ok(()),
        };
        units.abort();
        result
    }
}
