#!/usr/bin/env bash
# Installs what the integration tests need on a Debian machine, idempotently (a second run does nothing):
#  - rabbitmq-server (the RabbitMQ tests start their own node on loopback; the package's service is kept off);
#  - nats-server 2.9 (the NATS tests start their own server with JetStream on loopback; the package's service is kept off);
#  - redis-server and redis-cli (the Redis tests start their own servers on loopback; the package's service is kept off);
#  - chromium (the server's dashboard is tested in headless Chromium);
#  - fauxqs 1.9.2, the SQS emulator (npm, into .test-servers/fauxqs of the repository or $FAUXQS_DIR; needs no root:
#    the sqs:// tests start it on loopback with tests/servers/fauxqs-serve.mjs).
#  - the official Node.js Pub/Sub client (npm, no root) in tests/Drivers.PubSub.Tests/interop, for the interop tests.
# Pub/Sub needs no server package: the tests start Google's emulator, preinstalled with the Cloud SDK
# (google-cloud-cli-pubsub-emulator, which needs java).
# Kafka needs nothing here: the official librdkafka.redist package restores with Confluent.Kafka and its native
# library loads on Debian 12; the tests run librdkafka's in-process mock cluster.
# Needs root for apt-get. Without root it says what is missing and leaves it: the tests then skip with the reason
# on a laptop, and fail in CI (CI set: tests/Conformance/TestEnvironment.cs).
set -euo pipefail

# fauxqs first: it needs npm (Node 20 is on every machine here), not root. 2.x needs Node >= 22.5, so 1.9.2 exactly.
FAUXQS_VERSION=1.9.2
FAUXQS_DIR=${FAUXQS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.test-servers/fauxqs}
if [ "$(node -p "try { require('$FAUXQS_DIR/node_modules/fauxqs/package.json').version } catch { '' }" 2>/dev/null)" != "$FAUXQS_VERSION" ]; then
  if command -v npm >/dev/null 2>&1; then
    mkdir -p "$FAUXQS_DIR"
    [ -f "$FAUXQS_DIR/package.json" ] || printf '{ "name": "omnibus-test-fauxqs", "private": true }\n' > "$FAUXQS_DIR/package.json"
    (cd "$FAUXQS_DIR" && npm install --no-audit --no-fund --loglevel=error "fauxqs@$FAUXQS_VERSION" >/dev/null)
    echo "prepare: fauxqs $FAUXQS_VERSION installed in $FAUXQS_DIR"
  else
    echo "prepare: npm is missing: fauxqs cannot be installed, SQS tests will skip (fail in CI)" >&2
  fi
fi

# The Node.js Pub/Sub client, at the version package.json pins; skipped when it is there already.
PUBSUB_INTEROP="$(cd "$(dirname "${BASH_SOURCE[0]}")/../Drivers.PubSub.Tests/interop" && pwd)"
if [ ! -d "$PUBSUB_INTEROP/node_modules/@google-cloud/pubsub" ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd "$PUBSUB_INTEROP" && npm install --no-audit --no-fund --loglevel=error >/dev/null) && echo "prepare: @google-cloud/pubsub installed in $PUBSUB_INTEROP"
  else
    echo "prepare: npm is missing: the Pub/Sub interop tests will skip (fail in CI)" >&2
  fi
fi
[ -x /usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator ] || echo "prepare: the Pub/Sub emulator is not installed (google-cloud-cli-pubsub-emulator): Pub/Sub tests will skip (fail in CI)" >&2

if [ "$(id -u)" -ne 0 ]; then
  dpkg -s rabbitmq-server >/dev/null 2>&1 || echo "prepare: rabbitmq-server is not installed and this is not root: RabbitMQ tests will skip (fail in CI)" >&2
  command -v nats-server >/dev/null 2>&1 || echo "prepare: nats-server is not installed and this is not root: NATS tests will skip (fail in CI)" >&2
  dpkg -s redis-server >/dev/null 2>&1 || echo "prepare: redis-server is not installed and this is not root: Redis tests will skip (fail in CI)" >&2
  command -v chromium >/dev/null 2>&1 || echo "prepare: chromium is not installed and this is not root: dashboard tests will skip (fail in CI)" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# Installs a server package without starting its system-wide service (policy-rc.d denies it): the tests run their own.
install_server() {
  dpkg -s "$1" >/dev/null 2>&1 && return 0
  apt-get update -qq
  local had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ "$had_policy" -eq 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null
  [ "$had_policy" -eq 1 ] || rm -f /usr/sbin/policy-rc.d
  echo "prepare: $1 installed"
}

install_server rabbitmq-server # the RabbitMQ tests start their own node (tests/servers/rabbitmq.sh)
command -v nats-server >/dev/null 2>&1 || install_server nats-server
install_server redis-server    # the Redis tests start their own servers (redis-server --port P --dir D ...)

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  echo "prepare: chromium installed"
fi
