//! Answers that take time, kept sans-IO: a long-poll (Agent OTP's `wait-for-otp`, Telenumerus's
//! `/verify`) and a Server-Sent Events stream (Telenumerus's `/order/:id/stream`).
//!
//! [`Simulator::handle`] never waits. When an answer must wait for something to happen, the
//! [`SimResponse`] it returns carries a [`Hold`] besides its `outcome`:
//!
//! - [`Hold::LongPoll`]: the host keeps the request open and calls [`Simulator::resume`] with the
//!   [`LongPoll`] from time to time (after an admin action, or at the latest by the `recheck_by_ms`
//!   it is told), until it gets [`Resumed::Answer`], which it sends. The simulator always answers once
//!   the wait's deadline (simulated time) has passed, so a host that calls again by `recheck_by_ms`
//!   never holds a request longer than asked. `outcome` is what a host that cannot hold sends instead:
//!   the answer of a wait that ends at once (Agent OTP's timeout answer, Telenumerus's pending order).
//! - [`Hold::EventStream`]: `outcome` is the stream's start (status 200, `text/event-stream` headers,
//!   the events so far as the body). The host sends it without a `Content-Length`, then calls
//!   [`Simulator::stream_next`] with the [`EventStream`] from time to time and writes the events it
//!   returns, until `ended` (then it closes the connection) or the client goes away. A host that
//!   cannot stream sends `outcome` as a whole answer, which is a stream that ends early.
//!
//! Both continuations are plain serialisable values (the simulator's state is not in them), so a host
//! may persist them with the simulator. Times given to and returned by these calls are host times,
//! like `handle`'s `now_ms`.

use serde::{Deserialize, Serialize};

use crate::dialect::agentotp::OtpWait;
use crate::dialect::telenumerus::{OrderStreamCursor, VerifyWait};
use crate::http::SimResponse;
use crate::state::Simulator;

/// What a host does with a request whose answer takes time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hold {
    /// Keep the request open; ask [`Simulator::resume`] for the answer.
    LongPoll(LongPoll),
    /// Send `outcome` as the stream's start, then what [`Simulator::stream_next`] gives.
    EventStream(EventStream),
}

/// A long-poll in progress: what it waits for and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LongPoll {
    pub(crate) wait: PendingWait,
}

/// What a long-poll waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub(crate) enum PendingWait {
    /// Agent OTP `wait-for-otp`.
    Otp(OtpWait),
    /// Telenumerus `/verify`.
    Verify(VerifyWait),
}

impl LongPoll {
    /// The simulated time at which the wait ends without its event.
    #[must_use]
    pub fn deadline_ms(&self) -> u64 {
        match &self.wait {
            PendingWait::Otp(wait) => wait.deadline_ms,
            PendingWait::Verify(wait) => wait.deadline_ms,
        }
    }
}

/// A Server-Sent Events stream in progress (what has been sent, what comes next).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventStream {
    pub(crate) stream: OrderStreamCursor,
}

/// The answer of [`Simulator::resume`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resumed {
    /// The wait is over: send this.
    Answer(SimResponse),
    /// Not yet: ask again, at the latest at this host time (unix-epoch milliseconds).
    Pending {
        /// When something is next due (the SMS, the deadline), in host time.
        recheck_by_ms: u64,
    },
}

/// What [`Simulator::stream_next`] gives: events to write now, and whether the stream is over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStep {
    /// Complete events (`data: …\n\n`) and comments (`: keep-alive\n\n`), in order.
    pub events: Vec<String>,
    /// The stream is over: close the connection after writing `events`.
    pub ended: bool,
    /// While not ended: call again at the latest at this host time (the next keep-alive or SMS).
    pub recheck_by_ms: u64,
}

impl Simulator {
    /// Resumes a long-poll at host time `now_ms`: settles the clock like [`Simulator::handle`], then
    /// answers if the awaited event came, the thing waited on ended, or the deadline passed; otherwise
    /// tells when to ask again. Never panics; a wait whose order or rental is gone (after a reset) is
    /// answered at once.
    pub fn resume(&mut self, now_ms: u64, poll: &LongPoll) -> Resumed {
        let now = self.advance(now_ms);
        match &poll.wait {
            PendingWait::Otp(wait) => self.resume_otp_wait(now, wait),
            PendingWait::Verify(wait) => self.resume_verify(now, wait),
        }
    }

    /// The next events of a stream at host time `now_ms` (after settling the clock). `stream` records
    /// what was sent; pass the same value again next time.
    pub fn stream_next(&mut self, now_ms: u64, stream: &mut EventStream) -> StreamStep {
        let now = self.advance(now_ms);
        self.order_stream_next(now, &mut stream.stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::dialect::{AGENTOTP_DEFAULT_KEY, Dialect, TELENUMERUS_DEFAULT_KEY};
    use crate::http::SimRequest;

    const T0: u64 = 1_780_496_580_000;

    #[test]
    fn a_held_long_poll_survives_serialisation_with_its_simulator() {
        let mut sim = Simulator::new(SimConfig::for_dialect(Dialect::Agentotp));
        let rent = SimRequest::post("/api/v1/numbers/rent").key(AGENTOTP_DEFAULT_KEY).body(r#"{"country":"US"}"#);
        let rented = sim.handle(T0, &rent).json_body().expect("JSON");
        let number = rented["data"]["number"].as_str().expect("a number");
        let wait = SimRequest::post(&format!("/api/v1/numbers/{number}/wait-for-otp")).key(AGENTOTP_DEFAULT_KEY);
        let held = sim.handle(T0, &wait);
        let saved = serde_json::to_string(&(&sim, &held)).expect("serialises");
        let (mut restored, restored_held): (Simulator, SimResponse) = serde_json::from_str(&saved).expect("parses");
        assert_eq!(restored_held, held);
        let Some(Hold::LongPoll(poll)) = restored_held.hold else { panic!("a long-poll: {saved}") };
        assert_eq!(poll.deadline_ms(), T0 + 120_000);
        let Some(Hold::LongPoll(original)) = &held.hold else { panic!("a long-poll") };
        assert_eq!(restored.resume(T0 + 10_000, &poll), sim.resume(T0 + 10_000, original));
    }

    #[test]
    fn a_held_stream_survives_serialisation() {
        let mut sim = Simulator::new(SimConfig::for_dialect(Dialect::Telenumerus));
        let order = SimRequest::post("/api/v1/order").key(TELENUMERUS_DEFAULT_KEY).body(r#"{"platform":"google"}"#);
        let id = sim.handle(T0, &order).json_body().expect("JSON")["order_id"].as_str().expect("an id").to_owned();
        let held = sim.handle(T0, &SimRequest::get(&format!("/api/v1/order/{id}/stream")).key(TELENUMERUS_DEFAULT_KEY));
        let Some(Hold::EventStream(mut stream)) = held.hold else { panic!("a stream") };
        let mut copy: EventStream =
            serde_json::from_str(&serde_json::to_string(&stream).expect("serialises")).expect("parses");
        let mut other = sim.clone();
        let quiet = sim.stream_next(T0 + 5_000, &mut stream);
        assert_eq!(quiet, other.stream_next(T0 + 5_000, &mut copy));
        assert_eq!((quiet.events.len(), quiet.ended, quiet.recheck_by_ms), (0, false, T0 + 10_000));
        assert_eq!(stream, copy);
        let end = sim.stream_next(T0 + 10_000, &mut stream);
        assert!(end.ended);
        assert!(end.events[0].starts_with("data: {\"event\":\"code\""), "{:?}", end.events);
    }
}
