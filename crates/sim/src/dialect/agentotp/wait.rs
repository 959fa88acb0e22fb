//! Agent OTP's `wait-for-otp`: answers at once with the rental's latest OTP, or holds until one comes,
//! the rental ends, or `timeout_seconds` pass.

use serde::{Deserialize, Serialize};

use super::wire::{Envelope, OtpData, TimeoutData, rfc3339, seconds};
use super::{AgentOtpError, Rental};
use crate::hold::{Hold, LongPoll, PendingWait, Resumed};
use crate::http::SimResponse;
use crate::state::Simulator;

/// `timeout_seconds` when the request gives none.
pub(crate) const DEFAULT_TIMEOUT_SECONDS: u64 = 120;
/// Largest `timeout_seconds` accepted.
pub(crate) const MAX_TIMEOUT_SECONDS: u64 = 3600;

/// A `wait-for-otp` in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OtpWait {
    /// The renter.
    pub(crate) account: String,
    /// The rental whose messages count.
    pub(crate) rental_id: String,
    /// Only SMS from this sender count (case-insensitive).
    pub(crate) expected_sender: Option<String>,
    /// When the request arrived (simulated time).
    pub(crate) started_at_ms: u64,
    /// When `timeout_seconds` runs out (simulated time).
    pub(crate) deadline_ms: u64,
}

/// `200 {"success":true,"message":"OTP received","data":{…}}`.
fn received(wait: &OtpWait, rental: &Rental) -> Option<SimResponse> {
    let sms = rental.latest_otp(wait.expected_sender.as_deref())?;
    Some(SimResponse::json_of(
        200,
        &Envelope {
            success: true,
            message: "OTP received".to_owned(),
            data: OtpData {
                status: "received".to_owned(),
                code: sms.code.clone().unwrap_or_default(),
                raw_message: sms.text.clone(),
                from_number: sms.from.clone(),
                received_at: rfc3339(sms.received_at_ms),
                wait_time_seconds: seconds(sms.received_at_ms.saturating_sub(wait.started_at_ms)),
            },
        },
    ))
}

/// `200 {"success":true,"message":"No OTP received","data":{"status":"timeout",…}}` after waiting
/// until `ended_at_ms`.
fn timed_out(wait: &OtpWait, ended_at_ms: u64) -> SimResponse {
    SimResponse::json_of(
        200,
        &Envelope {
            success: true,
            message: "No OTP received".to_owned(),
            data: TimeoutData {
                status: "timeout".to_owned(),
                wait_time_seconds: seconds(ended_at_ms.saturating_sub(wait.started_at_ms)),
            },
        },
    )
}

impl Simulator {
    /// Starts a `wait-for-otp` on an active rental: the answer now, or the timeout answer held.
    pub(crate) fn start_otp_wait(&self, now: u64, wait: OtpWait) -> Result<SimResponse, AgentOtpError> {
        if let Some(answer) = self.otp_answer(now, &wait) {
            return Ok(answer);
        }
        let now_answer = timed_out(&wait, now);
        Ok(now_answer.held(Hold::LongPoll(LongPoll { wait: PendingWait::Otp(wait) })))
    }

    /// Resumes a `wait-for-otp` at simulated time `now`.
    pub(crate) fn resume_otp_wait(&mut self, now: u64, wait: &OtpWait) -> Resumed {
        if let Some(answer) = self.otp_answer(now, wait) {
            return Resumed::Answer(answer);
        }
        let rental = self.agentotp.rentals.iter().find(|r| r.rental_id == wait.rental_id);
        let next = rental
            .and_then(|r| r.sms_due_at_ms)
            .into_iter()
            .chain(rental.map(|r| r.expires_at_ms))
            .chain([wait.deadline_ms])
            .min()
            .unwrap_or(wait.deadline_ms);
        Resumed::Pending { recheck_by_ms: self.host_time_of(next) }
    }

    /// The answer of a wait if it is over at `now`: an OTP of the rental; the rental's end or the
    /// deadline (the timeout answer).
    fn otp_answer(&self, now: u64, wait: &OtpWait) -> Option<SimResponse> {
        let rental = self.agentotp.rentals.iter().find(|r| r.rental_id == wait.rental_id && r.account == wait.account);
        let Some(rental) = rental else {
            return Some(timed_out(wait, now.min(wait.deadline_ms)));
        };
        if let Some(answer) = received(wait, rental) {
            return Some(answer);
        }
        if !rental.is_active() {
            let ended = rental.closed_at_ms.unwrap_or(now).max(wait.started_at_ms);
            return Some(timed_out(wait, ended.min(wait.deadline_ms)));
        }
        (now >= wait.deadline_ms).then(|| timed_out(wait, wait.deadline_ms))
    }
}
