//! Cloudflare Access application tokens (`AUTH_MODE=access`): a JWT signed RS256 by the team's key,
//! sent by Access in `Cf-Access-Jwt-Assertion` on every request it let through. This module reads a
//! token and checks what it claims; `access_keys` checks its signature with WebCrypto.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use vnum_protocol::ApiError;

use crate::auth::Caller;
use crate::config::AccessSettings;

/// The header Access puts its token in.
pub const ASSERTION_HEADER: &str = "Cf-Access-Jwt-Assertion";
/// Clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 60;
/// Tokens longer than this are refused unread.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token taken apart, its signature not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The id of the key that signed it.
    pub kid: String,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub claims: Claims,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The claims of an Access application token that decide whether and as whom a request is served.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[serde(default)]
    pub aud: Audience,
    pub exp: u64,
    #[serde(default)]
    pub nbf: Option<u64>,
    /// A person signed in through the identity provider.
    #[serde(default)]
    pub email: Option<String>,
    /// A service token (machine to machine): its client id.
    #[serde(default)]
    pub common_name: Option<String>,
    #[serde(default)]
    pub sub: Option<String>,
}

/// `aud`: one audience tag or several.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    Missing,
}

impl Audience {
    fn contains(&self, tag: &str) -> bool {
        match self {
            Audience::One(one) => one == tag,
            Audience::Many(many) => many.iter().any(|a| a == tag),
            Audience::Missing => false,
        }
    }
}

fn refused() -> ApiError {
    ApiError::Unauthorized
}

fn decode(part: &str) -> Result<Vec<u8>, ApiError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| refused())
}

/// Takes a token apart. Anything but a well-formed RS256 JWT with a key id is refused.
pub fn parse(text: &str) -> Result<Token, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_TOKEN_BYTES {
        return Err(refused());
    }
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused());
    };
    let head: Header = serde_json::from_slice(&decode(header)?).map_err(|_| refused())?;
    // Only the algorithm Access signs with: never `none`, never a symmetric one.
    if head.alg != "RS256" {
        return Err(refused());
    }
    let kid = head.kid.filter(|k| !k.is_empty()).ok_or_else(refused)?;
    let claims: Claims = serde_json::from_slice(&decode(payload)?).map_err(|_| refused())?;
    let signature = decode(signature)?;
    // An RSA signature is as long as the key's modulus: 2048 bits and more.
    if signature.len() < 256 {
        return Err(refused());
    }
    Ok(Token { kid, signing_input: format!("{header}.{payload}"), signature, claims })
}

/// Checks issuer, audience and validity period at `now` (seconds since the epoch), and names the caller:
/// the person's email, else the service token's id, else the subject.
pub fn check(claims: &Claims, settings: &AccessSettings, now: u64) -> Result<Caller, ApiError> {
    if !claims.iss.trim_end_matches('/').eq_ignore_ascii_case(&settings.issuer) {
        return Err(refused());
    }
    if !settings.audiences.iter().any(|tag| claims.aud.contains(tag)) {
        return Err(refused());
    }
    if claims.exp.saturating_add(LEEWAY_SECONDS) <= now {
        return Err(refused());
    }
    if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS)) {
        return Err(refused());
    }
    [&claims.email, &claims.common_name, &claims.sub]
        .into_iter()
        .flatten()
        .map(|name| name.trim())
        .find(|name| !name.is_empty())
        .map(Caller::named)
        .ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AccessSettings {
        AccessSettings {
            issuer: "https://team.cloudflareaccess.com".into(),
            audiences: vec!["aud-1".into()],
            certs_url: "https://team.cloudflareaccess.com/cdn-cgi/access/certs".into(),
        }
    }

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.{}", encode(header), encode(claims), URL_SAFE_NO_PAD.encode([7u8; 256]))
    }

    const CLAIMS: &str = r#"{"iss":"https://team.cloudflareaccess.com","aud":["aud-1"],"exp":2000,"nbf":1000,"email":"ana@example.com","sub":"u-1"}"#;

    #[test]
    fn reads_an_rs256_token_with_its_key_id() {
        let text = token(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#, CLAIMS);
        let parsed = parse(&text).expect("token");
        assert_eq!(parsed.kid, "k1");
        assert_eq!(parsed.signature, [7; 256]);
        assert_eq!(parsed.signing_input, text.rsplit_once('.').expect("dot").0);
        assert_eq!(parsed.claims.email.as_deref(), Some("ana@example.com"));
    }

    #[test]
    fn refuses_other_algorithms_and_malformed_tokens() {
        for header in [r#"{"alg":"none","kid":"k1"}"#, r#"{"alg":"HS256","kid":"k1"}"#, r#"{"alg":"RS256"}"#] {
            assert_eq!(parse(&token(header, CLAIMS)), Err(ApiError::Unauthorized), "{header}");
        }
        let good = token(r#"{"alg":"RS256","kid":"k1"}"#, CLAIMS);
        let (signed, _) = good.rsplit_once('.').expect("dot");
        let short = format!("{signed}.{}", URL_SAFE_NO_PAD.encode([7u8; 64]));
        let unsigned = format!("{signed}.");
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        for bad in ["", "a.b", "a.b.c.d", "!!.@@.##", &format!("{good}.x"), &long, &short, &unsigned] {
            assert_eq!(parse(bad), Err(ApiError::Unauthorized), "{bad:.40}");
        }
    }

    #[test]
    fn checks_issuer_audience_and_time_and_names_the_caller() {
        let claims = |json: &str| serde_json::from_str::<Claims>(json).expect("claims");
        let ok = claims(CLAIMS);
        assert_eq!(check(&ok, &settings(), 1500).expect("valid").name, "ana@example.com");
        assert!(check(&ok, &settings(), 2000 + LEEWAY_SECONDS - 1).is_ok(), "within the leeway");
        assert_eq!(check(&ok, &settings(), 2000 + LEEWAY_SECONDS), Err(ApiError::Unauthorized), "expired");
        assert_eq!(check(&ok, &settings(), 1000 - LEEWAY_SECONDS - 1), Err(ApiError::Unauthorized), "not yet");

        let other_team = CLAIMS.replace("https://team.", "https://other.");
        assert!(check(&claims(&other_team), &settings(), 1500).is_err());
        let other_app = CLAIMS.replace(r#"["aud-1"]"#, r#""aud-2""#);
        assert!(check(&claims(&other_app), &settings(), 1500).is_err());
        let one_aud = CLAIMS.replace(r#"["aud-1"]"#, r#""aud-1""#);
        assert!(check(&claims(&one_aud), &settings(), 1500).is_ok(), "aud may be a single string");
        let no_aud = r#"{"iss":"https://team.cloudflareaccess.com","exp":2000,"email":"a@b.c"}"#;
        assert!(check(&claims(no_aud), &settings(), 1500).is_err());

        let service = r#"{"iss":"https://team.cloudflareaccess.com","aud":"aud-1","exp":2000,"common_name":"abc.access","sub":""}"#;
        assert_eq!(check(&claims(service), &settings(), 1500).expect("service token").name, "abc.access");
        let nobody = r#"{"iss":"https://team.cloudflareaccess.com","aud":"aud-1","exp":2000,"sub":" "}"#;
        assert!(check(&claims(nobody), &settings(), 1500).is_err(), "a token must name someone");
    }
}
