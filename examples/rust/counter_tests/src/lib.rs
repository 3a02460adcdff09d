//! A counter server and its tests, written with lunatic-rs as for Lunatic: `#[lunatic::test]`
//! marks tests that each run in a process of their own, and `cargo test` runs the test binary
//! with the runner of `.cargo/config.toml`, `weft run --dir .` (Lunatic's test mode: weft runs
//! each exported test as its own root process and prints what libtest prints).
//!
//! `cargo test` (Weft as the runner), or `weft run counter_tests.wasm [FILTER] [--include-ignored]`.

use lunatic::abstract_process;
use lunatic::ap::Config;

/// Counts what it is asked to count.
pub struct Counter(u32);

#[abstract_process(visibility = pub)]
impl Counter {
    #[init]
    fn init(_: Config<Self>, start: u32) -> Result<Self, ()> {
        Ok(Counter(start))
    }

    /// Adds one (a message: no answer).
    #[handle_message]
    fn increment(&mut self) {
        self.0 += 1;
    }

    /// Adds `n` and answers the new count.
    #[handle_request]
    fn add(&mut self, n: u32) -> u32 {
        self.0 += n;
        self.0
    }

    /// The count.
    #[handle_request]
    fn count(&self) -> u32 {
        self.0
    }

    /// Fails the counter's process.
    #[handle_message]
    fn crash(&self) {
        panic!("counter crashed at {}", self.0);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lunatic::ap::{AbstractProcess, ProcessRef};
    use lunatic::{sleep, spawn_link, Mailbox, Process};

    use super::{Counter, CounterMessages, CounterRequests};

    #[lunatic::test]
    fn counts_from_its_start() {
        let counter = Counter::link().start(10).unwrap();
        assert_eq!(counter.count(), 10);
        assert_eq!(counter.add(5), 15);
    }

    #[lunatic::test]
    fn messages_and_requests_arrive_in_order() {
        let counter = Counter::link().start(0).unwrap();
        for _ in 0..100 {
            counter.increment();
        }
        assert_eq!(counter.count(), 100);
    }

    #[lunatic::test]
    fn clients_in_other_processes_share_it() {
        let counter = Counter::link().start_as(&"shared-counter", 0).unwrap();
        let clients: Vec<_> = (0..4)
            .map(|_| {
                spawn_link!(@task || {
                    let counter = ProcessRef::<Counter>::lookup(&"shared-counter").unwrap();
                    for _ in 0..25 {
                        counter.add(1);
                    }
                })
            })
            .collect();
        for client in clients {
            client.result();
        }
        assert_eq!(counter.count(), 100);
    }

    #[lunatic::test]
    fn a_crashed_counter_is_no_longer_alive() {
        // Started without a link, so its failure does not end the test's process.
        let counter = Counter::start(0).unwrap();
        counter.crash();
        while counter.is_alive() {
            sleep(Duration::from_millis(1));
        }
    }

    /// A test that takes a mailbox receives in the test's own process.
    #[lunatic::test]
    fn a_test_with_a_mailbox(mailbox: Mailbox<u32>) {
        let this = mailbox.this();
        Process::spawn_link(this, |parent: Process<u32>, _: Mailbox<()>| parent.send(42));
        assert_eq!(mailbox.receive(), 42);
    }

    #[lunatic::test]
    fn a_request_to_a_crashed_counter_times_out() {
        let counter = Counter::start(0).unwrap();
        counter.crash();
        assert!(counter.with_timeout(Duration::from_millis(50)).count().is_err());
    }

    #[lunatic::test]
    #[should_panic(expected = "Timeout")]
    fn a_panicking_test_that_should_panic_passes() {
        let counter = Counter::start(0).unwrap();
        counter.crash();
        counter.with_timeout(Duration::from_millis(50)).count().unwrap();
    }

    #[lunatic::test]
    #[ignore]
    fn ignored_unless_asked() {
        assert_eq!(1 + 1, 2);
    }
}
