// swift-tools-version:5.7
//
// GenAuth for Swift (iOS, macOS): a wrapper over libgenauth's C ABI.
// NEVER COMPILED: no Swift toolchain was available where this package was written; it has never
// been compiled or run. Build GenAuthFFI.xcframework first (README.md).

import PackageDescription

let package = Package(
    name: "GenAuth",
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "GenAuth", targets: ["GenAuth"]),
    ],
    targets: [
        // libgenauth as static archives: iOS device, iOS simulator (arm64 + x86_64), optionally macOS.
        .binaryTarget(name: "GenAuthFFI", path: "GenAuthFFI.xcframework"),
        // genauth.h as the Clang module CGenAuth (custom module map in Sources/CGenAuth/include).
        .target(
            name: "CGenAuth",
            dependencies: ["GenAuthFFI"],
            path: "Sources/CGenAuth"
        ),
        .target(
            name: "GenAuth",
            dependencies: ["CGenAuth"],
            path: "Sources/GenAuth",
            linkerSettings: [
                // What the Rust library's TLS verifier (rustls-platform-verifier) and proxy lookup
                // (system-configuration) call on Apple platforms.
                .linkedFramework("Security"),
                .linkedFramework("SystemConfiguration"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
    ]
)
