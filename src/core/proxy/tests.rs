use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn env_route(vars: &[(&str, &str)]) -> Option<Route> {
    Route::from_env(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
}

/// The proxy a route picks for `target`, as a string.
fn via(route: &Option<Route>, target: &str) -> Option<String> {
    route
        .as_ref()
        .and_then(|r| r.proxy_for(&url(target)))
        .map(String::from)
}

const PROXY: &str = "http://proxy.example:3128/";

#[test]
fn loopback_and_plain_http_go_direct() {
    let configured = Route::of(&ProxySetting::Url(url(PROXY)));
    let from_env = env_route(&[("HTTPS_PROXY", PROXY), ("ALL_PROXY", PROXY)]);
    for route in [&configured, &from_env] {
        for target in [
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://[::1]:80",
            "https://127.0.0.1:8443",
            "https://127.9.9.9",
            "https://localhost",
            "https://LOCALHOST:1",
            "https://[::1]",
            "http://idp.example",
        ] {
            assert_eq!(via(route, target), None, "{target}");
        }
        assert_eq!(via(route, "https://idp.example").as_deref(), Some(PROXY));
        assert_eq!(via(route, "https://10.1.2.3:8443").as_deref(), Some(PROXY));
    }
}

#[test]
fn none_and_no_environment_mean_direct() {
    assert!(Route::of(&ProxySetting::Direct).is_none());
    assert!(env_route(&[]).is_none());
    assert!(env_route(&[("HTTPS_PROXY", ""), ("ALL_PROXY", "  ")]).is_none());
}

#[test]
fn environment_variables_in_curls_order() {
    let (a, b) = ("http://a.example:1/", "http://b.example:2/");
    for (vars, expected) in [
        (vec![("HTTPS_PROXY", a)], Some(a)),
        (vec![("https_proxy", a)], Some(a)),
        (vec![("ALL_PROXY", a)], Some(a)),
        (vec![("all_proxy", a)], Some(a)),
        (vec![("https_proxy", a), ("HTTPS_PROXY", b)], Some(a)),
        (vec![("all_proxy", a), ("ALL_PROXY", b)], Some(a)),
        (vec![("ALL_PROXY", b), ("HTTPS_PROXY", a)], Some(a)),
        (vec![("https_proxy", ""), ("HTTPS_PROXY", a)], Some(a)),
        (vec![("HTTPS_PROXY", ""), ("ALL_PROXY", a)], Some(a)),
        // HTTP_PROXY concerns http:// targets only, and those are loopback.
        (vec![("HTTP_PROXY", a)], None),
        (vec![("http_proxy", a)], None),
        // curl's default scheme.
        (vec![("HTTPS_PROXY", "a.example:1")], Some(a)),
        (
            vec![("HTTPS_PROXY", " https://a.example:1 ")],
            Some("https://a.example:1/"),
        ),
        // Proxies reqwest cannot tunnel through are ignored: direct.
        (vec![("HTTPS_PROXY", "socks5://a.example:1080")], None),
        (vec![("HTTPS_PROXY", "not a url")], None),
    ] {
        let route = env_route(&vars);
        assert_eq!(
            via(&route, "https://idp.example").as_deref(),
            expected,
            "{vars:?}"
        );
    }
}

fn bypassed(no_proxy: &str, target: &str) -> bool {
    let route = env_route(&[("HTTPS_PROXY", PROXY), ("NO_PROXY", no_proxy)]);
    via(&route, target).is_none()
}

#[test]
fn no_proxy_names() {
    for (list, target, expected) in [
        ("idp.example", "https://idp.example", true),
        ("idp.example", "https://IDP.example:8443", true),
        ("idp.example", "https://a.idp.example", true),
        ("idp.example", "https://notidp.example", false),
        ("idp.example", "https://idp.example.org", false),
        (".idp.example", "https://idp.example", true),
        (".idp.example", "https://a.b.idp.example", true),
        ("example", "https://idp.example", true),
        ("IDP.EXAMPLE.", "https://idp.example", true),
        ("idp.example", "https://idp.example.", true),
        ("dp.example", "https://idp.example", false),
        ("other.test, idp.example ,x", "https://idp.example", true),
        ("other.test,,", "https://idp.example", false),
        ("*", "https://idp.example", true),
        ("other.test, *", "https://idp.example", true),
        ("*.example", "https://idp.example", false),
        ("", "https://idp.example", false),
        (".", "https://idp.example", false),
        ("10.1.2.3", "https://idp.example", false),
    ] {
        assert_eq!(bypassed(list, target), expected, "{list:?} {target}");
    }
    // no_proxy before NO_PROXY, empty as unset.
    let route = env_route(&[
        ("HTTPS_PROXY", PROXY),
        ("no_proxy", "idp.example"),
        ("NO_PROXY", "other.test"),
    ]);
    assert_eq!(via(&route, "https://idp.example"), None);
    let route = env_route(&[
        ("HTTPS_PROXY", PROXY),
        ("no_proxy", ""),
        ("NO_PROXY", "idp.example"),
    ]);
    assert_eq!(via(&route, "https://idp.example"), None);
}

#[test]
fn no_proxy_addresses() {
    for (list, target, expected) in [
        ("10.1.2.3", "https://10.1.2.3", true),
        ("10.1.2.3", "https://10.1.2.4", false),
        ("10.0.0.0/8", "https://10.200.0.1:8443", true),
        ("10.0.0.0/8", "https://11.0.0.1", false),
        ("10.1.2.0/24", "https://10.1.2.255", true),
        ("10.1.2.0/24", "https://10.1.3.0", false),
        ("10.1.2.3/0", "https://10.1.2.3", true),
        ("10.1.2.3/0", "https://10.9.9.9", false),
        ("10.1.2.3/33", "https://10.1.2.3", false),
        ("10.1.2.3/x", "https://10.1.2.3", false),
        ("2001:db8::5", "https://[2001:db8::5]", true),
        ("[2001:db8::5]", "https://[2001:db8::5]", true),
        ("2001:db8::/32", "https://[2001:db8:ffff::1]", true),
        ("2001:db8::/32", "https://[2001:db9::1]", false),
        ("10.0.0.0/8", "https://[2001:db8::1]", false),
        ("2001:db8::/32", "https://10.0.0.1", false),
        ("idp.example", "https://10.1.2.3", false),
        ("10.1.2.3", "https://idp.example", false),
    ] {
        assert_eq!(bypassed(list, target), expected, "{list:?} {target}");
    }
}
