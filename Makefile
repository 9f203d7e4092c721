# qrcheckout — build · test · demo · bench. Every target installs what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# npm's binaryen first: Debian's wasm-opt 108 breaks modern Rust wasm at init.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_BINDGEN_VERSION := 0.2.130
# The browser entries are built on this pinned nightly: std rebuilt with panic=immediate-abort makes
# every failed bounds check a bare trap instead of a call with its location (QR entry -1.97 KB gzip,
# full entry -11 KB; bench/README.md). A trap is what either build does on a panic anyway.
NIGHTLY := nightly-2026-05-20
SMALL := RUSTUP_TOOLCHAIN=$(NIGHTLY) RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" CARGO_TARGET_DIR=target/small
BUILD_STD := -Zbuild-std=std,panic_abort
RUST_SRC := $(shell find src -name '*.rs') Cargo.toml $(wildcard Cargo.lock)
# The worker build is tuned for speed (see Cargo.toml [profile.worker]).
WASM_PACK_WORKER := wasm-pack build --profile worker --target web --no-pack --out-name qrcheckout

.PHONY: setup build test test-rust test-wasm test-fuzz test-js demo bench clean format

## setup: rustup target, wasm-pack, wasm-bindgen-cli, Chromium + driver, npm packages
setup:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@[ -d "$$(rustc +$(NIGHTLY) --print sysroot 2>/dev/null)/lib/rustlib/src/rust/library" ] \
	  || rustup toolchain install $(NIGHTLY) --profile minimal -c rust-src
	@command -v wasm-pack >/dev/null || cargo install wasm-pack --locked
	@# wasm-pack cannot download its tools here; give it the exact wasm-bindgen it needs.
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; fi
	@# npm ci rejects this lock: the registry mirror lists no metadata for workerd's other-platform
	@# optional packages. npm install honours the lock and leaves it unchanged.
	@[ node_modules/.package-lock.json -nt package-lock.json ] || npm install --no-audit --no-fund

## build: the four wasm builds into pkg/ (nothing happens when nothing changed)
build: pkg/browser/qrcheckout_bg.wasm pkg/validator/qrcheckout_bg.wasm pkg/qr/qrcheckout_bg.wasm pkg/worker/qrcheckout_bg.wasm

# The browser entries: plain wasm exports, no wasm-bindgen (src/abi.rs says why); their glue is
# hand-written (pkg/wasm.js, and pkg/browser.js, pkg/validator.js, pkg/qr.js over it).
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
WASM_STRIP := --strip-debug --strip-producers --strip-target-features
# Flattening and re-looping between two -Oz rounds leaves 2 % less (bench/README.md).
WASM_OPT_Z := wasm-opt -Oz --flatten --rereloop -Oz --converge $(WASM_FEATURES) $(WASM_STRIP)
SMALL_BUILD := $(SMALL) cargo build --target wasm32-unknown-unknown --no-default-features $(BUILD_STD)
# core's smaller variants of its own algorithms. What it changes here: a text's characters
# (`chars().count()`, every length check) counted in a plain loop instead of word-at-a-time, the
# full entry and the validator -0.3 KB gzip each. The QR entry has nothing it would change.
SIZE_STD := -Zbuild-std-features=optimize_for_size

pkg/browser/qrcheckout_bg.wasm: $(RUST_SRC) | setup
	$(SMALL_BUILD) $(SIZE_STD) --release --features qr,checkout
	mkdir -p pkg/browser && $(WASM_OPT_Z) target/small/wasm32-unknown-unknown/release/qrcheckout.wasm -o $@

# The validator entry: `validateChoice` alone, what a checkout page loads on the buyer's first edit.
# (Built after the full entry: both land in target/small/.../release.)
pkg/validator/qrcheckout_bg.wasm: $(RUST_SRC) pkg/browser/qrcheckout_bg.wasm | setup
	$(SMALL_BUILD) $(SIZE_STD) --release --features validator
	mkdir -p pkg/validator && $(WASM_OPT_Z) target/small/wasm32-unknown-unknown/release/qrcheckout.wasm -o $@

# The QR-only entry: rendering and paymentQrSource, nothing else (see Cargo.toml [profile.qr]).
pkg/qr/qrcheckout_bg.wasm: $(RUST_SRC) | setup
	$(SMALL_BUILD) --profile qr --features qr
	mkdir -p pkg/qr && wasm-opt -Os $(WASM_FEATURES) $(WASM_STRIP) target/small/wasm32-unknown-unknown/qr/qrcheckout.wasm -o $@

pkg/worker/qrcheckout_bg.wasm: $(RUST_SRC) | setup
	$(WASM_PACK_WORKER) --out-dir pkg/worker --features edge
	rm -f pkg/worker/.gitignore

## test: everything — native Rust, wasm in Chromium and Node, the npm package, workerd, browser QR decoding
test: test-rust test-wasm test-fuzz test-js

test-rust: | setup
	cargo fmt --check
	cargo test --all-features
	cargo test --no-default-features --features core --lib
	cargo clippy --all-features --all-targets -- -D warnings
	cargo clippy --no-default-features --features core -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --features edge -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --no-default-features --features qr -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --no-default-features --features validator -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --no-default-features --features qr,checkout -- -D warnings
	tests/no-signing-deps.sh

test-wasm: | setup
	wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --test web
	wasm-pack test --node --features edge --test node

FUZZ_TARGETS := amount order_validation parse_response verify_notification qr_options
FUZZ_SECONDS ?= 30

# A smoke run of each fuzz target (the long campaign is fuzz/run-long.sh).
test-fuzz: | setup
	@# cargo-fuzz needs nightly (sanitizers): the pinned one that setup installs.
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked; \
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t; \
	  out=$$(cargo +$(NIGHTLY) fuzz run $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 2>&1) \
	    || { echo "$$out" | tail -40; echo "fuzz target $$t FAILED"; exit 1; }; \
	  runs=$$(echo "$$out" | sed -n 's/^stat::number_of_executed_units: *//p'); \
	  echo "fuzz smoke $$t: $${runs:-0} executions, 0 crashes"; \
	  [ "$${runs:-0}" -gt 1000 ] || { echo "fuzz target $$t ran only $${runs:-0} inputs"; exit 1; }; \
	done

# One formatter for the hand-written JS (the wasm-bindgen glue in pkg/worker is generated).
JS_SOURCES := 'pkg/*.js' 'pkg/*.d.ts' 'www/*.js' 'sandbox/*.mjs' 'tests/js/*.{js,mjs}' 'bench/*.{js,mjs}' 'bench/reference/*.js' 'worker/*.js'

test-js: build
	prettier --check $(JS_SOURCES)
	node --test --test-reporter=spec tests/js/

demo: build
	node sandbox/demo.mjs

bench: build
	node bench/run.mjs

format: | setup
	prettier --write $(JS_SOURCES)

clean:
	rm -rf target pkg/browser pkg/validator pkg/qr pkg/worker pkg/*.tgz test-output
