//! The Agent OTP dialect under `/api/v1`: the numbers API (`X-API-Key`) and the account API (Bearer
//! token). Rentals are in `rental.rs`, the number pool in `pool.rs`, `wait-for-otp` in `wait.rs`.

mod error;
mod pool;
mod rental;
mod wait;
mod wire;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use error::AgentOtpErrorBody;
pub use rental::{Rental, RentalStatus};
pub(crate) use wait::OtpWait;
pub use wire::{
    Envelope, MessageEntry, MessagesBody, OtpData, QuotaBody, ReleaseBody, RentalData, TimeoutData, rfc3339,
};

pub(crate) use error::{AgentOtpError, ERROR_STATUSES, status_description};

use crate::config::CountryConfig;
use crate::dialect::{Dialect, bearer_token, decode_path_segment};
use crate::http::{SimRequest, SimResponse, body_too_large};
use crate::rng;
use crate::sms::{Sms, SmsInjection, message_id};
use crate::state::Simulator;
use crate::stats::EndpointKind;

/// Longest rental accepted, in seconds (a day).
const MAX_RENTAL_SECONDS: u64 = 86_400;

/// Everything the Agent OTP dialect keeps besides the accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AgentOtpState {
    /// Rentals still remembered, oldest first.
    pub(crate) rentals: Vec<Rental>,
}

/// The number in `/api/v1/numbers/<number>[/…]`, `%2B…` or `+…`.
fn number_in(path: &str) -> String {
    let rest = path.strip_prefix("/api/v1/numbers/").unwrap_or_default();
    decode_path_segment(rest.split('/').next().unwrap_or_default())
}

/// The body as a JSON object (an empty body reads as `{}`).
fn object(body: &[u8]) -> Result<Map<String, Value>, AgentOtpError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(AgentOtpError::InvalidRequest("The request body must be a JSON object".to_owned())),
    }
}

/// An optional whole number of seconds within `range`.
fn optional_seconds(
    object: &Map<String, Value>,
    field: &str,
    range: core::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, AgentOtpError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_u64().filter(|s| range.contains(s)).map(Some).ok_or_else(|| {
            AgentOtpError::InvalidRequest(format!(
                "{field} must be a whole number from {} to {}",
                range.start(),
                range.end()
            ))
        }),
    }
}

impl Simulator {
    /// Answers an Agent OTP request at simulated time `now`.
    pub(crate) fn agentotp_api(&mut self, now: u64, kind: EndpointKind, req: &SimRequest) -> SimResponse {
        self.agentotp_route(now, kind, req).unwrap_or_else(AgentOtpError::into_response)
    }

    /// Path and method (404 when either is unknown), body size, authentication, then the endpoint.
    fn agentotp_route(&mut self, now: u64, kind: EndpointKind, req: &SimRequest) -> Result<SimResponse, AgentOtpError> {
        if kind.method() != Some(req.method.as_str()) {
            return Err(AgentOtpError::NotFound);
        }
        if body_too_large(req) {
            return Err(AgentOtpError::InvalidRequest("The request body is above 64 KiB".to_owned()));
        }
        if kind == EndpointKind::Quota {
            return self.ao_quota(req);
        }
        let key = self.ao_authenticate(req)?;
        match kind {
            EndpointKind::Rent => self.ao_rent(now, &key, req),
            EndpointKind::WaitForOtp => self.ao_wait_for_otp(now, &key, req),
            EndpointKind::Messages => self.ao_messages(&key, &number_in(&req.path)),
            EndpointKind::Release => self.ao_release(now, &key, &number_in(&req.path)),
            _ => Err(AgentOtpError::NotFound),
        }
    }

    /// The numbers API's caller: `X-API-Key` naming an enabled account.
    fn ao_authenticate(&self, req: &SimRequest) -> Result<String, AgentOtpError> {
        let key = req.header_value("x-api-key").map(str::trim).filter(|k| !k.is_empty());
        let key = key.ok_or(AgentOtpError::MissingKey)?;
        let account = self.accounts.get(key).ok_or(AgentOtpError::InvalidKey)?;
        if account.banned {
            return Err(AgentOtpError::KeyDisabled);
        }
        Ok(account.key.clone())
    }

    /// `GET /auth/usage/quota`, with the account's Bearer token (an API key is not one).
    fn ao_quota(&self, req: &SimRequest) -> Result<SimResponse, AgentOtpError> {
        let token = bearer_token(req).ok_or(AgentOtpError::MissingToken)?;
        let account =
            self.accounts.values().find(|a| a.token.as_deref() == Some(token)).ok_or(AgentOtpError::InvalidToken)?;
        let quota = &account.quota;
        Ok(SimResponse::json_of(
            200,
            &QuotaBody {
                plan: quota.plan.clone(),
                limit: quota.limit,
                used: quota.used,
                remaining: quota.remaining(),
                has_quota: quota.remaining() > 0,
            },
        ))
    }

    /// The country a rental asks for, by ISO code (any case).
    fn ao_country(&self, code: &str) -> Option<&CountryConfig> {
        self.config.countries.iter().find(|c| c.iso2.eq_ignore_ascii_case(code.trim()))
    }

    /// `POST /numbers/rent {country, timeout_seconds?}`: one unit of quota, a free number of the
    /// country's pool.
    fn ao_rent(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, AgentOtpError> {
        let body = object(&req.body)?;
        let requested = match body.get("country") {
            Some(Value::String(code)) if !code.trim().is_empty() => code.trim().to_owned(),
            None | Some(Value::Null) => return Err(AgentOtpError::InvalidRequest("Missing country".to_owned())),
            Some(_) => return Err(AgentOtpError::InvalidRequest("country must be a country code".to_owned())),
        };
        let seconds = optional_seconds(&body, "timeout_seconds", 1..=MAX_RENTAL_SECONDS)?
            .unwrap_or(self.timing.order_ttl_seconds);
        let country = self.ao_country(&requested).cloned().ok_or(AgentOtpError::UnsupportedCountry(requested))?;
        let account = self.accounts.get(key).ok_or(AgentOtpError::InvalidKey)?;
        if account.quota.remaining() == 0 {
            return Err(AgentOtpError::QuotaExceeded {
                plan: account.quota.plan.clone(),
                limit: account.quota.limit,
                used: account.quota.used,
            });
        }
        let number = self.ao_free_number(&country).ok_or_else(|| AgentOtpError::NoNumbers(country.iso2.clone()))?;
        let (rental_id, sms_seed) = self.rng.with(|r| (format!("rent_{}", rng::lower_alnum(r, 12)), r.u64(..)));
        if let Some(account) = self.accounts.get_mut(key) {
            account.quota.used = account.quota.used.saturating_add(1);
        }
        self.ao_prune_rentals();
        let rental = Rental {
            rental_id,
            account: key.to_owned(),
            number,
            country: country.iso2.clone(),
            rented_at_ms: now,
            expires_at_ms: now.saturating_add(seconds.saturating_mul(1000)),
            status: RentalStatus::Rented,
            sms_due_at_ms: Some(now.saturating_add(self.timing.sms_delay_seconds.saturating_mul(1000))),
            messages: Vec::new(),
            sms_seed,
            closed_at_ms: None,
        };
        let data = RentalData {
            number: rental.number.clone(),
            country: rental.country.clone(),
            status: RentalStatus::Rented.as_str().to_owned(),
            rented_at: rfc3339(rental.rented_at_ms),
            expires_at: rfc3339(rental.expires_at_ms),
            rental_id: rental.rental_id.clone(),
        };
        self.agentotp.rentals.push(rental);
        self.settle();
        self.stats.buys_succeeded += 1;
        Ok(SimResponse::json_of(
            200,
            &Envelope { success: true, message: "Number rented successfully".to_owned(), data },
        ))
    }

    /// A number of the country's pool that no active rental holds, chosen at random.
    fn ao_free_number(&mut self, country: &CountryConfig) -> Option<String> {
        let seed = self.config.seed;
        let size = pool::pool_len(country, self.settings.number_pool_size);
        let rented: Vec<&str> =
            self.agentotp.rentals.iter().filter(|r| r.is_active()).map(|r| r.number.as_str()).collect();
        let free: Vec<String> =
            (0..size).map(|i| pool::pool_number(country, seed, i)).filter(|n| !rented.contains(&n.as_str())).collect();
        if free.is_empty() {
            return None;
        }
        let count = u32::try_from(free.len()).unwrap_or(u32::MAX);
        let pick = self.rng.with(|r| r.u32(0..count));
        free.into_iter().nth(usize::try_from(pick).unwrap_or(0))
    }

    /// Forgets the oldest ended rentals while the rental list is full.
    fn ao_prune_rentals(&mut self) {
        let rentals = &mut self.agentotp.rentals;
        while rentals.len() >= self.config.max_orders.max(1) {
            let Some(index) = rentals.iter().position(|r| !r.is_active()) else {
                return;
            };
            rentals.remove(index);
        }
    }

    /// The caller's active rental of `number`.
    fn ao_active_rental(&self, key: &str, number: &str) -> Result<&Rental, AgentOtpError> {
        self.agentotp
            .rentals
            .iter()
            .find(|r| r.account == key && r.number == number && r.is_active())
            .ok_or(AgentOtpError::NumberNotFound)
    }

    /// `POST /numbers/{number}/wait-for-otp {timeout_seconds?, expected_sender?}`.
    fn ao_wait_for_otp(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, AgentOtpError> {
        let rental_id = self.ao_active_rental(key, &number_in(&req.path))?.rental_id.clone();
        let body = object(&req.body)?;
        let timeout = optional_seconds(&body, "timeout_seconds", 0..=wait::MAX_TIMEOUT_SECONDS)?
            .unwrap_or(wait::DEFAULT_TIMEOUT_SECONDS);
        let expected_sender = match body.get("expected_sender") {
            None | Some(Value::Null) => None,
            Some(Value::String(sender)) if !sender.trim().is_empty() => Some(sender.trim().to_owned()),
            Some(_) => {
                return Err(AgentOtpError::InvalidRequest("expected_sender must be a non-empty string".to_owned()));
            }
        };
        self.start_otp_wait(
            now,
            OtpWait {
                account: key.to_owned(),
                rental_id,
                expected_sender,
                started_at_ms: now,
                deadline_ms: now.saturating_add(timeout.saturating_mul(1000)),
            },
        )
    }

    /// `GET /numbers/{number}/messages`: every message of the caller's rentals of the number, earlier
    /// rentals included; 404 if the caller never rented it.
    fn ao_messages(&self, key: &str, number: &str) -> Result<SimResponse, AgentOtpError> {
        let rentals: Vec<&Rental> =
            self.agentotp.rentals.iter().filter(|r| r.account == key && r.number == number).collect();
        if rentals.is_empty() {
            return Err(AgentOtpError::NumberNotFound);
        }
        let mut data: Vec<(u64, MessageEntry)> = rentals
            .iter()
            .flat_map(|rental| {
                rental.messages.iter().map(|m| {
                    (
                        m.received_at_ms,
                        MessageEntry {
                            id: m.id.clone(),
                            from: m.from.clone(),
                            to: rental.number.clone(),
                            body: m.text.clone(),
                            received_at: rfc3339(m.received_at_ms),
                            otp_code: m.code.clone(),
                        },
                    )
                })
            })
            .collect();
        data.sort_by_key(|(at, _)| *at);
        Ok(SimResponse::json_of(
            200,
            &MessagesBody { success: true, data: data.into_iter().map(|(_, entry)| entry).collect() },
        ))
    }

    /// `DELETE /numbers/{number}`: the rental ends, the number goes back to the pool.
    fn ao_release(&mut self, now: u64, key: &str, number: &str) -> Result<SimResponse, AgentOtpError> {
        let rental = self
            .agentotp
            .rentals
            .iter_mut()
            .find(|r| r.account == key && r.number == number && r.is_active())
            .ok_or(AgentOtpError::NumberNotFound)?;
        rental.release(now);
        Ok(SimResponse::json_of(
            200,
            &ReleaseBody { success: true, message: format!("Number {number} released successfully") },
        ))
    }

    /// Applies automatic SMS and expiries of Agent OTP rentals.
    pub(crate) fn settle_agentotp(&mut self) {
        let now = self.now_ms;
        let sender = &self.settings.otp_sender;
        for rental in &mut self.agentotp.rentals {
            rental.advance(now, sender);
        }
    }

    /// Delivers an SMS to the rental with this id at `now` (`POST /__sim/sms`): from the sender given
    /// (else the configured OTP sender), with the text given (else `Your verification code is <code>`);
    /// its code is the one given or the one in the text, if any; neither given, the usual SMS.
    pub(crate) fn agentotp_deliver(&mut self, now: u64, id: &str, injection: &SmsInjection) -> Result<(), String> {
        let sender = injection.from.clone().unwrap_or_else(|| self.settings.otp_sender.clone());
        let rental = self
            .agentotp
            .rentals
            .iter_mut()
            .find(|r| r.rental_id == id)
            .ok_or_else(|| format!("unknown rental {id}"))?;
        let sms = if injection.is_automatic() {
            rental.automatic_sms(now, &sender)
        } else {
            let code = injection.code();
            let text = injection
                .text
                .clone()
                .unwrap_or_else(|| format!("Your verification code is {}", code.as_deref().unwrap_or_default()));
            Sms {
                id: message_id(rental.sms_seed, rental.messages.len()),
                from: sender,
                text,
                code,
                received_at_ms: now,
            }
        };
        if rental.receive(sms) { Ok(()) } else { Err(format!("rental {id} is {}", rental.status.as_str())) }
    }

    /// Every Agent OTP rental still remembered, oldest first.
    #[must_use]
    pub fn rentals(&self) -> &[Rental] {
        if self.config.dialect == Dialect::Agentotp { &self.agentotp.rentals } else { &[] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_paths() {
        assert_eq!(number_in("/api/v1/numbers/%2B14165551234/wait-for-otp"), "+14165551234");
        assert_eq!(number_in("/api/v1/numbers/+14165551234"), "+14165551234");
    }
}
