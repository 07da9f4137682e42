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

    /// Remembers a secret. Cheap: the encodings are made only when an error is redacted, which
    /// keeps this off the path of every successful call.
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.values.iter().any(|v| v == secret) {
            self.values.push(secret.to_owned());
        }
    }

    pub fn with(mut self, secret: Option<&str>) -> Self {
        if let Some(s) = secret {
            self.add(s);
        }
        self
    }

    /// Replaces every secret, in each of the forms it takes on the wire, with a marker.
    pub fn redact(&self, text: &str) -> String {
        let mut forms: Vec<String> = Vec::with_capacity(self.values.len() * 3);
        for secret in &self.values {
            let form_encoded: String =
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let base64 = base64::engine::general_purpose::STANDARD.encode(secret);
            forms.extend([secret.clone(), form_encoded, base64]);
        }
        // Longest first, so a secret containing another is replaced whole.
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let mut out = text.to_owned();
        for form in &forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
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
