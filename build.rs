//! Generates the C header from the crate's `extern "C"` functions into OUT_DIR. The checked-in
//! copy in include/ is compared with it by a test (tests/header.rs), so it can never go stale.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    // A SONAME, so a program linked against the library records its name, not the build
    // folder's absolute path. On Linux it carries the ABI's major version (`libgenauth.so.0`,
    // installed beside the `libgenauth.so` link that `-lgenauth` finds; `make lib` puts the same
    // link into target/release); Android's loader wants the unversioned name.
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgenauth.so.0");
    } else if target_os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgenauth.so");
    }

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen can read the crate's FFI")
        .write_to_file(out_dir.join("genauth.h"));
}
