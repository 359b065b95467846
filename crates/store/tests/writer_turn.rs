//! The SQLite writer's turn (one per process, so this file holds one test): foreground
//! writers go before background writers that came earlier, in their own order, and a
//! background writer waits no longer than its patience while foreground writers keep
//! coming.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entraide_store::testing::TestDb;
use entraide_store::{
    background_write_transaction, write_transaction, Store, StoreError, BACKGROUND_PATIENCE,
};

type Order = Arc<Mutex<Vec<&'static str>>>;

/// A write that records its name once it holds the turn, then holds it for `hold`.
fn write(store: &Store, background: bool, name: &'static str, order: &Order, hold: Duration) {
    store
        .run_blocking(|conn| {
            let work = |_: &mut _| {
                order.lock().unwrap().push(name);
                std::thread::sleep(hold);
                Ok::<_, StoreError>(())
            };
            if background {
                background_write_transaction(conn, work)
            } else {
                write_transaction(conn, work)
            }
        })
        .unwrap();
}

#[test]
fn foreground_writers_go_first_and_background_ones_still_get_their_turn() {
    let db = TestDb::sqlite();
    let store = db.store();
    let order: Order = Arc::default();

    // 1. While "holder" writes, a background writer queues, then two foreground ones:
    //    both foreground writers go first, in the order they came.
    std::thread::scope(|scope| {
        scope.spawn(|| write(&store, false, "holder", &order, Duration::from_millis(300)));
        std::thread::sleep(Duration::from_millis(50));
        scope.spawn(|| write(&store, true, "background", &order, Duration::ZERO));
        std::thread::sleep(Duration::from_millis(50));
        scope.spawn(|| write(&store, false, "first", &order, Duration::from_millis(5)));
        std::thread::sleep(Duration::from_millis(50));
        scope.spawn(|| write(&store, false, "second", &order, Duration::ZERO));
    });
    assert_eq!(
        *order.lock().unwrap(),
        ["holder", "first", "second", "background"]
    );

    // 2. Two foreground writers that never leave the queue empty for two seconds: the
    //    background writer still writes, after about its patience.
    order.lock().unwrap().clear();
    let background_waited = std::thread::scope(|scope| {
        let started = Instant::now();
        for name in ["loop a", "loop b"] {
            let (store, order) = (&store, &order);
            scope.spawn(move || {
                while started.elapsed() < Duration::from_secs(2) {
                    write(store, false, name, order, Duration::from_millis(2));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(100));
        let queued = Instant::now();
        write(&store, true, "background", &order, Duration::ZERO);
        let waited = queued.elapsed();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the background writer waited for the foreground ones to stop"
        );
        waited
    });
    assert!(
        background_waited >= BACKGROUND_PATIENCE,
        "{background_waited:?}"
    );
    let order = order.lock().unwrap();
    let position = order.iter().position(|name| *name == "background").unwrap();
    assert!(
        position > 0 && position < order.len() - 1,
        "written between the loops' writes"
    );
}
