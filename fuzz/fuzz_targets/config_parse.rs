//! The config parser on arbitrary input: never a panic; an error is `invalid_config` or
//! `insecure_transport`; a config it accepts keeps its invariants.
#![no_main]

use genauth::core::Config;
use genauth::core::{testing::is_loopback, AuthMethod};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_json(text) {
        Ok(config) => {
            assert!(config.app_host.scheme() == "https" || is_loopback(&config.app_host));
            assert!((1..=300_000).contains(&config.timeout_ms()));
            assert!(config.app_secret.is_some() || config.auth_method == AuthMethod::None);
            let _ = config.endpoint("token");
        }
        Err(e) => {
            assert!(
                matches!(e.code(), "invalid_config" | "insecure_transport"),
                "{e:?}"
            );
            let _ = e.to_string();
        }
    }
});
