//! id_token verification (OpenID Connect Core §3.1.3.7): first the header is read to pick a
//! key, then the signature and the claims are checked against explicit expectations, each
//! failure naming the check that failed — never the token.

use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// The checks of the contract; `as_str` is the stable `reason` of an `id_token_invalid` error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenCheck {
    Signature,
    Alg,
    Iss,
    Aud,
    Azp,
    Exp,
    Iat,
    Nbf,
    Nonce,
    AtHash,
    Malformed,
    KeysUnavailable,
    /// On a refresh, the id_token names another user than the one the tokens were issued for.
    Sub,
}

impl IdTokenCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenCheck::Signature => "signature",
            IdTokenCheck::Alg => "alg",
            IdTokenCheck::Iss => "iss",
            IdTokenCheck::Aud => "aud",
            IdTokenCheck::Azp => "azp",
            IdTokenCheck::Exp => "exp",
            IdTokenCheck::Iat => "iat",
            IdTokenCheck::Nbf => "nbf",
            IdTokenCheck::Nonce => "nonce",
            IdTokenCheck::AtHash => "at_hash",
            IdTokenCheck::Malformed => "malformed",
            IdTokenCheck::KeysUnavailable => "keys_unavailable",
            IdTokenCheck::Sub => "sub",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            IdTokenCheck::Signature => "the signature does not verify with the provider's keys",
            IdTokenCheck::Alg => "its algorithm is not allowed (none, unknown, or not the key's)",
            IdTokenCheck::Iss => "it was issued by another issuer",
            IdTokenCheck::Aud => "it was issued for another client (aud)",
            IdTokenCheck::Azp => "its authorized party (azp) is another client",
            IdTokenCheck::Exp => "it has expired",
            IdTokenCheck::Iat => "it was issued in the future (iat)",
            IdTokenCheck::Nbf => "it is not valid yet (nbf)",
            IdTokenCheck::Nonce => "its nonce is not the login's",
            IdTokenCheck::AtHash => "its at_hash does not match the access token",
            IdTokenCheck::Malformed => "it is not a well-formed signed JWT",
            IdTokenCheck::KeysUnavailable => {
                "the provider's discovery document or keys could not be fetched"
            }
            IdTokenCheck::Sub => "it names another user (sub) than the tokens it refreshes",
        }
    }
}

/// What the token must say.
#[derive(Clone, Copy)]
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: Option<&'a str>,
    pub access_token: Option<&'a str>,
    pub leeway_seconds: u64,
    pub now: u64,
    /// On a refresh: the `sub` of the id_token the refreshed tokens came with (OIDC Core 12.2).
    pub subject: Option<&'a str>,
    /// Discovery's `id_token_signing_alg_values_supported`, when it lists them.
    pub allowed_algs: Option<&'a [String]>,
}

// The access token (checked against `at_hash`) is a secret.
impl std::fmt::Debug for Expectations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectations")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("nonce", &self.nonce)
            .field("access_token", &self.access_token.map(|_| "[redacted]"))
            .field("leeway_seconds", &self.leeway_seconds)
            .field("now", &self.now)
            .field("subject", &self.subject)
            .field("allowed_algs", &self.allowed_algs)
            .finish()
    }
}

/// The header fields that select the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHeader {
    pub alg: Algorithm,
    pub kid: Option<String>,
}

impl TokenHeader {
    pub fn is_hmac(&self) -> bool {
        matches!(
            self.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        )
    }
}

const ALLOWED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
];

/// Reads the JOSE header. `alg: none` (and anything not in the allowed list) is refused here,
/// before any key is looked at; so are a `crit` header (RFC 7515 §4.1.11: this library
/// understands no extension, so it must refuse any it is told is critical) and a `typ` that says
/// the JWT is something else (an `at+jwt` access token passed off as an id_token).
pub fn read_header(token: &str) -> Result<TokenHeader, IdTokenCheck> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenCheck::Malformed);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| IdTokenCheck::Malformed)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| IdTokenCheck::Malformed)?;
    let alg_name = value
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(IdTokenCheck::Malformed)?;
    let alg: Algorithm = alg_name.parse().map_err(|_| IdTokenCheck::Alg)?;
    if !ALLOWED.contains(&alg) {
        return Err(IdTokenCheck::Alg);
    }
    if value.get("crit").is_some() {
        return Err(IdTokenCheck::Malformed);
    }
    if let Some(typ) = value.get("typ") {
        let typ = typ.as_str().ok_or(IdTokenCheck::Malformed)?;
        let bare = typ
            .get(..12)
            .filter(|p| p.eq_ignore_ascii_case("application/"))
            .map_or(typ, |_| &typ[12..]);
        if !bare.eq_ignore_ascii_case("JWT") {
            return Err(IdTokenCheck::Malformed);
        }
    }
    let kid = value.get("kid").and_then(Value::as_str).map(str::to_owned);
    Ok(TokenHeader { alg, kid })
}

/// Whether a JWKS key can verify this header: same `kid` (when the token names one), a key type
/// and curve that fit the algorithm, and the key's own `alg` (when it states one) equal to it.
pub fn key_fits(jwk: &Jwk, header: &TokenHeader) -> bool {
    if let Some(kid) = &header.kid {
        if jwk.common.key_id.as_deref() != Some(kid.as_str()) {
            return false;
        }
    }
    if let Some(key_alg) = jwk.common.key_algorithm {
        if key_alg.to_string() != format!("{:?}", header.alg) {
            return false;
        }
    }
    if matches!(
        jwk.common.public_key_use,
        Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
    ) {
        return false;
    }
    match (&jwk.algorithm, header.alg) {
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => true,
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384) => {
            ec.curve == EllipticCurve::P384
        }
        _ => false,
    }
}

pub fn decoding_key(jwk: &Jwk) -> Result<DecodingKey, IdTokenCheck> {
    DecodingKey::from_jwk(jwk).map_err(|_| IdTokenCheck::KeysUnavailable)
}

/// Verifies signature and claims; returns the verified payload.
pub fn verify(
    token: &str,
    header: &TokenHeader,
    key: &DecodingKey,
    expected: &Expectations<'_>,
) -> Result<Map<String, Value>, IdTokenCheck> {
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.leeway = expected.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);

    let data =
        jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation).map_err(|e| match e
            .kind()
        {
            ErrorKind::InvalidSignature | ErrorKind::Crypto(_) => IdTokenCheck::Signature,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => IdTokenCheck::Alg,
            ErrorKind::ExpiredSignature => IdTokenCheck::Exp,
            ErrorKind::ImmatureSignature => IdTokenCheck::Nbf,
            ErrorKind::InvalidIssuer => IdTokenCheck::Iss,
            ErrorKind::InvalidAudience => IdTokenCheck::Aud,
            ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
                "exp" => IdTokenCheck::Exp,
                "iss" => IdTokenCheck::Iss,
                "aud" => IdTokenCheck::Aud,
                _ => IdTokenCheck::Malformed,
            },
            ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidKeyFormat => IdTokenCheck::Signature,
            _ => IdTokenCheck::Malformed,
        })?;
    let claims = data.claims;
    check_claims(&claims, header.alg, expected)?;
    Ok(claims)
}

/// The checks jsonwebtoken does not make, or makes leniently: claim types, iat, azp, nonce,
/// at_hash, the algorithm the provider says it uses, and the subject of a refresh.
fn check_claims(
    claims: &Map<String, Value>,
    alg: Algorithm,
    expected: &Expectations<'_>,
) -> Result<(), IdTokenCheck> {
    if let Some(algs) = expected.allowed_algs {
        if !algs.iter().any(|a| *a == format!("{alg:?}")) {
            return Err(IdTokenCheck::Alg);
        }
    }
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(IdTokenCheck::Iss);
    }
    // NumericDate claims are JSON numbers (RFC 7519 §2); a string must not be skipped over.
    for (claim, check) in [
        ("exp", IdTokenCheck::Exp),
        ("iat", IdTokenCheck::Iat),
        ("nbf", IdTokenCheck::Nbf),
        ("auth_time", IdTokenCheck::Malformed),
    ] {
        if claims.get(claim).is_some_and(|v| !v.is_number()) {
            return Err(check);
        }
    }
    let sub = claims.get("sub").and_then(Value::as_str);
    if sub.is_none_or(str::is_empty) {
        return Err(IdTokenCheck::Malformed);
    }
    if expected
        .subject
        .is_some_and(|previous| sub != Some(previous))
    {
        return Err(IdTokenCheck::Sub);
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or(IdTokenCheck::Iat)?;
    if iat > expected.now.saturating_add(expected.leeway_seconds) {
        return Err(IdTokenCheck::Iat);
    }
    let several_audiences = claims
        .get("aud")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 1);
    match claims.get("azp") {
        Some(azp) if azp.as_str() != Some(expected.client_id) => return Err(IdTokenCheck::Azp),
        None if several_audiences => return Err(IdTokenCheck::Azp),
        _ => {}
    }
    if let Some(nonce) = expected.nonce {
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(IdTokenCheck::Nonce);
        }
    }
    if let (Some(at_hash), Some(access_token)) = (claims.get("at_hash"), expected.access_token) {
        if at_hash.as_str() != Some(token_hash(alg, access_token).as_str()) {
            return Err(IdTokenCheck::AtHash);
        }
    }
    Ok(())
}

/// `at_hash`: the left half of the hash (the one the signing algorithm uses) of the access
/// token, base64url without padding.
pub fn token_hash(alg: Algorithm, token: &str) -> String {
    let digest_alg = match alg {
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 | Algorithm::HS384 => {
            &ring::digest::SHA384
        }
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::HS512 => &ring::digest::SHA512,
        _ => &ring::digest::SHA256,
    };
    let digest = ring::digest::digest(digest_alg, token.as_bytes());
    let half = &digest.as_ref()[..digest.as_ref().len() / 2];
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(half)
}

#[cfg(test)]
mod tests;
