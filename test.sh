#!/usr/bin/env bash
# Runs every test of the solution and ends with one summary line: "N passed, N failed, N skipped".
# Usage: ./test.sh [extra dotnet test arguments]
# In CI (CI set to true, 1, yes, ...: tests/Conformance/TestEnvironment.cs) tests that need a real server fail instead
# of skipping when it cannot be started.
set -euo pipefail
cd "$(dirname "$0")"

# On a fresh machine: install what the integration tests need (idempotent; see the script).
tests/servers/prepare.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --blame-hang-timeout: a hung test fails the run with a dump instead of stalling CI.
# -m:1: one test assembly at a time. Each starts its own servers (a Kafka mock cluster, RabbitMQ, NATS, Redis, the
# emulators) and several measure timing; on two cores, assemblies side by side starve each other's servers (the
# suspected cause of a Kafka group test that once saw a partition consumed twice). Serial, a run takes about 15 minutes.
dotnet test Omnibus.sln --nologo --blame-hang-timeout 10m -m:1 "$@" 2>&1 | tee "$log" || status=$?

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S, Total: T" line per test assembly.
read -r passed failed skipped assemblies < <(awk '
  /(Passed|Failed)! +- Failed:/ {
    gsub(/,/, ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
    n++ }
  END { printf "%d %d %d %d\n", p, f, s, n }' "$log")
echo
echo "Test assemblies: $assemblies"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
