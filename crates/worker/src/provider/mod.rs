//! The client of the configured provider: each operation builds the dialect's request, sends it
//! ([`transport`]: to the provider's endpoint, or the demo provider's object, with a timeout) and parses
//! the answer. Used by the Worker's stateless routes and by the objects alike.

use vnum_protocol::ApiError;
use vnum_protocol::api::{ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Price, Service, StatusResponse};
use vnum_protocol::dialect::{AgentOtp, Dialect, Oxgel, Telenumerus};
use vnum_protocol::http::{HttpRequest, HttpResponse, Secret};
use vnum_protocol::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};
use worker::Env;

use crate::clock::now;
use crate::config::{Config, Endpoint, ProviderKind};
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

fn dialect(config: &Config) -> Box<dyn Dialect> {
    let key = match &config.endpoint {
        Endpoint::Http { api_key, .. } => api_key.clone(),
        Endpoint::Demo => Secret::new(vnum_sim::DEFAULT_KEY),
    };
    match config.provider {
        ProviderKind::Oxgel | ProviderKind::Demo => Box::new(Oxgel::new(key)),
        ProviderKind::Telenumerus => Box::new(Telenumerus::new(key)),
        ProviderKind::AgentOtp => Box::new(AgentOtp::new(key)),
    }
}

impl<'a> ProviderClient<'a> {
    pub fn new(config: &'a Config, env: &'a Env) -> Self {
        Self { config, env, dialect: dialect(config) }
    }

    async fn send(&self, request: Result<HttpRequest, ApiError>) -> Result<HttpResponse, ApiError> {
        transport::send(self.config, self.env, &request?).await
    }

    pub async fn balance(&self) -> Result<Balance, ApiError> {
        let response = self.send(self.dialect.balance()).await?;
        self.dialect.parse_balance(&response)
    }

    pub async fn services(&self) -> Result<Vec<Service>, ApiError> {
        let response = self.send(self.dialect.services()).await?;
        self.dialect.parse_services(&response)
    }

    pub async fn countries(&self) -> Result<Vec<Country>, ApiError> {
        let response = self.send(self.dialect.countries()).await?;
        self.dialect.parse_countries(&response)
    }

    pub async fn prices(
        &self,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError> {
        let response = self.send(self.dialect.prices(service, country)).await?;
        self.dialect.parse_prices(&response)
    }

    /// The wallet guard before a purchase: the price against `MAX_PRICE` and the caller's `max_price`,
    /// and the stock, from a fresh price list. Answers the price, or `None` for providers that publish
    /// no price list.
    pub async fn check_price(&self, request: &BuyRequest) -> Result<Option<f64>, ApiError> {
        let limit = match (self.config.max_price, request.max_price.map(|m| m.value())) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let price_request = match self.dialect.prices(Some(&request.service), Some(&request.country)) {
            Err(ApiError::NotSupported { .. }) => return Ok(None),
            other => other,
        };
        let response = self.send(price_request).await?;
        let prices = self.dialect.parse_prices(&response)?;
        let entry = prices
            .iter()
            .find(|p| p.service == request.service.as_str() && p.country == request.country.as_str())
            .or(prices.first())
            .ok_or(ApiError::NoNumbers)?;
        if entry.stock == 0 {
            return Err(ApiError::NoNumbers);
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

    pub async fn status(&self, id: &OrderId) -> Result<StatusResponse, ApiError> {
        let response = self.send(self.dialect.status(id)).await?;
        self.dialect.parse_status(&response)
    }

    pub async fn cancel(&self, id: &OrderId) -> Result<ActionResponse, ApiError> {
        let response = self.send(self.dialect.cancel(id)).await?;
        self.dialect.parse_cancel(&response)
    }

    /// Finishes upstream; providers without a finish operation finish locally (`None`).
    pub async fn finish(&self, id: &OrderId) -> Result<Option<ActionResponse>, ApiError> {
        match self.dialect.finish(id) {
            Err(ApiError::NotSupported { .. }) => Ok(None),
            request => {
                let response = self.send(request).await?;
                self.dialect.parse_finish(&response).map(Some)
            }
        }
    }

    pub async fn another(&self, id: &OrderId) -> Result<ActionResponse, ApiError> {
        let response = self.send(self.dialect.another(id)).await?;
        self.dialect.parse_another(&response)
    }
}
