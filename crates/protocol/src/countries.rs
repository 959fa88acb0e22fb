//! English names of the countries the providers document by ISO 3166-1 alpha-2 code, for the country
//! lists vnum serves where a provider publishes codes but no list (Telenumerus, Agent OTP).

/// Code and English name, in the order Telenumerus lists its 24 countries.
const NAMES: [(&str, &str); 24] = [
    ("US", "United States"),
    ("RU", "Russia"),
    ("UA", "Ukraine"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("IN", "India"),
    ("ID", "Indonesia"),
    ("PH", "Philippines"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("NL", "Netherlands"),
    ("PL", "Poland"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("SE", "Sweden"),
    ("MX", "Mexico"),
    ("AU", "Australia"),
    ("KR", "South Korea"),
    ("JP", "Japan"),
    ("CN", "China"),
    ("TH", "Thailand"),
    ("VN", "Vietnam"),
    ("MY", "Malaysia"),
];

/// Every code with a name here, in Telenumerus's order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    NAMES.iter().map(|(code, _)| *code)
}

/// The English name of an ISO code (upper case), when known.
pub fn name(iso2: &str) -> Option<&'static str> {
    NAMES.iter().find(|(code, _)| *code == iso2).map(|(_, name)| *name)
}

/// A country entry of vnum's `/countries` for an ISO code: its name when known, else the code.
pub fn entry(iso2: &str) -> crate::api::Country {
    crate::api::Country {
        code: iso2.to_owned(),
        iso2: Some(iso2.to_owned()),
        name: name(iso2).unwrap_or(iso2).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_one_name() {
        assert_eq!(codes().count(), 24);
        assert_eq!(name("GB"), Some("United Kingdom"));
        assert_eq!(entry("ZZ").name, "ZZ");
        let mut all: Vec<&str> = codes().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 24);
    }
}
