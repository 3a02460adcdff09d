//! A key-value store server and its clients, written with lunatic-rs as for Lunatic.
//!
//! The server is an `AbstractProcess` registered under the name "kv". It answers three requests:
//! `Put` (returns the value the key had), `Get` and `Len`. Clients are processes of their own
//! that find the server by its name; each writes its own keys, so what each sees is certain
//! however the clients interleave. Run it with `cargo run` (Weft as the runner) or
//! `weft run kv_store.wasm [CLIENTS]`.

use std::collections::BTreeMap;

use lunatic::ap::handlers::Request;
use lunatic::ap::{AbstractProcess, Config, ProcessRef, RequestHandler, State};
use lunatic::{spawn_link, Mailbox};
use serde::{Deserialize, Serialize};

/// The server's state: the store itself.
struct KvStore {
    map: BTreeMap<String, String>,
}

impl AbstractProcess for KvStore {
    type Arg = ();
    type State = Self;
    type Serializer = lunatic::serializer::Bincode;
    type Handlers = (Request<Put>, Request<Get>, Request<Len>);
    type StartupError = ();

    fn init(_: Config<Self>, _: ()) -> Result<Self, ()> {
        Ok(KvStore { map: BTreeMap::new() })
    }
}

/// Sets a key; the answer is the value it had.
#[derive(Serialize, Deserialize)]
struct Put(String, String);

impl RequestHandler<Put> for KvStore {
    type Response = Option<String>;

    fn handle(mut state: State<Self>, Put(key, value): Put) -> Option<String> {
        state.map.insert(key, value)
    }
}

/// Reads a key.
#[derive(Serialize, Deserialize)]
struct Get(String);

impl RequestHandler<Get> for KvStore {
    type Response = Option<String>;

    fn handle(state: State<Self>, Get(key): Get) -> Option<String> {
        state.map.get(&key).cloned()
    }
}

/// How many keys the store holds.
#[derive(Serialize, Deserialize)]
struct Len;

impl RequestHandler<Len> for KvStore {
    type Response = usize;

    fn handle(state: State<Self>, _: Len) -> usize {
        state.map.len()
    }
}

/// A client: writes two keys of its own, overwrites one, reads both back and one that is not
/// there. Returns what it saw, as a line for main to print.
fn client(n: u32) -> String {
    let kv = ProcessRef::<KvStore>::lookup(&"kv").expect("the server is registered as \"kv\"");
    let (a, b) = (format!("client{n}/a"), format!("client{n}/b"));
    assert_eq!(kv.request(Put(a.clone(), "1".into())), None);
    assert_eq!(kv.request(Put(b.clone(), "2".into())), None);
    let old = kv.request(Put(a.clone(), format!("{n}{n}")));
    let (va, vb) = (kv.request(Get(a.clone())), kv.request(Get(b.clone())));
    let missing = kv.request(Get(format!("client{n}/c")));
    format!(
        "client {n}: put {a}=1, {b}=2, then {a}={n}{n} (it was {}); get {a} -> {}, {b} -> {}, client{n}/c -> {}",
        old.as_deref().unwrap_or("none"),
        va.as_deref().unwrap_or("none"),
        vb.as_deref().unwrap_or("none"),
        missing.as_deref().unwrap_or("none"),
    )
}

#[lunatic::main]
fn main(_: Mailbox<()>) {
    let clients: u32 = std::env::args().nth(1).map(|s| s.parse().expect("CLIENTS is a number")).unwrap_or(3);
    let kv = KvStore::link().start_as(&"kv", ()).unwrap();
    println!("server: started as \"kv\"");

    // The clients run at once, each in its own process; main waits for each one's answer.
    let tasks: Vec<_> = (1..=clients).map(|n| spawn_link!(@task |n| client(n))).collect();
    for task in tasks {
        println!("{}", task.result());
    }
    println!("server: holds {} keys", kv.request(Len));
}
