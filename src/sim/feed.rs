//! The simulator's tickets, generated in advance from the seed so that a seed gives the same
//! items on every machine, and so that serving a page is a slice of stored JSON texts.

use super::faults::{Fault, FaultSpec};
use super::shapes::{self, Malformed, Shape};
use crate::domain::channel::Channels;
use crate::domain::org::Organisation;
use crate::domain::ticket::NewTicket;
use crate::generate::Generator;
use crate::time::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, VecDeque};

/// Share of tickets that are the same matter again through another channel.
const ECHO_SHARE: f64 = 0.03;
/// How far back an echo may reach (tickets), so echoes stay close to their original.
const ECHO_WINDOW: usize = 300;

/// One generated ticket in its channel's native shape.
pub struct Item {
    /// The channel's id for it, as the ledger knows it (even when the payload lost it).
    pub id: String,
    /// Receipt time, whole seconds.
    pub received: Timestamp,
    /// When clients may first see it, in ms after the server started.
    pub visible_ms: u64,
    /// The item's JSON text as served.
    pub raw: Box<str>,
}

/// One remote channel's items in publication order: the order every list serves them in.
pub struct ChannelFeed {
    pub id: String,
    pub shape: Shape,
    pub items: Vec<Item>,
    index: HashMap<String, usize>,
}

impl ChannelFeed {
    /// How many items are published `elapsed_ms` after start (a prefix of `items`).
    pub fn visible(&self, elapsed_ms: u64) -> usize {
        self.items.partition_point(|i| i.visible_ms <= elapsed_ms)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

/// A line of the ledger's `generated` list.
pub struct Generated {
    pub channel: String,
    pub id: String,
    pub malformed: Option<Malformed>,
    /// When clients may first see it, in ms after the server started (`Item::visible_ms`).
    pub visible_ms: u64,
}

pub struct Feed {
    /// The remote channels in id order.
    pub channels: Vec<ChannelFeed>,
    /// Every item in generation order.
    pub generated: Vec<Generated>,
}

impl Feed {
    pub fn channel(&self, id: &str) -> Option<&ChannelFeed> {
        self.channels.iter().find(|c| c.id == id)
    }
}

/// What to generate: `tickets` items, item k published at `k / rate_per_min` minutes after
/// start (all at start when the rate is 0) and received at `start` plus that offset.
pub struct Plan<'a> {
    pub seed: u64,
    pub tickets: usize,
    pub rate_per_min: u64,
    pub start: Timestamp,
    pub faults: &'a FaultSpec,
}

pub fn generate(plan: &Plan, org: &Organisation, channels: &Channels) -> Feed {
    let mut generator = Generator::new(plan.seed, org, channels);
    // Separate streams so that a different --faults gives the same tickets, only broken
    // differently, and echo choices do not shift the generator's own draws.
    let mut echoes = StdRng::seed_from_u64(plan.seed ^ 0x4543_484f_4543_484f);
    let mut breaker = StdRng::seed_from_u64(plan.seed ^ 0x4641_554c_5453_494d);

    let mut feeds: Vec<ChannelFeed> = channels
        .remote()
        .filter_map(|c| {
            Shape::of(&c.id).map(|shape| ChannelFeed {
                id: c.id.clone(),
                shape,
                items: Vec::new(),
                index: HashMap::new(),
            })
        })
        .collect();
    let mut generated = Vec::with_capacity(plan.tickets);
    let mut recent: VecDeque<NewTicket> = VecDeque::with_capacity(ECHO_WINDOW);
    if feeds.is_empty() {
        return Feed { channels: feeds, generated };
    }

    for k in 0..plan.tickets {
        let offset_ms = match plan.rate_per_min {
            0 => 0,
            rate => (k as u64).saturating_mul(60_000) / rate,
        };
        let at = plan.start.millis().saturating_add(offset_ms as i64);
        let received = Timestamp::from_millis(at.div_euclid(1000) * 1000);

        // The first items go one to each channel, so that even the rarest (media: 2 in 1,000)
        // has work in a short run; the rest follow the channel mix.
        let mut channel = match feeds.get(k) {
            Some(feed) => feed.id.clone(),
            None => remote_mix(&mut generator, &feeds),
        };
        let mut original = (!recent.is_empty() && echoes.random_bool(ECHO_SHARE))
            .then(|| echoes.random_range(0..recent.len()));
        if let Some(i) = original {
            // An echo comes through another channel than its original.
            for _ in 0..8 {
                if channel != recent[i].intake.channel {
                    break;
                }
                channel = remote_mix(&mut generator, &feeds);
            }
            if channel == recent[i].intake.channel {
                original = None;
            }
        }
        let ticket = match original {
            Some(i) => generator.echo_of(&recent[i], &channel, received),
            None => {
                let ticket = generator.new_ticket(&channel, received);
                if recent.len() == ECHO_WINDOW {
                    recent.pop_front();
                }
                recent.push_back(ticket.clone());
                ticket
            }
        };

        let ci = channel_index(&feeds, &ticket.intake.channel);
        let feed = &mut feeds[ci];
        // Always draw both, so one channel's rate does not shift the next ticket's draws.
        let roll: f64 = breaker.random();
        let how = Malformed::ALL[breaker.random_range(0..Malformed::ALL.len())];
        let malformed = (roll < plan.faults.rate(&feed.id, Fault::Malformed)).then_some(how);
        let raw = shapes::render(feed.shape, &ticket, received, malformed.map(|m| (m, &mut breaker)));
        let id = ticket.intake.channel_ticket_id;
        generated.push(Generated {
            channel: feed.id.clone(),
            id: id.clone(),
            malformed,
            visible_ms: offset_ms,
        });
        feed.items.push(Item { id, received, visible_ms: offset_ms, raw: raw.into() });
    }

    for feed in &mut feeds {
        if feed.shape == Shape::Since {
            order_for_since(&mut feed.items);
        }
        feed.index = feed.items.iter().enumerate().map(|(i, item)| (item.id.clone(), i)).collect();
    }
    // A since-feed's items may have moved to later in their second: the ledger says when each
    // one really became visible.
    for g in &mut generated {
        if let Some(feed) = feeds.iter().find(|f| f.id == g.channel && f.shape == Shape::Since)
            && let Some(i) = feed.position(&g.id)
        {
            g.visible_ms = feed.items[i].visible_ms;
        }
    }
    Feed { channels: feeds, generated }
}

/// A channel id from the generator's channel mix, skipping the manual channels the simulator
/// does not serve.
fn remote_mix(generator: &mut Generator, feeds: &[ChannelFeed]) -> String {
    for _ in 0..64 {
        let c = generator.channel_mix();
        if feeds.iter().any(|f| f.id == c) {
            return c.to_string();
        }
    }
    feeds[0].id.clone()
}

fn channel_index(feeds: &[ChannelFeed], id: &str) -> usize {
    feeds.iter().position(|f| f.id == id).unwrap_or(0)
}

/// A since-feed pages by (received_at, msg_id), and its times have whole seconds. Ordering the
/// items that way, and publishing all items of one second together (when the last of them is
/// due), means a client that resumes after the last item it saw can never miss one published
/// later in the same second with a smaller id.
fn order_for_since(items: &mut [Item]) {
    items.sort_by(|a, b| (a.received, &a.id).cmp(&(b.received, &b.id)));
    let mut start = 0;
    while start < items.len() {
        let second = items[start].received;
        let end = start + items[start..].iter().take_while(|i| i.received == second).count();
        let due = items[start..end].iter().map(|i| i.visible_ms).max().unwrap_or(0);
        for item in &mut items[start..end] {
            item.visible_ms = due;
        }
        start = end;
    }
}
