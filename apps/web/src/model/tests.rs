//! The model's rules, natively.

use vnum_client::Error;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::Timestamp;
use vnum_client::vnum_protocol::api::ReceivedCode;
use vnum_client::vnum_protocol::api::{BoughtNumber, Country, OrderStatus, OrderView, Price, Service, StatusResponse};

use super::*;

fn order(id: &str, created_at: u64) -> SavedOrder {
    let bought = BoughtNumber {
        id: id.to_owned(),
        order_code: Some("ORD-LX9F2A".to_owned()),
        phone: "+15551234567".to_owned(),
        expires_at: Timestamp::from_millis(created_at + 1_200_000),
        cost: 0.18,
        rented_at: None,
    };
    SavedOrder::bought(&bought, "wa", "187", created_at)
}

fn status(status: OrderStatus, code: Option<&str>) -> StatusResponse {
    StatusResponse::new(status, code.map(str::to_owned), None, "+15551234567".to_owned())
}

fn error(code: ErrorCode, retryable: bool, retry_after_seconds: Option<u64>) -> Error {
    Error { code, message: "x".to_owned(), retryable, retry_after_seconds, status: None }
}

fn services() -> Vec<Choice> {
    [("wa", "WhatsApp"), ("tg", "Telegram"), ("go", "Google"), ("fb", "Facebook"), ("oi", "OpenAI")]
        .iter()
        .map(|(code, name)| Choice::service(&Service { code: (*code).to_owned(), name: (*name).to_owned() }))
        .collect()
}

fn countries() -> Vec<Choice> {
    [("187", "US", "United States"), ("16", "GB", "United Kingdom"), ("43", "DE", "Germany"), ("6", "ID", "Indonesia")]
        .iter()
        .map(|(code, iso, name)| {
            Choice::country(&Country {
                code: (*code).to_owned(),
                iso2: Some((*iso).to_owned()),
                name: (*name).to_owned(),
            })
        })
        .collect()
}

fn codes(found: &[&Choice]) -> Vec<String> {
    found.iter().map(|c| c.code.clone()).collect()
}

#[test]
fn search_finds_services_by_part_of_the_name_or_code() {
    let list = services();
    assert_eq!(codes(&search(&list, "whats")), ["wa"]);
    assert_eq!(codes(&search(&list, "  WHATS ")), ["wa"]);
    assert_eq!(codes(&search(&list, "tg")), ["tg"]);
    assert_eq!(codes(&search(&list, "gram")), ["tg"]);
    assert_eq!(codes(&search(&list, "")), ["wa", "tg", "go", "fb", "oi"], "all, in the provider's order");
    assert_eq!(codes(&search(&list, "o")), ["oi", "go", "fb"], "names starting with it first");
    assert!(search(&list, "zzz").is_empty());
}

#[test]
fn search_finds_countries_by_name_iso2_or_code() {
    let list = countries();
    assert_eq!(codes(&search(&list, "gb")), ["16"]);
    assert_eq!(codes(&search(&list, "kingdom")), ["16"], "a word of the name");
    assert_eq!(codes(&search(&list, "187")), ["187"]);
    // "us": the ISO2 first, then names with it inside.
    let us = codes(&search(&list, "us"));
    assert_eq!(us.first().map(String::as_str), Some("187"));
    assert_eq!(codes(&search(&list, "united")), ["187", "16"], "both, in the provider's order");
    assert_eq!(name_of(&list, "16"), "United Kingdom");
    assert_eq!(name_of(&list, "999"), "999");
}

#[test]
fn offers_show_stock_and_price_before_buying() {
    let prices = vec![
        Price { service: "wa".into(), country: "187".into(), price: 0.18, stock: 42 },
        Price { service: "oi".into(), country: "22".into(), price: 0.5, stock: 0 },
        Price { service: "tg".into(), country: "16".into(), price: 1.25, stock: 9 },
    ];
    assert_eq!(Offer::of(&prices, "wa", "187", Some(10.0), None), Offer::Available { price: 0.18, stock: 42 });
    assert_eq!(Offer::of(&prices, "oi", "22", Some(10.0), None), Offer::OutOfStock { price: 0.5 });
    assert_eq!(Offer::of(&prices, "tg", "16", Some(1.0), None), Offer::TooExpensive { price: 1.25, balance: 1.0 });
    assert!(Offer::of(&prices, "tg", "16", Some(1.25), None).can_buy(), "exactly enough is enough");
    assert!(Offer::of(&prices, "tg", "16", None, None).can_buy(), "balance unknown: let the proxy decide");
    assert_eq!(Offer::of(&prices, "wa", "16", Some(10.0), None), Offer::NotListed);
    // The proxy's MAX_PRICE: a dearer number is out of reach whatever the balance; the limit itself is not.
    let limited = Offer::of(&prices, "tg", "16", Some(10.0), Some(1.0));
    assert_eq!(limited, Offer::AboveLimit { price: 1.25, limit: 1.0 });
    assert!(!limited.can_buy());
    assert_eq!(
        limited.sentence("USD"),
        "This number costs 1.25 USD, above the 1.00 USD that this vnum allows for one number."
    );
    assert!(Offer::of(&prices, "tg", "16", Some(10.0), Some(1.25)).can_buy(), "a price at the limit is allowed");
    assert!(!Offer::of(&prices, "tg", "16", Some(10.0), Some(1.249)).can_buy(), "a fraction of a cent above is above");
    assert_eq!(Offer::of(&prices, "oi", "22", Some(10.0), Some(0.1)), Offer::OutOfStock { price: 0.5 }, "stock first");
    assert_eq!(Offer::of(&prices, "wa", "187", None, None).sentence("USD"), "0.18 USD · 42 available");
    let low = Offer::of(&prices, "tg", "16", Some(0.0), None).sentence("USD");
    assert!(low.starts_with("Your balance is too low for this number: it costs 1.25 USD and 0.00 USD"), "{low}");
    assert!(Offer::of(&prices, "oi", "22", None, None).sentence("USD").contains("out of stock"));
}

#[test]
fn money_and_clocks() {
    assert_eq!(money(0.18, "USD"), "0.18 USD");
    assert_eq!(money(10.0, ""), "10.00");
    assert_eq!(money(1.005, "USD"), "1.00 USD");
    assert_eq!(money(0.1 + 0.2, "EUR"), "0.30 EUR");
    assert_eq!(money(-1.5, "USD"), "-1.50 USD");
    assert_eq!(clock(0), "0:00");
    assert_eq!(clock(1), "0:01", "a countdown rounds up");
    assert_eq!(clock(59_001), "1:00");
    assert_eq!(clock(119_000), "1:59");
    assert_eq!(clock(3_600_000), "1:00:00");
    assert_eq!(elapsed(12_999), "0:12", "elapsed time rounds down");
    assert_eq!(seconds_in_words(12), "12 s");
    assert_eq!(seconds_in_words(120), "2 min");
    assert_eq!(seconds_in_words(65), "1 min 5 s");
    assert_eq!(seconds_in_words(12_000), "3 h 20 min");
}

#[test]
fn errors_are_sentences() {
    let balance = sentence(&error(ErrorCode::InsufficientBalance, false, None));
    assert!(balance.starts_with("Your balance is too low"), "{balance}");
    assert!(sentence(&error(ErrorCode::NoNumbers, true, None)).starts_with("No numbers are left"));
    assert_eq!(
        sentence(&error(ErrorCode::RateLimited, true, Some(12))),
        "Too many requests for now. Try again in 12 s."
    );
    assert_eq!(
        sentence(&error(ErrorCode::CancelTooEarly, true, Some(73))),
        "An order can only be cancelled a while after it was bought. You can cancel in 1 min 13 s."
    );
    assert_eq!(
        sentence(&error(ErrorCode::UpstreamUnavailable, true, None)),
        "The number provider is not answering right now."
    );
    assert_eq!(
        sentence(&Error::network("TypeError: Failed to fetch")),
        "vnum cannot be reached: check your connection."
    );
    let odd =
        Error { message: "something odd happened.".to_owned(), ..error(ErrorCode::Unknown("ODD".into()), false, None) };
    assert_eq!(sentence(&odd), "Something odd happened.");
    for e in [error(ErrorCode::InvalidRequest, false, None), error(ErrorCode::InternalError, true, None)] {
        let s = sentence(&e);
        assert!(!s.contains('{') && s.ends_with('.'), "{s}");
    }
}

#[test]
fn retryable_errors_retry_with_backoff() {
    assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 0), Some(1000));
    assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 3), Some(8000));
    assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 30), Some(MAX_BACKOFF_MS));
    assert_eq!(retry_delay_ms(&error(ErrorCode::RateLimited, true, Some(7)), 0), Some(7000));
    assert_eq!(retry_delay_ms(&error(ErrorCode::RateLimited, true, Some(600)), 0), None, "too long: say so");
    assert_eq!(retry_delay_ms(&error(ErrorCode::InsufficientBalance, false, None), 0), None);
    assert_eq!(retry_delay_ms(&error(ErrorCode::CancelTooEarly, true, Some(5)), 0), None);
    assert_eq!(
        retrying(&error(ErrorCode::RateLimited, true, Some(12)), 12_000),
        "Too many requests for now. Retrying in 12 s…"
    );
}

#[test]
fn status_answers_update_the_order() {
    let mut o = order("a", 1_000);
    let mut answer = status(OrderStatus::Waiting, None);
    answer.cancel_available_at = Some(Timestamp::from_millis(121_000));
    assert!(o.apply_status(&answer, 2_000));
    assert_eq!(o.cancel_at, Some(121_000));
    assert!(!o.apply_status(&answer, 3_000), "nothing new");
    assert_eq!(cancel_state(&o, 60_000), CancelState::Wait(61_000));
    assert_eq!(cancel_state(&o, 121_000), CancelState::Ready);

    let mut code = status(OrderStatus::Received, Some("482913"));
    code.sms_text = Some("Your WhatsApp code is 482-913".to_owned());
    assert!(o.apply_status(&code, 9_000));
    assert!(o.shows_code());
    assert_eq!(o.text.as_deref(), Some("Your WhatsApp code is 482-913"));
    assert_eq!(cancel_state(&o, 200_000), CancelState::Hidden, "a code arrived: finish instead");

    // Another SMS: waiting again (the old code is still reported), then a new code.
    assert!(o.apply_status(&status(OrderStatus::Waiting, Some("482913")), 20_000));
    assert_eq!(o.waiting_since, 20_000);
    assert!(!o.shows_code());
    assert_eq!(cancel_state(&o, 200_000), CancelState::Hidden);
    assert!(o.apply_status(&status(OrderStatus::Received, Some("775201")), 25_000));
    assert_eq!((o.code.as_deref(), o.text.as_deref()), (Some("775201"), None), "the old text went with the old code");

    assert!(o.apply_status(&status(OrderStatus::Finished, None), 30_000));
    assert!(!o.is_open() && o.is_active() && o.shows_code());
    o.closed = true;
    assert!(!o.is_active());
}

#[test]
fn the_cancel_window_is_unknown_until_the_proxy_says() {
    let o = order("a", 1_000);
    assert_eq!(cancel_state(&o, 500_000), CancelState::Checking);
}

#[test]
fn an_ended_order_stays_ended() {
    let mut o = order("a", 1_000);
    o.apply_status(&status(OrderStatus::Received, Some("1234")), 2_000);
    o.status = OrderStatus::Finished;
    // A poll answered just before the finish arrives after it.
    assert!(!o.apply_status(&status(OrderStatus::Received, Some("1234")), 3_000));
    assert_eq!(o.status, OrderStatus::Finished);
    assert!(o.apply_status(&status(OrderStatus::Expired, None), 4_000), "an end may still be corrected");
}

#[test]
fn storage_round_trips_and_skips_what_it_cannot_read() {
    let mut list = vec![order("a", 1_000), order("b", 2_000)];
    list[0].apply_status(&status(OrderStatus::Received, Some("1234")), 5_000);
    let text = encode_orders(&list);
    let back = decode_orders(&text);
    let mut shuffled = vec![order("c", 500), order("d", 3_000), order("e", 1_500), order("f", 3_000)];
    tidy(&mut shuffled);
    assert_eq!(shuffled.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["d", "f", "e", "c"]);
    assert_eq!(back.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["b", "a"], "newest first");
    assert_eq!(back[1], list[0]);
    assert!(decode_orders("not json").is_empty());
    assert!(decode_orders("[{\"id\":1}]").is_empty());
    // Older or newer versions of the app may lack or add fields.
    let lean = r#"[{"id":"x","phone":"+1","service":"wa","country":"187","cost":0.18,
        "created_at":1,"expires_at":2,"status":"waiting","future_field":true}]"#;
    assert_eq!(decode_orders(lean)[0].waiting_since, 0);
}

#[test]
fn merging_adds_unknown_orders_and_never_goes_back() {
    let mut list = vec![order("a", 1_000)];
    let mut done = order("a", 1_000);
    done.apply_status(&status(OrderStatus::Received, Some("1234")), 4_000);
    done.apply_status(&status(OrderStatus::Finished, None), 5_000);
    let other = order("b", 2_000);
    assert!(merge(&mut list, &[done.clone(), other]));
    assert_eq!(list.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(list[1].status, OrderStatus::Finished);
    assert_eq!(list[1].code.as_deref(), Some("1234"));
    assert!(!merge(&mut list, &[done.clone()]), "nothing new: no change (no storage ping-pong)");
    // An older copy does not undo the end.
    assert!(!merge(&mut list, &[order("a", 1_000)]));
    assert_eq!(list[1].status, OrderStatus::Finished);
    // Closing in one tab closes in the others.
    done.closed = true;
    assert!(merge(&mut list, &[done]));
    assert!(list[1].closed);
}

#[test]
fn orders_from_the_proxy_list() {
    let view = OrderView {
        id: "srv".into(),
        order_code: None,
        phone: "+447700900123".into(),
        service: "tg".into(),
        country: "16".into(),
        cost: 1.25,
        status: OrderStatus::Cancelled,
        sms_code: None,
        sms_text: None,
        codes: Vec::new(),
        created_at: Timestamp::from_millis(10_000),
        expires_at: Timestamp::from_millis(1_210_000),
        cancel_available_at: Timestamp::from_millis(130_000),
    };
    let past = SavedOrder::from_view(&view);
    assert!(past.closed && !past.is_active(), "a past order goes to the history");
    let open = SavedOrder::from_view(&OrderView {
        status: OrderStatus::Received,
        sms_code: Some("5555".into()),
        codes: vec![ReceivedCode { code: "5555".into(), text: None, received_at: Timestamp::from_millis(20_000) }],
        ..view
    });
    assert!(open.is_active() && open.shows_code());
    assert_eq!(open.cancel_at, Some(130_000));
    assert_eq!(final_note(&past, "USD"), "Cancelled: 1.25 USD went back to your balance.");
}

#[test]
fn tidy_keeps_every_open_order() {
    let mut list: Vec<SavedOrder> = (0..MAX_SAVED as u64 + 20)
        .map(|i| {
            let mut o = order(&format!("o{i}"), i);
            o.status = OrderStatus::Expired;
            o.closed = true;
            o
        })
        .collect();
    list.push(order("open-and-old", 0));
    tidy(&mut list);
    assert_eq!(list.len(), MAX_SAVED + 1);
    assert!(list.iter().any(|o| o.id == "open-and-old"));
}
