//! The client of the configured provider: each operation builds the dialect's request, sends it
//! ([`transport`]: to the provider's endpoint, or the demo provider's object, with a timeout) and parses
//! the answer. Used by the Worker's stateless routes and by the objects alike.

use vnum_protocol::ApiError;
use vnum_protocol::api::{ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Price, Service, StatusResponse};
use vnum_protocol::dialect::{Ask, Dialect, OrderRef, Push};
use vnum_protocol::http::{HttpRequest, HttpResponse};
use vnum_protocol::validate::{CountryCode, IdempotencyKey, ServiceCode};
use worker::Env;

use crate::clock::now;
use crate::config::Config;
use crate::meter;
mod transport;

/// The configured provider, reached from this Worker or object.
pub struct ProviderClient<'a> {
    pub config: &'a Config,
    env: &'a Env,
    dialect: Box<dyn Dialect>,
}

impl std::fmt::Debug for ProviderClient<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderClient").field("provider", &self.config.provider).finish_non_exhaustive()
    }
}

impl<'a> ProviderClient<'a> {
    pub fn new(config: &'a Config, env: &'a Env) -> Self {
        Self { config, env, dialect: config.dialect() }
    }

    /// Sends one request upstream, counted first against the provider's per-minute limit for the
    /// whole deployment where it has one.
    async fn send(&self, request: Result<HttpRequest, ApiError>) -> Result<HttpResponse, ApiError> {
        let request = request?;
        self.count_request().await?;
        transport::send(self.config, self.env, &request).await
    }

    /// Counts one request against the provider's per-minute limit at the meter, where it has one.
    async fn count_request(&self) -> Result<(), ApiError> {
        match self.config.rules().requests_per_minute {
            Some(limit) => meter::request(self.env, limit).await,
            None => Ok(()),
        }
    }

    /// An answer the dialect knows, or the provider's answer to its request, read by `parse`.
    async fn ask<T>(
        &self,
        ask: Result<Ask<T>, ApiError>,
        parse: impl FnOnce(&HttpResponse) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match ask? {
            Ask::Known(known) => Ok(known),
            Ask::Send(request) => parse(&self.send(Ok(request)).await?),
        }
    }

    pub async fn balance(&self) -> Result<Balance, ApiError> {
        self.ask(self.dialect.balance(), |r| self.dialect.parse_balance(r)).await
    }

    pub async fn services(&self) -> Result<Vec<Service>, ApiError> {
        self.ask(self.dialect.services(), |r| self.dialect.parse_services(r)).await
    }

    pub async fn countries(&self) -> Result<Vec<Country>, ApiError> {
        self.ask(self.dialect.countries(), |r| self.dialect.parse_countries(r)).await
    }

    pub async fn prices(
        &self,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError> {
        self.ask(self.dialect.prices(service, country), |r| self.dialect.parse_prices(r, service, country)).await
    }

    /// The wallet guard before a purchase: the price against `MAX_PRICE` and the caller's `max_price`,
    /// and the stock, from a fresh price list. Answers the price, or `None` where the provider's price
    /// is not known (Agent OTP without `AGENTOTP_PRICE`): then any limit refuses, since what would be
    /// spent cannot be checked.
    pub async fn check_price(&self, request: &BuyRequest) -> Result<Option<f64>, ApiError> {
        let limit = match (self.config.max_price, request.max_price.map(|m| m.value())) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let prices = self.prices(Some(&request.service), Some(&request.country)).await?;
        let entry = prices
            .iter()
            .find(|p| p.service == request.service.as_str() && p.country == request.country.as_str())
            .ok_or(ApiError::NoNumbers)?;
        if entry.stock == 0 {
            return Err(ApiError::NoNumbers);
        }
        if !self.config.rules().prices_known {
            return match limit {
                Some(_) => Err(ApiError::NotConfigured { reason: unknown_price(self.config) }),
                None => Ok(None),
            };
        }
        if let Some(limit) = limit
            && entry.price > limit
        {
            return Err(ApiError::PriceAboveLimit { price: entry.price, limit });
        }
        Ok(Some(entry.price))
    }

    /// Buys upstream (no checks: see [`ProviderClient::check_price`]).
    pub async fn buy(&self, request: &BuyRequest, key: Option<&IdempotencyKey>) -> Result<BoughtNumber, ApiError> {
        let response = self.send(self.dialect.buy(request, key)).await?;
        self.dialect.parse_buy(&response, now())
    }

    pub async fn status(&self, order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        let response = self.send(self.dialect.status(order)).await?;
        self.dialect.parse_status(&response, order)
    }

    pub async fn cancel(&self, order: &OrderRef<'_>) -> Result<ActionResponse, ApiError> {
        let response = self.send(self.dialect.cancel(order)).await?;
        self.dialect.parse_cancel(&response)
    }

    /// Finishes upstream, or on vnum's side only where the provider has no such operation.
    pub async fn finish(&self, order: &OrderRef<'_>) -> Result<ActionResponse, ApiError> {
        self.ask(self.dialect.finish(order), |r| self.dialect.parse_finish(r)).await
    }

    pub async fn another(&self, order: &OrderRef<'_>) -> Result<ActionResponse, ApiError> {
        let response = self.send(self.dialect.another(order)).await?;
        self.dialect.parse_another(&response)
    }

    /// Holds the provider's push for `order` at most `seconds`: the status it brought (a code, an end,
    /// or still waiting when it ended with no news), or why it failed.
    pub async fn listen(&self, order: &OrderRef<'_>, seconds: u64) -> Result<StatusResponse, ApiError> {
        let request = self.dialect.listen(order, seconds)?;
        self.count_request().await?;
        let waiting = || StatusResponse::new(vnum_protocol::api::OrderStatus::Waiting, None, None, String::new());
        match self.config.rules().push {
            Some(Push::LongPoll) => {
                let response = transport::hold(self.config, &request, seconds).await?;
                self.dialect.parse_listen(&response, order)
            }
            Some(Push::EventStream) => {
                match transport::stream(self.config, &request, seconds, |data| self.dialect.parse_event(data)).await? {
                    transport::Streamed::Found(status) => Ok(status),
                    transport::Streamed::Ended => Ok(waiting()),
                    transport::Streamed::Refused(response) => Err(self.dialect.listen_error(&response)),
                }
            }
            None => Err(vnum_protocol::dialect::unsupported(self.dialect.name(), "pushing codes")),
        }
    }
}

/// Why a purchase is refused where the price is not known.
fn unknown_price(config: &Config) -> String {
    format!(
        "the {} provider publishes no price, so MAX_PRICE, max_price and DAILY_SPEND_LIMIT cannot be checked: \
         set AGENTOTP_PRICE to what one rental costs",
        config.provider.name()
    )
}
