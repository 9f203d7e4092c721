#!/usr/bin/env bash
# The browser build's dependency graph must not contain the hash crates: without
# the `edge` feature there is no code that could sign, nor anything to sign with.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser entries as the Makefile builds them (full, validator, QR-only), the default wasm build
# (the wasm test suites'), the bare core.
for args in "--target wasm32-unknown-unknown --no-default-features --features qr,checkout" "--target wasm32-unknown-unknown" \
  "--target wasm32-unknown-unknown --no-default-features --features validator" \
  "--target wasm32-unknown-unknown --no-default-features --features qr" "--no-default-features --features core"; do
  tree=$(cargo tree -e normal $args --prefix none)
  for crate in md-5 sha2 hmac subtle digest; do
    if grep -q "^$crate v" <<<"$tree"; then
      echo "FAIL: $crate is in the dependency graph of cargo tree $args"; exit 1
    fi
  done
done
edge=$(cargo tree -e normal --features edge --target wasm32-unknown-unknown --prefix none)
for crate in md-5 sha2 hmac subtle; do
  grep -q "^$crate v" <<<"$edge" || { echo "FAIL: $crate missing from the edge build (is the check looking at the right graph?)"; exit 1; }
done
echo "no-signing-deps: 1 passed, 0 failed"
