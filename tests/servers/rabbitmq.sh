#!/usr/bin/env bash
# Runs a throwaway RabbitMQ node (Debian's rabbitmq-server) on loopback ports, all state in one directory.
# Usage: rabbitmq.sh start DIR AMQP_PORT EPMD_PORT   starts the node (keeping DIR's data if any); prints "ready in N ms"
#        rabbitmq.sh stop-node DIR                    stops the node, keeps its data and epmd (for restart tests)
#        rabbitmq.sh stop DIR                         stops the node and its epmd
# Needs: apt-get install -y rabbitmq-server. The node is plugin-less ('[].'): it boots in a few seconds.
set -u
cmd=${1:?usage: rabbitmq.sh start|stop-node|stop DIR [AMQP_PORT EPMD_PORT]}
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
    echo '[].' > "$dir/enabled_plugins"
    printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$3" > "$dir/rabbitmq.conf"
    node_env
    t0=$(date +%s%N)
    setsid $server > "$dir/log/stdout.log" 2>&1 < /dev/null & echo $! > "$dir/pid"
    for _ in $(seq 1 1200); do
      if port_open "$3"; then echo "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"; exit 0; fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { echo "rabbitmq-server exited; last log lines:" >&2; tail -20 "$dir/log/stdout.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "rabbitmq-server not listening on 127.0.0.1:$3 after 120 s" >&2; tail -20 "$dir/log/stdout.log" >&2; stop_node; exit 1 ;;
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
