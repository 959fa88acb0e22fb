//! Random operation sequences on a fake clock: the order machine's invariants hold whatever happens.

use proptest::prelude::*;
use vnum_protocol::api::{BoughtNumber, OrderStatus, StatusResponse};
use vnum_protocol::order::{Effect, Event, Order, OrderPolicy, OrderState};
use vnum_protocol::{ApiError, Timestamp};

#[derive(Debug, Clone)]
enum Op {
    Advance(u64),
    Poll(u8, Option<u8>),
    PollFailed(Option<u64>),
    Cancel,
    Finish,
    Another,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..200_000).prop_map(Op::Advance),
        (0u8..6, proptest::option::of(0u8..4)).prop_map(|(s, c)| Op::Poll(s, c)),
        proptest::option::of(0u64..120).prop_map(Op::PollFailed),
        Just(Op::Cancel),
        Just(Op::Finish),
        Just(Op::Another),
    ]
}

fn status(n: u8) -> OrderStatus {
    match n {
        0 => OrderStatus::Waiting,
        1 => OrderStatus::Received,
        2 => OrderStatus::Finished,
        3 => OrderStatus::Cancelled,
        4 => OrderStatus::Expired,
        _ => OrderStatus::Unknown("mystery".into()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn invariants_hold(ops in proptest::collection::vec(op(), 1..60)) {
        let bought = BoughtNumber {
            id: "o".into(), order_code: None, phone: "+15550000000".into(),
            expires_at: Timestamp(1_200_000), cost: 0.18,
            rented_at: None,
        };
        let mut now = Timestamp(0);
        let mut order = Order::new(&bought, now, OrderPolicy::default());
        let mut refunds = 0;
        for op in ops {
            let before = order.clone();
            let effects = match op {
                Op::Advance(ms) => { now = now.plus_millis(ms); order.tick(now) }
                Op::Poll(s, code) => order.apply(now, Event::Polled(StatusResponse::new(
                    status(s), code.map(|c| format!("10{c}0")), None, String::new(),
                ))),
                Op::PollFailed(retry) => order.apply(now, Event::PollFailed { retry_after_seconds: retry }),
                Op::Cancel => match order.check_cancel(now) {
                    Ok(()) => {
                        prop_assert!(now.millis_since(order.created_at) >= 120_000, "cancel allowed before 2 minutes");
                        prop_assert!(order.codes.is_empty());
                        order.apply(now, Event::Cancelled)
                    }
                    Err(ApiError::CancelTooEarly { retry_after_seconds }) => {
                        prop_assert!((1..=120).contains(&retry_after_seconds));
                        prop_assert_eq!(now.plus_seconds(retry_after_seconds) >= order.cancel_allowed_at(), true);
                        vec![]
                    }
                    Err(_) => vec![],
                },
                Op::Finish => match order.check_finish() {
                    Ok(()) => order.apply(now, Event::Finished),
                    Err(_) => vec![],
                },
                Op::Another => match order.check_another(now) {
                    Ok(()) => order.apply(now, Event::AnotherRequested),
                    Err(_) => vec![],
                },
            };
            // Final states are absorbing, and codes are never lost.
            if before.state.is_final() {
                prop_assert_eq!(order.state, before.state);
                prop_assert!(effects.is_empty());
            }
            prop_assert!(order.codes.len() >= before.codes.len());
            prop_assert_eq!(&order.codes[..before.codes.len()], &before.codes[..]);
            // A final order is never polled again; an open one always has a wakeup.
            prop_assert_eq!(order.next_wakeup().is_none(), order.state.is_final());
            if let Some(at) = order.next_poll_at { prop_assert!(at >= now || order.state.is_final() || at == before.next_poll_at.unwrap_or(at)); }
            // Received always has a code; Expired never has one.
            if order.state == OrderState::Received { prop_assert!(!order.codes.is_empty()); }
            if order.state == OrderState::Expired { prop_assert!(order.codes.is_empty()); }
            refunds += effects.iter().filter(|e| matches!(e, Effect::Refunded)).count();
        }
        prop_assert!(refunds <= 1, "an order is refunded at most once");
        if refunds == 1 { prop_assert!(matches!(order.state, OrderState::Cancelled | OrderState::Expired)); }
    }
}
