//! Every parser fed arbitrary bytes answers with a value or an error, never a panic.

use proptest::prelude::*;
use vnum_protocol::dialect::{AgentOtp, AgentOtpSettings, Dialect, OrderRef, Oxgel, Telenumerus};
use vnum_protocol::http::{HttpResponse, Secret};
use vnum_protocol::sms::extract_code;
use vnum_protocol::validate::{CountryCode, OrderId, ServiceCode};
use vnum_protocol::{ErrorBody, Timestamp};

fn exercise(d: &dyn Dialect, response: &HttpResponse) {
    let id = OrderId::parse("o-1").expect("id");
    let order = OrderRef { id: &id, service: "any", phone: "+15550001111", rented_at: Some(Timestamp(5)) };
    let _ = d.parse_balance(response);
    let _ = d.parse_services(response);
    let _ = d.parse_countries(response);
    let _ = d.parse_prices(response, None, None);
    let _ = d.parse_listen(response, &order);
    if let Ok(text) = std::str::from_utf8(&response.body) {
        let _ = d.parse_event(text);
    }
    let _ = d.listen_error(response);
    let _ = d.parse_buy(response, Timestamp(0));
    let _ = d.parse_status(response, &order);
    let _ = d.parse_cancel(response);
    let _ = d.parse_finish(response);
    let _ = d.parse_another(response);
}

fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "[{}\\[\\]\":,a-z0-9 .+-]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"status":"received","sms_code":"1","phone":"+1"}"#.to_vec()),
        Just(br#"{"success":true,"data":{"number":"+1"}}"#.to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn parsers_never_panic(status in 100u16..600, body in json_ish(), retry in "[0-9a-z ]{0,6}") {
        let response = HttpResponse::new(status, body).with_header("Retry-After", &retry);
        exercise(&Oxgel::new(Secret::new("k")), &response);
        exercise(&Telenumerus::new(Secret::new("k")), &response);
        exercise(&AgentOtp::new(Secret::new("k"), AgentOtpSettings::default()), &response);
        let _ = ErrorBody::parse(&response.body);
    }

    #[test]
    fn validators_and_extraction_never_panic(text in "\\PC{0,80}") {
        let _ = OrderId::parse(&text);
        let _ = ServiceCode::parse(&text);
        let _ = CountryCode::parse(&text);
        let _ = Timestamp::parse_rfc3339(&text);
        if let Some(code) = extract_code(&text) {
            prop_assert!((4..=8).contains(&code.len()));
        }
    }
}
