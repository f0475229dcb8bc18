//! The derived copies' database: read in chunks with the database let go between them, and
//! the copies an older version kept in the store's database dropped.

use super::*;
use crate::store::StoreOptions;

fn record(id: u64) -> Vec<u8> {
    format!("工单{id}：预付卡退费").into_bytes()
}

fn stamp(seq: u64) -> Stamp {
    Stamp { fingerprint: [7; 32], seq, names: 1 }
}

#[test]
fn a_copy_read_in_chunks_gives_every_block_in_order_and_the_database_is_let_go_after_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    // Ten blocks: one ticket in each, a block apart, and a name and a stamp around them.
    let ids: Vec<u64> = (0..10).map(|b| b * BLOCK_TICKETS + 3).collect();
    let records = ids.iter().map(|&id| (TicketId(id), record(id)));
    store.derived_tree("facts").unwrap().write([(1, "容桂街道")], records, stamp(42)).unwrap();
    store.close_derived();
    assert!(!store.derived_is_open());

    let whole: Vec<(u64, Vec<u8>)> = store
        .derived_tree("facts")
        .unwrap()
        .blocks_in_chunks(100)
        .map(|b| b.map(|(n, v)| (n, v.to_vec())).unwrap())
        .collect();
    let mut closed_between = Vec::new();
    let mut chunked = Vec::new();
    for block in store.derived_tree("facts").unwrap().blocks_in_chunks(3) {
        closed_between.push(!store.derived_is_open());
        chunked.push(block.map(|(n, v)| (n, v.to_vec())).unwrap());
    }
    assert_eq!(chunked, whole, "the same blocks, in the same order");
    assert_eq!(whole.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert!(closed_between.iter().all(|closed| *closed), "closed while each chunk is handed out");
    for (block, bytes) in &whole {
        let read: Vec<_> =
            records_in(*block, bytes).map(|r| r.unwrap()).map(|(id, b)| (id, b.to_vec())).collect();
        let id = block * BLOCK_TICKETS + 3;
        assert_eq!(read, vec![(TicketId(id), record(id))]);
    }
    // The stamp and the name were read around the blocks, from the same copy.
    let tree = store.derived_tree("facts").unwrap();
    assert_eq!(tree.stamp().unwrap(), Some(stamp(42)));
    assert_eq!(tree.names(1).unwrap(), vec!["容桂街道".to_string()]);
}

#[test]
fn the_derived_database_is_not_closed_while_a_tree_of_it_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    let held = store.derived_tree("catalogue").unwrap();
    held.write([], [(TicketId(1), record(1))], stamp(1)).unwrap();
    store.close_derived();
    assert!(store.derived_is_open(), "a reader still holds the catalogue's tree");
    drop(held);
    store.close_derived();
    assert!(!store.derived_is_open());
    // And it opens again when next asked, with what was written.
    assert_eq!(store.derived_tree("catalogue").unwrap().stamp().unwrap(), Some(stamp(1)));
}

#[test]
fn copies_an_older_version_kept_in_the_stores_database_are_dropped_when_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join("store")).unwrap();
        db.open_tree(super::super::DOMAIN_TREE).unwrap();
        db.open_tree("facts").unwrap().insert(b"m", b"an older stamp".to_vec()).unwrap();
        db.open_tree("catalogue").unwrap().insert(b"m", b"an older stamp".to_vec()).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    let names: Vec<Vec<u8>> = store.db.tree_names().into_iter().map(|n| n.to_vec()).collect();
    assert!(!names.contains(&b"facts".to_vec()) && !names.contains(&b"catalogue".to_vec()), "{names:?}");
    assert_eq!(store.fact_tree().unwrap().stamp().unwrap(), None, "derived again at the next start");
}
