//! A supervised server and its clients, written with lunatic-rs as for Lunatic.
//!
//! `Counter` is an `AbstractProcess` (written with the `#[abstract_process]` macro) that counts
//! the requests it answers. A `Supervisor` starts it, registered as "counter", and restarts it
//! (one for one) when it crashes. Clients are processes of their own that look the counter up by
//! its name and make requests; after the counter crashes, a client finds the restarted one under
//! the same name, with its count back at the start. Run it with `cargo run` (Weft as the
//! runner) or `weft run supervised_counter.wasm`.

use std::time::Duration;

use lunatic::ap::{AbstractProcess, Config, ProcessRef};
use lunatic::supervisor::{Supervisor, SupervisorConfig, SupervisorStrategy};
use lunatic::{abstract_process, sleep, spawn_link, Mailbox};

/// The server: a count of the requests it answered, from where its supervisor started it.
pub struct Counter {
    count: u32,
}

#[abstract_process(visibility = pub)]
impl Counter {
    #[init]
    fn init(_: Config<Self>, start: u32) -> Result<Self, ()> {
        println!("counter: started at {start}");
        Ok(Counter { count: start })
    }

    /// Counts a request and answers the count.
    #[handle_request]
    fn increment(&mut self) -> u32 {
        self.count += 1;
        self.count
    }

    /// A message that makes the counter panic: its process fails, its supervisor sees it.
    #[handle_message]
    fn crash(&self) {
        println!("counter: crashing at {}", self.count);
        panic!("the counter was asked to crash");
    }
}

/// Starts the counter, named "counter", from 0, and restarts it whenever it fails.
struct CounterSupervisor;

impl Supervisor for CounterSupervisor {
    type Arg = ();
    type Children = (Counter,);

    fn init(config: &mut SupervisorConfig<Self>, _: ()) {
        config.set_strategy(SupervisorStrategy::OneForOne);
        config.set_args((0,));
        config.set_names((Some("counter".to_owned()),));
    }
}

/// The counter registered as "counter" now, if any.
fn lookup() -> Option<ProcessRef<Counter>> {
    ProcessRef::<Counter>::lookup(&"counter")
}

/// A client, in a process of its own: finds the counter by name, makes `requests` requests and
/// says what the counter answered.
fn client(n: u32, requests: u32) -> String {
    let counter = lookup().expect("a counter is registered as \"counter\"");
    let answers: Vec<String> = (0..requests).map(|_| counter.increment().to_string()).collect();
    format!("client {n}: counter {} answered {}", counter.id(), answers.join(", "))
}

#[lunatic::main]
fn main(_: Mailbox<()>) {
    let supervisor = CounterSupervisor::link().start(()).unwrap();
    let first = lookup().expect("the supervisor started the counter");
    println!("main: supervisor {} started counter {}", supervisor.id(), first.id());

    // Two clients, one after the other: the second sees the count the first left.
    for n in 1..=2 {
        println!("{}", spawn_link!(@task |n| client(n, 3)).result());
    }

    // The counter crashes; its supervisor starts a new one under the same name.
    println!("main: asking counter {} to crash", first.id());
    first.crash();
    let restarted = loop {
        match lookup() {
            Some(counter) if counter.id() != first.id() => break counter,
            _ => sleep(Duration::from_millis(5)),
        }
    };

    // A client now reaches the restarted counter, which counts from 0 again.
    println!("{}", spawn_link!(@task || client(3, 3)).result());
    println!(
        "main: the supervisor restarted the counter: {} -> {}; the old one is alive: {}",
        first.id(),
        restarted.id(),
        first.is_alive()
    );
    let children = supervisor.children();
    println!("main: the supervisor's child is counter {}", children.0.id());
}
