# The two commands of the quick start are `make demo` and `make test`.
.PHONY: all lib install dist demo demo-browser test header clean

PREFIX ?= /usr/local

all: lib

# target/release/libgenauth.so, and the link named after its SONAME (libgenauth.so.0) that
# programs linked against it look for.
lib:
	cargo build --release --locked
	ln -sfn libgenauth.so target/release/libgenauth.so.0

# The library, genauth.h, genauth.hpp, genauth.pc and the CMake package under PREFIX.
install: lib
	bindings/cpp/install.sh "$(PREFIX)"

# Every artifact into dist/: C/C++ tarballs, Python wheels and sdist, the JVM jar (also installed
# into the local Maven repository), for x86-64 and ARM64 Linux; checks of the mobile targets.
dist:
	scripts/dist

# Builds the library, starts the bundled dev provider, logs its test user in, and exchanges and
# refreshes the code through the C ABI.
demo:
	scripts/ensure-deps demo
	$(MAKE) --no-print-directory lib
	scripts/with-devprovider scripts/demo

# The loopback login (RFC 8252) in a real browser: the system browser where there is a display,
# else headless Chromium filling the dev provider's sign-in and consent pages; prints the claims.
demo-browser:
	scripts/ensure-deps demo-browser
	$(MAKE) --no-print-directory lib
	scripts/with-devprovider scripts/demo-browser

# Every test suite, against the bundled dev provider.
test:
	scripts/ensure-deps test
	$(MAKE) --no-print-directory lib
	scripts/test

# Rewrites include/genauth.h from the sources (commit the result).
header:
	GENAUTH_BLESS_HEADER=1 cargo test --release --locked --test header

clean:
	cargo clean
	rm -rf build dist
