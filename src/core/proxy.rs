//! Which requests go through a proxy, and which proxy.
//!
//! Plain `http://` is allowed only to loopback, and a proxy there would carry the client secret
//! in clear: loopback hosts and `http://` targets always go direct. Other `https://` targets go
//! through the config's `proxy` when it is set (`"none"`: direct), else through the
//! environment's, read as curl reads it: `https_proxy`/`HTTPS_PROXY`, then `all_proxy`/
//! `ALL_PROXY` (lower case first, empty as unset), except to the hosts `no_proxy`/`NO_PROXY`
//! names. `HTTP_PROXY` is never read: it is for `http://` targets.
//!
//! reqwest's own reading of the environment is switched off and this rule is one
//! `reqwest::Proxy::custom`. reqwest 0.13 keeps a custom proxy's `NoProxy` but never consults
//! it, so the no-proxy list is matched here.

use std::net::IpAddr;
use url::{Host, Url};

use super::config::{is_loopback, proxy_url, ProxySetting};

/// The proxy of a pool's `https://` requests and the hosts it does not apply to. Not `Debug`:
/// the proxy URL may carry credentials.
pub struct Route {
    proxy: Url,
    no_proxy: NoProxy,
}

impl Route {
    /// The route of a setting, None when every request goes direct. Reads the environment now.
    pub fn of(setting: &ProxySetting) -> Option<Route> {
        match setting {
            ProxySetting::Direct => None,
            ProxySetting::Url(proxy) => Some(Route {
                proxy: proxy.clone(),
                no_proxy: NoProxy::default(),
            }),
            ProxySetting::Environment => Route::from_env(|name| std::env::var(name).ok()),
        }
    }

    fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<Route> {
        let first = |names: &[&str]| {
            names
                .iter()
                .filter_map(|name| var(name))
                .find(|value| !value.trim().is_empty())
        };
        let proxy = env_proxy(&first(&[
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ])?)?;
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|list| NoProxy::parse(&list))
            .unwrap_or_default();
        Some(Route { proxy, no_proxy })
    }

    /// The proxy for a connection to `target`, None to connect directly.
    pub fn proxy_for(&self, target: &Url) -> Option<Url> {
        if target.scheme() != "https" || is_loopback(target) {
            return None;
        }
        let host = target.host()?;
        (!self.no_proxy.matches(&host)).then(|| self.proxy.clone())
    }

    pub fn into_reqwest(self) -> reqwest::Proxy {
        reqwest::Proxy::custom(move |target| self.proxy_for(target))
    }
}

/// curl's reading of a proxy variable: no scheme means `http://`. Only `http://` and `https://`
/// proxies can be used; another value (`socks5://...`, not a URL) is ignored, as reqwest and
/// hyper-util ignore it, and the requests go direct.
fn env_proxy(value: &str) -> Option<Url> {
    let value = value.trim();
    if value.contains("://") {
        proxy_url(value)
    } else {
        proxy_url(&format!("http://{value}"))
    }
}

/// A `NO_PROXY` list as curl reads it: comma-separated entries, blanks around them ignored,
/// case-insensitive. `*` means every host. A name matches itself and its subdomains (a leading
/// dot changes nothing: `.example.com` and `example.com` both match `example.com` and
/// `www.example.com`, never `notexample.com`). An IP address matches that address, and with a
/// `/bits` suffix its network; it never matches a name, nor a name an address.
#[derive(Default)]
struct NoProxy {
    everything: bool,
    entries: Vec<String>,
}

impl NoProxy {
    fn parse(list: &str) -> NoProxy {
        let entries: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        NoProxy {
            everything: entries.iter().any(|entry| entry == "*"),
            entries,
        }
    }

    fn matches(&self, host: &Host<&str>) -> bool {
        if self.everything {
            return true;
        }
        match host {
            Host::Domain(name) => self.matches_name(name),
            Host::Ipv4(ip) => self.matches_ip(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => self.matches_ip(IpAddr::V6(*ip)),
        }
    }

    fn matches_name(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        self.entries.iter().any(|entry| {
            let entry = entry.strip_suffix('.').unwrap_or(entry);
            let entry = entry.strip_prefix('.').unwrap_or(entry);
            !entry.is_empty()
                && (name == entry
                    || name
                        .strip_suffix(entry)
                        .is_some_and(|head| head.ends_with('.')))
        })
    }

    fn matches_ip(&self, ip: IpAddr) -> bool {
        self.entries.iter().any(|entry| {
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry.as_str(), None),
            };
            let address = address
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(address);
            let Ok(network) = address.parse::<IpAddr>() else {
                return false;
            };
            let (ip, network, width) = match (ip, network) {
                (IpAddr::V4(ip), IpAddr::V4(net)) => (
                    u128::from(u32::from(ip)) << 96,
                    u128::from(u32::from(net)) << 96,
                    32,
                ),
                (IpAddr::V6(ip), IpAddr::V6(net)) => (u128::from(ip), u128::from(net), 128),
                _ => return false,
            };
            // As curl: no suffix, or /0, is the address alone; more bits than it has, nothing.
            let bits = match bits.map(str::parse::<u32>) {
                None | Some(Ok(0)) => width,
                Some(Ok(bits)) if bits <= width => bits,
                Some(_) => return false,
            };
            let mask = u128::MAX << (128 - bits);
            ip & mask == network & mask
        })
    }
}

#[cfg(test)]
mod tests;
