# The two commands of the quick start are `make demo` and `make test`.
.PHONY: all lib demo test header clean

all: lib

lib:
	cargo build --release --locked

# Builds the library, starts the bundled dev provider, logs its test user in, and exchanges and
# refreshes the code through the C ABI.
demo:
	scripts/ensure-deps demo
	cargo build --release --locked
	scripts/with-devprovider scripts/demo

# Every test suite, against the bundled dev provider.
test:
	scripts/ensure-deps test
	cargo build --release --locked
	scripts/test

# Rewrites include/genauth.h from the sources (commit the result).
header:
	GENAUTH_BLESS_HEADER=1 cargo test --release --locked --test header

clean:
	cargo clean
	rm -rf build
