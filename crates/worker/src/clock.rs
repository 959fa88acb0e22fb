//! The one clock of the Worker and its objects: the runtime's (the protocol never reads one; tests pass
//! their own times).

use vnum_protocol::Timestamp;

/// Now, from the runtime's clock.
pub fn now() -> Timestamp {
    Timestamp(worker::Date::now().as_millis())
}
