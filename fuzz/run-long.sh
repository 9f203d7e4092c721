#!/usr/bin/env bash
# The long campaign recorded in fuzz/README.md: every target to 10 million executions,
# without ASAN (Rust panics abort, which libFuzzer reports as crashes).
set -euo pipefail
cd "$(dirname "$0")"
for t in ${@:-amount order_validation parse_response verify_notification qr_options}; do
  mkdir -p corpus/$t
  cargo +"${NIGHTLY:-nightly-2026-05-20}" fuzz run -s none $t corpus/$t seeds/$t -- -runs=10000000 -print_final_stats=1 > "target/long-$t.log" 2>&1
  echo "$t: $(grep -E 'stat::number_of_executed_units' "target/long-$t.log" | awk '{print $2}') executions, exit 0"
done
