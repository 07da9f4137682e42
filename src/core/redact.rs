//! Secrets known to one call, and their removal from any text that leaves the library.

use base64::Engine as _;

const REDACTED: &str = "[redacted]";

/// The secret strings of one call: client secret, code, code verifier, tokens. Each is also
/// remembered in the encodings it takes on the wire, since a server may echo either form.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Secrets {
    values: Vec<String>,
}

// Printing the set must not print what it protects.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} hidden)", self.values.len())
    }
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let form_encoded: String =
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let base64 = base64::engine::general_purpose::STANDARD.encode(secret);
        for v in [secret.to_owned(), form_encoded, base64] {
            if !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn with(mut self, secret: Option<&str>) -> Self {
        if let Some(s) = secret {
            self.add(s);
        }
        self
    }

    pub fn extend(&mut self, other: &Secrets) {
        for v in &other.values {
            self.add(v);
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_plain_encoded_and_base64_forms() {
        let secrets = Secrets::new().with(Some("s3cr3t:+/ &"));
        let text = "echo s3cr3t:+/ & and s3cr3t%3A%2B%2F+%26 and czNjcjN0OisvICY=";
        let out = secrets.redact(text);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains("czNjcjN0Oisv"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3);
    }

    #[test]
    fn empty_secret_is_ignored() {
        let secrets = Secrets::new().with(Some(""));
        assert_eq!(secrets.redact("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn longer_secret_wins_over_its_prefix() {
        let secrets = Secrets::new().with(Some("abcd")).with(Some("abcdefgh"));
        assert_eq!(secrets.redact("x abcdefgh y"), "x [redacted] y");
    }
}
