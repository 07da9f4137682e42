//! Each language example in README.md is a copy of a region of a test that runs (marked
//! `readme-example:start` / `readme-example:end`), so the docs cannot drift from working code.
//! `GENAUTH_BLESS_README=1 cargo test --test readme_examples` rewrites the README's copies.

use std::path::Path;

const MARKER: &str = "<!-- example from ";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The marked region of a file, with its common indentation removed.
fn region(path: &str) -> String {
    let text =
        std::fs::read_to_string(root().join(path)).unwrap_or_else(|_| panic!("{path} is readable"));
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("readme-example:start"))
        .skip(1)
        .take_while(|l| !l.contains("readme-example:end"))
        .collect();
    assert!(!lines.is_empty(), "{path} has no readme-example region");
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// README.md with every marked code block replaced by its source region.
fn synced(readme: &str) -> (String, usize) {
    let mut out = Vec::new();
    let mut lines = readme.lines().peekable();
    let mut count = 0;
    while let Some(line) = lines.next() {
        out.push(line.to_owned());
        let Some(rest) = line.trim().strip_prefix(MARKER) else {
            continue;
        };
        let path = rest.trim_end_matches("-->").trim();
        let fence = lines.next().expect("a code block follows the marker");
        assert!(fence.starts_with("```"), "a code block follows {line}");
        out.push(fence.to_owned());
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
        }
        out.push(region(path));
        out.push("```".to_owned());
        count += 1;
    }
    (out.join("\n") + "\n", count)
}

#[test]
fn readme_examples_match_their_tests() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let (expected, count) = synced(&readme);
    if std::env::var_os("GENAUTH_BLESS_README").is_some() {
        std::fs::write(&path, &expected).expect("README.md is writable");
        return;
    }
    assert!(
        count >= 4,
        "README.md quotes {count} examples; expected one per language"
    );
    assert!(
        readme == expected,
        "README.md's examples differ from their tests: run `GENAUTH_BLESS_README=1 cargo test --test readme_examples`"
    );
}

/// The README's list of error codes is the library's (`genauth_error_code`), in order.
#[test]
fn readme_lists_every_error_code() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let list = readme
        .split("Stable error codes (`genauth_error_code` in the header): ")
        .nth(1)
        .expect("the README lists the error codes")
        .split(".\n")
        .next()
        .unwrap();
    let listed: Vec<String> = list
        .split(',')
        .map(|c| c.trim().trim_matches('`').to_owned())
        .collect();
    let names: Vec<&str> = genauth::core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, names);
}

/// Every path ARCHITECTURE.md names (a backquoted word with a `/` or a file extension) exists.
#[test]
fn architecture_paths_exist() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    for (i, part) in text.split('`').enumerate() {
        let is_path = i % 2 == 1
            && !part.contains(' ')
            && (part.starts_with("src/")
                || part.starts_with("tests/")
                || part.starts_with("bindings/")
                || part.starts_with("include/")
                || part.starts_with("scripts/")
                || part.starts_with("devprovider/"));
        if is_path {
            assert!(
                root().join(part).exists(),
                "ARCHITECTURE.md names {part}, which is gone"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} paths found");
}
