#!/usr/bin/env bash
# Runs a throwaway RabbitMQ node (Debian's rabbitmq-server) on loopback ports, all state in one directory.
# Usage: rabbitmq.sh start DIR AMQP_PORT EPMD_PORT [MANAGEMENT_PORT]
#            starts the node (keeping DIR's data if any); prints "ready in N ms". With MANAGEMENT_PORT the management
#            plugin listens there on 127.0.0.1 and the node is ready only once its HTTP API answers guest
#        rabbitmq.sh stop-node DIR   stops the node, keeps its data and epmd (for restart tests)
#        rabbitmq.sh stop DIR        stops the node and its epmd
# Needs: apt-get install -y rabbitmq-server (Debian's package ships the management plugin). Without MANAGEMENT_PORT
# the node is plugin-less ('[].') and boots in a few seconds; the plugin adds about a second.
# With TLS_PORT and TLS_DIR in the environment (TLS_DIR holding ca.pem, server.pem and server.key, PEM) the node also
# takes amqps on 127.0.0.1:TLS_PORT (no client certificate asked), and is ready only once that port is open too.
set -u
cmd=${1:?usage: rabbitmq.sh start|stop-node|stop DIR [AMQP_PORT EPMD_PORT [MANAGEMENT_PORT]]}
dir=${2:?DIR missing}
server=${RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}   # overridable, e.g. to test the fixture without a server

node_env() {
  # The CLI tools and the node must share HOME (the Erlang cookie); epmd on its own port keeps us off any other node.
  export HOME=$dir/home RABBITMQ_NODENAME=omnibus$(cat "$dir/amqp-port")@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$(cat "$dir/amqp-port") RABBITMQ_DIST_PORT=$(( $(cat "$dir/amqp-port") + 20000 )) \
    RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log RABBITMQ_CONFIG_FILE=$dir/rabbitmq \
    RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf \
    ERL_EPMD_PORT=$(cat "$dir/epmd-port") ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 200 from GET /api/overview as guest: the plugin's listener is up and its API serves requests. Plain bash (no curl on
# a minimal machine); 'timeout' so that a listener that accepts but never answers cannot stall the wait.
management_ready() {
  local status
  status=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET /api/overview HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\r\n" >&3 && head -1 <&3' _ "$1" 2>/dev/null)
  case $status in "HTTP/1."?" 200"*) return 0 ;; esac
  return 1
}

stop_node() {
  [ -f "$dir/pid" ] || return 0
  local pid; pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  # The Erlang VM is a child of the start script; make sure it is gone too.
  local beam; beam=$(ss -ltnpH "sport = :$(cat "$dir/amqp-port")" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [ -n "$beam" ] && kill -9 "$beam" 2>/dev/null
  for _ in $(seq 1 100); do port_open "$(cat "$dir/amqp-port")" || break; sleep 0.1; done
  rm -f "$dir/pid"
}

case $cmd in
  start)
    [ -x $server ] || { echo "rabbitmq-server is not installed: apt-get install -y rabbitmq-server" >&2; exit 2; }
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
    echo "${3:?AMQP_PORT missing}" > "$dir/amqp-port"; echo "${4:?EPMD_PORT missing}" > "$dir/epmd-port"
    touch "$dir/rabbitmq-env.conf"
    management=${5:-}
    printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$3" > "$dir/rabbitmq.conf"
    if [ -n "$management" ]; then
      echo '[rabbitmq_management].' > "$dir/enabled_plugins"
      # The API's counts trail the queues by the statistics interval plus the sample granularity (5 s each by
      # default) and tests wait on them: sample every 500 ms, keep 1 s samples for the last minute. The plugin
      # refuses to start unless every retention policy is given once one is, hence all of them (defaults elsewhere).
      cat >> "$dir/rabbitmq.conf" <<EOF
management.tcp.ip = 127.0.0.1
management.tcp.port = $management
collect_statistics_interval = 500
management.sample_retention_policies.global.minute = 1
management.sample_retention_policies.global.hour = 60
management.sample_retention_policies.global.day = 1200
management.sample_retention_policies.basic.minute = 1
management.sample_retention_policies.basic.hour = 60
management.sample_retention_policies.detailed.10 = 1
EOF
    else
      echo '[].' > "$dir/enabled_plugins"
    fi
    tls_port=${TLS_PORT:-}
    if [ -n "$tls_port" ]; then
      tls_dir=${TLS_DIR:?TLS_DIR missing: the directory with ca.pem, server.pem and server.key}
      cat >> "$dir/rabbitmq.conf" <<EOF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $tls_dir/ca.pem
ssl_options.certfile = $tls_dir/server.pem
ssl_options.keyfile = $tls_dir/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
EOF
    fi
    node_env
    t0=$(date +%s%N)
    setsid $server > "$dir/log/stdout.log" 2>&1 < /dev/null & echo $! > "$dir/pid"
    for _ in $(seq 1 1200); do
      if port_open "$3" && { [ -z "$management" ] || management_ready "$management"; } && { [ -z "$tls_port" ] || port_open "$tls_port"; }; then
        echo "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"; exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { echo "rabbitmq-server exited; last log lines:" >&2; tail -20 "$dir/log/stdout.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "rabbitmq-server not listening on 127.0.0.1:$3${management:+ (management API on $management)} after 120 s" >&2; tail -20 "$dir/log/stdout.log" >&2; stop_node; exit 1 ;;
  stop-node)
    stop_node ;;
  stop)
    stop_node
    # epmd is daemonised by the node and outlives it; it runs on our own port, so stop it by its pid.
    if [ -f "$dir/epmd-port" ]; then
      p=$(ss -ltnpH "sport = :$(cat "$dir/epmd-port")" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
      [ -n "$p" ] && kill "$p" 2>/dev/null
    fi
    exit 0 ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
