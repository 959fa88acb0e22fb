//! The searchable lists of services and countries.

use vnum_client::vnum_protocol::api::{Country, Service};

/// One entry of a searchable list: a service or a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What is sent: `wa`, `187`.
    pub code: String,
    /// What people read: `WhatsApp`, `United States`.
    pub name: String,
    /// A second handle to find it by: the ISO2 of a country (`US`); empty for services.
    pub alias: String,
}

impl Choice {
    pub fn service(service: &Service) -> Self {
        Self { code: service.code.clone(), name: service.name.clone(), alias: String::new() }
    }

    pub fn country(country: &Country) -> Self {
        Self {
            code: country.code.clone(),
            name: country.name.clone(),
            alias: country.iso2.clone().unwrap_or_default().to_ascii_uppercase(),
        }
    }

    /// How well it matches the lowercase `query`; lower is better, `None` is no match. (ASCII case
    /// folding only: Unicode tables would weigh more than the whole search.)
    fn rank(&self, query: &str) -> Option<u8> {
        let name = self.name.to_ascii_lowercase();
        let code = self.code.to_ascii_lowercase();
        let alias = self.alias.to_ascii_lowercase();
        if code == query || (!alias.is_empty() && alias == query) {
            Some(0)
        } else if name.starts_with(query) {
            Some(1)
        } else if name.split([' ', '-', '(']).any(|word| word.starts_with(query)) {
            Some(2)
        } else if name.contains(query) {
            Some(3)
        } else if code.starts_with(query) || (!alias.is_empty() && alias.starts_with(query)) {
            Some(4)
        } else {
            None
        }
    }
}

/// The entries matching `query` (by name, code, or ISO2), best match first, then in the provider's
/// order (which lists the popular ones first); every entry for an empty query.
pub fn search<'a>(choices: &'a [Choice], query: &str) -> Vec<&'a Choice> {
    let query = query.trim().to_ascii_lowercase();
    if query.is_empty() {
        return choices.iter().collect();
    }
    let ranks: Vec<Option<u8>> = choices.iter().map(|c| c.rank(&query)).collect();
    (0..=4u8)
        .flat_map(|rank| choices.iter().zip(&ranks).filter(move |(_, r)| **r == Some(rank)).map(|(c, _)| c))
        .collect()
}

/// The name of `code` in `choices`, or the code itself.
pub fn name_of(choices: &[Choice], code: &str) -> String {
    choices.iter().find(|c| c.code == code).map_or_else(|| code.to_owned(), |c| c.name.clone())
}
