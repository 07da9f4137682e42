//! Secrets known to one call, and their removal from text that comes from outside the library
//! (the provider's error texts, transport and OS messages).
//!
//! A secret is looked for in the forms it takes on the wire or in an echo: as is, in base64
//! (standard and URL-safe, padded or not) and percent-encoded in any way (`%20` or `+` for a
//! space, hex digits in either case, any character escaped or not). Percent-encoding is matched by
//! decoding the text, with a map from each decoded byte back to where it came from, and
//! replacing the original ranges of every secret found in the decoded text.

use std::ops::Range;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use zeroize::Zeroizing;

pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not looked for in transport and OS text: a one-letter code would
/// turn "Connection refused" into "Connection refu[redacted]ed". (`appSecret` is refused below
/// this length; a code or a token this short is not one the provider issued.)
pub const MIN_SECRET_CHARS: usize = 8;

/// The secret strings of one call: client secret, code, code verifier, tokens, Basic credentials.
/// Wiped from memory when dropped; the encodings are made only when an error is redacted, which
/// keeps this off the path of every successful call.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Secrets {
    values: Vec<Zeroizing<String>>,
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

    /// Remembers a secret.
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.values.iter().any(|v| v.as_str() == secret) {
            self.values.push(Zeroizing::new(secret.to_owned()));
        }
    }

    pub fn with(mut self, secret: Option<&str>) -> Self {
        if let Some(s) = secret {
            self.add(s);
        }
        self
    }

    /// Replaces every secret, whatever its length, in each of its forms, with a marker.
    pub fn redact(&self, text: &str) -> String {
        self.redact_with(text, 0, None)
    }

    /// As `redact`, looking only for secrets of at least `MIN_SECRET_CHARS` characters: for
    /// transport and OS messages, where a short value would garble the words around it.
    pub fn redact_long(&self, text: &str) -> String {
        self.redact_with(text, MIN_SECRET_CHARS, None)
    }

    /// As `redact`, on the first `keep` characters of `text` only, so that the cost stays bounded
    /// whatever the provider sent. When `text` is longer, whatever might be the start of a secret
    /// cut by that limit is dropped too, and the result ends with `…`.
    pub fn redact_cut(&self, text: &str, keep: usize) -> String {
        self.redact_with(text, 0, Some(keep))
    }

    fn redact_with(&self, text: &str, min_chars: usize, keep: Option<usize>) -> String {
        let needles = self.needles(min_chars);
        let (head, cut) = match keep.and_then(|k| text.char_indices().nth(k)) {
            Some((end, _)) => (&text[..end], true),
            None => (text, false),
        };
        if needles.is_empty() && !cut {
            return text.to_owned();
        }
        // An escape cut in its middle ("%4") would not decode as what it was: it goes, so that
        // a secret it was part of is seen as cut off (below).
        let head = match head.as_bytes() {
            [.., b'%'] if cut => &head[..head.len() - 1],
            [.., b'%', h] if cut && h.is_ascii_hexdigit() => &head[..head.len() - 2],
            _ => head,
        };
        let bytes = head.as_bytes();
        let mut found: Vec<Range<usize>> = Vec::new();
        // Where a secret cut off by the end of `head` may start: nothing from there is kept.
        let mut end = bytes.len();
        let mut search = |view: &[u8], origin: Option<&[Range<usize>]>| {
            let span = |r: Range<usize>| match origin {
                Some(o) => o[r.start].start..o[r.end - 1].end,
                None => r,
            };
            for needle in &needles {
                let (starts, partial) = needle.find_all(view);
                found.extend(starts.into_iter().map(|s| span(s..s + needle.len())));
                if cut && partial > 0 {
                    end = end.min(span(view.len() - partial..view.len()).start);
                }
            }
        };
        search(bytes, None);
        if bytes.contains(&b'%') {
            let (decoded, origin) = percent_decode(bytes, false);
            search(&decoded, Some(&origin));
        }
        if bytes.contains(&b'%') || bytes.contains(&b'+') {
            let (decoded, origin) = percent_decode(bytes, true);
            search(&decoded, Some(&origin));
        }
        let mut out = splice(head, found, end);
        if cut {
            out.push('…');
        }
        out
    }

    /// Every form of every secret of at least `min_chars` characters, as byte strings.
    fn needles(&self, min_chars: usize) -> Vec<Needle> {
        let mut forms: Vec<Zeroizing<Vec<u8>>> = Vec::with_capacity(self.values.len() * 5);
        for secret in self.values.iter() {
            if secret.chars().count() < min_chars {
                continue;
            }
            forms.push(Zeroizing::new(secret.as_bytes().to_vec()));
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                forms.push(Zeroizing::new(
                    engine.encode(secret.as_bytes()).into_bytes(),
                ));
            }
        }
        forms.sort_by(|a, b| a.as_slice().cmp(b.as_slice()));
        forms.dedup();
        forms.into_iter().map(Needle::new).collect()
    }
}

/// A byte string to find, with its KMP failure table: every search is linear in the text, so a
/// hostile text cannot make redaction slow.
struct Needle {
    bytes: Zeroizing<Vec<u8>>,
    fail: Vec<usize>,
}

impl Needle {
    fn new(bytes: Zeroizing<Vec<u8>>) -> Needle {
        let mut fail = vec![0; bytes.len()];
        let mut k = 0;
        for i in 1..bytes.len() {
            while k > 0 && bytes[i] != bytes[k] {
                k = fail[k - 1];
            }
            if bytes[i] == bytes[k] {
                k += 1;
            }
            fail[i] = k;
        }
        Needle { bytes, fail }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The start of every occurrence in `hay` (overlapping ones too), and the length of the
    /// longest start of the needle that `hay` ends with.
    fn find_all(&self, hay: &[u8]) -> (Vec<usize>, usize) {
        let mut starts = Vec::new();
        let mut k = 0;
        for (i, &b) in hay.iter().enumerate() {
            while k > 0 && b != self.bytes[k] {
                k = self.fail[k - 1];
            }
            if b == self.bytes[k] {
                k += 1;
            }
            if k == self.bytes.len() {
                starts.push(i + 1 - k);
                k = self.fail[k - 1];
            }
        }
        (starts, k)
    }
}

/// `text` with `%XX` escapes (hex in either case) decoded, and `+` read as a space when
/// `plus_is_space`; with, for each decoded byte, the range of `text` it came from. A `%` that
/// does not start an escape stays as is.
fn percent_decode(text: &[u8], plus_is_space: bool) -> (Zeroizing<Vec<u8>>, Vec<Range<usize>>) {
    let hex = |i: usize| text.get(i).and_then(|&b| (b as char).to_digit(16));
    let mut decoded = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut origin = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let (byte, len) = match (text[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => ((high * 16 + low) as u8, 3),
            (b'+', _, _) if plus_is_space => (b' ', 1),
            (b, _, _) => (b, 1),
        };
        decoded.push(byte);
        origin.push(i..i + len);
        i += len;
    }
    (decoded, origin)
}

/// `text[..end]` with each range replaced by the marker; overlapping ranges become one marker.
/// Ranges are widened to character boundaries, so the result is always valid UTF-8.
fn splice(text: &str, mut ranges: Vec<Range<usize>>, end: usize) -> String {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let end = floor(end);
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        let (start, stop) = (floor(r.start), ceil(r.end));
        if start >= end {
            break;
        }
        if stop <= at {
            continue; // inside the previous marker
        }
        if start >= at {
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
        }
        at = stop;
    }
    if at < end {
        out.push_str(&text[at..end]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t:+/ &é~x?";

    fn secrets() -> Secrets {
        Secrets::new().with(Some(SECRET))
    }

    /// Asserts that nothing of the secret survives and returns the redacted text.
    fn scrubbed(text: &str) -> String {
        let out = secrets().redact(text);
        assert!(!out.contains("s3cr3t"), "{text} -> {out}");
        out
    }

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
    fn percent_encoding_with_percent_20_for_space() {
        assert_eq!(
            scrubbed("x=s3cr3t%3A%2B%2F%20%26%C3%A9~x%3F&y=1"),
            "x=[redacted]&y=1"
        );
    }

    #[test]
    fn percent_encoding_in_lowercase_and_mixed_case_hex() {
        assert_eq!(scrubbed("s3cr3t%3a%2b%2f%20%26%c3%a9~x%3f."), "[redacted].");
        assert_eq!(scrubbed("s3cr3t%3a%2B%2f+%26%C3%a9%7Ex?"), "[redacted]");
        // Escapes of characters that need none (%73 is `s`) are decoded too.
        assert_eq!(scrubbed("(%73%33cr3t:+/ &é~x?)"), "([redacted])");
    }

    #[test]
    fn plus_kept_as_plus_and_read_as_space() {
        // `+` is itself in the secret: only the view that keeps it finds this one.
        assert_eq!(scrubbed("a s3cr3t%3A+%2F%20%26é~x? b"), "a [redacted] b");
        // ... and only the view that reads it as a space finds this one.
        assert_eq!(scrubbed("a s3cr3t:%2B/+&é~x? b"), "a [redacted] b");
    }

    #[test]
    fn base64_standard_and_url_safe_padded_or_not() {
        let secret = "any?secret>>~~";
        let s = Secrets::new().with(Some(secret));
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(secret);
            let out = s.redact(&format!("got <{encoded}>"));
            assert_eq!(out, "got <[redacted]>", "{encoded}");
        }
        // The four encodings of this one differ (`+` or `-`, `=` or none).
        assert_eq!(STANDARD.encode(secret), "YW55P3NlY3JldD4+fn4=");
        assert_eq!(URL_SAFE_NO_PAD.encode(secret), "YW55P3NlY3JldD4-fn4");
    }

    #[test]
    fn base64_that_is_itself_percent_encoded() {
        let secret = "any?secret>>~~";
        let encoded: String =
            url::form_urlencoded::byte_serialize(STANDARD.encode(secret).as_bytes()).collect();
        assert!(encoded.contains("%2B"), "{encoded}");
        let out = Secrets::new().with(Some(secret)).redact(&encoded);
        assert_eq!(out, REDACTED);
    }

    #[test]
    fn raw_basic_pair_is_found_once_added() {
        // What a server that does not form-encode echoes: base64 of `id:secret` as is.
        let pair = format!("app1:{SECRET}");
        let echoed = format!("Basic {}", STANDARD.encode(&pair));
        let s = secrets().with(Some(&pair));
        assert_eq!(s.redact(&echoed), "Basic [redacted]");
        // The secret alone does not find it: its base64 is not aligned with the pair's.
        assert!(!secrets().redact(&echoed).contains(REDACTED));
    }

    #[test]
    fn secret_in_json_escaped_provider_text_is_decoded_by_serde_first() {
        let body = r#"{"error":"invalid_grant","error_description":"bad \u0073\u0033cr3t:+\/ &\u00e9~x?"}"#;
        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).unwrap();
        let e = crate::core::token_reply::oauth_error(Some(400), &obj).redact(&secrets());
        let doc = format!("{e} {}", e.oauth_error_description().unwrap());
        assert!(doc.contains("bad [redacted]"), "{doc}");
        assert!(!doc.contains("s3cr3t"), "{doc}");
    }

    #[test]
    fn result_stays_utf8_and_overlaps_become_one_marker() {
        let s = Secrets::new().with(Some("abcabc")).with(Some("cabcab"));
        assert_eq!(s.redact("é abcabcabcab é"), "é [redacted] é");
        let s = Secrets::new().with(Some("é~x"));
        assert_eq!(s.redact("%C3%A9%7Ex and é~x"), "[redacted] and [redacted]");
        // Escaped multi-byte characters are decoded too.
        let s = Secrets::new().with(Some("\u{a9}"));
        assert_eq!(s.redact("%C2%A9 ©"), "[redacted] [redacted]");
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?} {:#?}", secrets(), secrets());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(format!("{:?}", secrets()), "Secrets(1 hidden)");
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

    #[test]
    fn short_secrets_are_left_in_transport_text() {
        let s = Secrets::new().with(Some("s")).with(Some("long-secret-1"));
        assert_eq!(
            s.redact_long("Connection refused (long-secret-1)"),
            "Connection refused ([redacted])"
        );
        // Provider text is searched for every secret, whatever its length.
        assert_eq!(
            s.redact("Connection refused"),
            "Connection refu[redacted]ed"
        );
    }

    #[test]
    fn cut_text_drops_a_secret_cut_by_the_limit() {
        let s = secrets();
        let encoded: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
        for text in [
            format!("{}{SECRET}", "x".repeat(20)),
            format!("{}{encoded}", "x".repeat(20)),
        ] {
            for keep in 20..text.chars().count() {
                let out = s.redact_cut(&text, keep);
                assert_eq!(out, format!("{}…", "x".repeat(20)), "{keep}: {text}");
            }
            assert_eq!(
                s.redact_cut(&text, text.chars().count()),
                format!("{}{REDACTED}", "x".repeat(20))
            );
        }
        // A half escape at the limit goes too.
        assert_eq!(s.redact_cut("ab%4", 3), "ab…");
        assert_eq!(s.redact_cut("ab%41", 4), "ab…");
        assert_eq!(Secrets::new().redact_cut("abcdef", 3), "abc…");
    }
}
