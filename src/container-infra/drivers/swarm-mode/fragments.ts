/**
 * The boot scripts (user_data) of a swarm-mode cluster's nodes, POSIX sh for the `debian-12-docker`
 * image (sh, openssl, curl, sed, awk, docker; no python, no jq). The templates put them into the stack's
 * `files` and fill in the `@@NAME@@` placeholders with str_replace.
 *
 * Both scripts run once per server (Flotilla's init runs user data once per instance) and are idempotent
 * besides: each step checks what is already there (a key, a signed certificate, an engine with this
 * configuration, a swarm this node is in), so running one again does no harm. After a reboot the image's
 * boot hook starts the engine from the /etc/docker/daemon.json written here, and the engine rejoins its
 * swarm by itself. Progress goes to the console (`openstack console log show`), prefixed `swarm-…:`.
 *
 * Node identity: each server is named `<stack name>-<master|node>-<index>` by the template, and Flotilla's
 * compute makes the server's hostname from its name, which Swarm reports as the node's hostname. The
 * engine also carries the labels `flotilla.server_id` (the server's id, from the config drive or the
 * metadata service), `flotilla.cluster_uuid` and `flotilla.role`, which the Docker API shows as the
 * node's Description.Engine.Labels: the conductor maps nodes to servers by that label, or by hostname.
 */

import { NODE_BUSYBOX } from '../../../base-images/docker-node.js';

/**
 * The port on the first master's fixed address that serves the swarm's worker join token (and only it)
 * at `/worker-token`, so that workers can boot alongside the master and take it when it is there. The
 * cluster's security group lets only its members reach it.
 */
export const TOKEN_PORT = 2378;

/** Shared functions: logging, the server's id, the engine's settings and start, JSON helpers, signals. */
const COMMON = String.raw`
set -u
ROLE_NAME=${'$'}{ROLE_NAME:-swarm-node}
say() { echo "$ROLE_NAME: $*"; }
t0=$(date +%s%N)
# Seconds since the script started, to a tenth.
elapsed() { ms=$(( ($(date +%s%N) - t0) / 1000000 )); echo "$((ms / 1000)).$(( (ms % 1000) / 100 ))"; }

# The server's id: the config drive Flotilla's agent mounts, else Nova's metadata service.
server_id() {
  id=$(cat /run/flotilla/config/flotilla/instance-id 2>/dev/null)
  if [ -z "$id" ]; then
    id=$(curl -fsS --max-time 5 http://169.254.169.254/openstack/latest/meta_data.json 2>/dev/null | sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p')
  fi
  echo "$id"
}

# A JSON list of strings from a comma-separated list ("" → []).
json_list() {
  echo "$1" | awk -F, '{ out = ""; for (i = 1; i <= NF; i++) { gsub(/^ +| +$/, "", $i); if ($i != "") out = out (out == "" ? "" : ",") "\"" $i "\"" } print "[" out "]" }'
}

# Writes /etc/docker/daemon.json from $1 (the JSON text); returns 0 when it changed.
write_daemon_json() {
  mkdir -p /etc/docker
  if [ -f /etc/docker/daemon.json ] && [ "$(cat /etc/docker/daemon.json)" = "$1" ]; then return 1; fi
  printf '%s\n' "$1" > /etc/docker/daemon.json.new
  mv /etc/docker/daemon.json.new /etc/docker/daemon.json
  return 0
}

# The engine's API through curl, not the docker CLI: these are polled, and curl costs a tenth of the CPU.
engine_get() { curl -fsS --max-time 5 --unix-socket /var/run/docker.sock "http://engine$1" 2>/dev/null; }
engine_answers() { engine_get /_ping >/dev/null; }

# (Re)starts the engine so that it runs with daemon.json: the image's service script when it has one.
restart_engine() {
  if [ -x /usr/local/sbin/flotilla-dockerd ]; then
    if [ "$1" = changed ] && /usr/local/sbin/flotilla-dockerd status >/dev/null; then
      /usr/local/sbin/flotilla-dockerd stop
      say "engine stopped to take the new settings ($(elapsed) s)"
    fi
    /usr/local/sbin/flotilla-dockerd start
    return $?
  fi
  if [ "$1" = changed ] && [ -s /var/run/docker.pid ]; then
    p=$(cat /var/run/docker.pid)
    kill "$p" 2>/dev/null
    n=0; while kill -0 "$p" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  fi
  if ! engine_answers; then
    rm -f /var/run/docker.pid
    setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  fi
  n=0
  while ! engine_answers; do
    [ $n -ge 600 ] && { tail -n 20 /var/log/dockerd.log; return 1; }
    sleep 0.1; n=$((n + 1))
  done
}

# Labels and insecure registries take effect on SIGHUP (dockerd reloads them from daemon.json), which
# is quicker than a restart; $1 is a label to wait for. Falls back to a restart.
reload_engine() {
  p=$(cat /var/run/docker.pid 2>/dev/null)
  if [ -n "$p" ] && kill -HUP "$p" 2>/dev/null; then
    n=0
    while [ $n -lt 50 ]; do
      engine_get /info | grep -qF "\"$1\"" && return 0
      sleep 0.1; n=$((n + 1))
    done
    say "the engine did not reload its labels: restarting it"
  fi
  restart_engine changed
}

engine_version() { engine_get /version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p'; }
swarm_state() { engine_get /info | sed -n 's/.*"LocalNodeState":"\([a-z-]*\)".*/\1/p'; }

# Writes the node's daemon.json ($1: its role), only settings dockerd reloads on SIGHUP, and brings the
# engine up with it: started here on the first boot (the server's metadata asks the image's boot hook to
# leave that to the user data), reloaded without a restart when it runs already (a later run).
engine_up() {
  labels="\"flotilla.server_id=$SERVER_ID\", \"flotilla.cluster_uuid=$CLUSTER_UUID\", \"flotilla.role=$1\""
  json="{\"labels\": [$labels], \"insecure-registries\": $(json_list "$REGISTRIES"), \"log-driver\": \"json-file\", \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}}"
  if write_daemon_json "$json" && engine_answers; then
    reload_engine "flotilla.server_id=$SERVER_ID" || fail "the Docker engine did not start"
  else
    restart_engine same || fail "the Docker engine did not start"
  fi
  say "engine $(engine_version) running ($(elapsed) s)"
}

# The images the node image preloads into its engine (in the background at its first start): a cluster
# is complete only when every node can run them.
preloaded() {
  [ -x /usr/local/sbin/flotilla-dockerd ] || return 0
  /usr/local/sbin/flotilla-dockerd preloaded 120
}

# Whether the wait condition's timeout ($WAIT_TIMEOUT s from the script's start) has passed: after it
# nothing waits for this node, before it a cloud that is restarting comes back, so what needs the cloud
# is asked again until then, not a fixed number of times.
waited_out() { [ $(( ($(date +%s%N) - t0) / 1000000000 )) -ge "$WAIT_TIMEOUT" ]; }

# Signals this node's wait condition ($1 SUCCESS|FAILURE, $2 reason, $3 data as JSON), retrying.
notify() {
  # The reason as a JSON string: one line, without quotes or backslashes, at most 400 characters.
  reason=$(printf '%s' "$2" | tr '\n\t' '  ' | tr -d '"\\' | cut -c1-400)
  body="{\"status\": \"$1\", \"reason\": \"$reason\", \"data\": $3, \"id\": \"1\"}"
  # Short timeouts, many tries: a signal that hangs is asked again rather than waited for; every half
  # second at first, then every two (one line in ten on the console).
  n=0
  until out=$(@@WC_NOTIFY@@ --fail -sS -o /dev/null --connect-timeout 2 --max-time 6 --data-binary "$body" 2>&1); do
    n=$((n + 1))
    [ $((n % 10)) -eq 1 ] && say "signalling the wait condition: $(printf '%s' "$out" | head -n 1 | cut -c1-200)"
    waited_out && { say "could not signal the wait condition within $WAIT_TIMEOUT s"; return 1; }
    if [ $n -lt 20 ]; then sleep 0.5; else sleep 2; fi
  done
}

fail() {
  say "FAILED: $1"
  notify FAILURE "$1" null
  exit 1
}
`;

/**
 * The first master: its engine's remote API put in front of the unix socket by socat, with TLS (a key
 * and CSR made here, signed by the cluster CA through the metadata service) while `docker swarm init`
 * runs, then the join tokens as its wait condition's data.
 */
export const MASTER_SH = String.raw`#!/bin/sh
# Flotilla swarm-mode master of cluster @@CLUSTER_UUID@@ (rendered by the container-infra driver).
ROLE_NAME=swarm-master
` + COMMON + String.raw`
CLUSTER_UUID='@@CLUSTER_UUID@@'
FIXED_IP='@@FIXED_IP@@'
FLOATING_IP='@@FLOATING_IP@@'
TLS='@@TLS@@'
REGISTRIES='@@INSECURE_REGISTRIES@@'
WAIT_TIMEOUT='@@WAIT_TIMEOUT@@'
SERVER_ID=$(server_id)
say "configuring the swarm master (server $SERVER_ID, $FIXED_IP, floating ${'$'}{FLOATING_IP:-none}, TLS $TLS)"

D=/etc/docker
mkdir -p "$D"
# The engine's remote API: socat in front of its unix socket, on 2376 with TLS (a server certificate of
# the cluster CA; only clients with a certificate of that CA get through) or on 2375 without. A boot
# hook starts it, now and at every later boot. Made in the background while the engine starts and the
# swarm is initialised; its failure is written to $API_FAILED.
API_FAILED=/run/flotilla-swarm-api.failed
rm -f "$API_FAILED"
api_failed() { say "FAILED: $1"; printf '%s' "$1" > "$API_FAILED"; exit 1; }
api_front() {
  if [ "$TLS" = on ]; then
    cat > "$D/ca.pem" <<'FLOTILLA_CA_EOF'
@@CA_CERT@@
FLOTILLA_CA_EOF
    if [ ! -s "$D/server-key.pem" ]; then
      # ECDSA P-256: a millisecond to make, where RSA 2048 costs a busy node a second.
      say "making the engine's key"
      (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/server-key.pem" 2>/dev/null) || api_failed "openssl could not make a key"
    fi
    # A certificate the current CA signed, for this key, is kept; else a new one is asked for.
    if ! { [ -s "$D/server.pem" ] && openssl verify -CAfile "$D/ca.pem" "$D/server.pem" >/dev/null 2>&1 \
        && [ "$(openssl x509 -noout -pubkey -in "$D/server.pem" 2>/dev/null)" = "$(openssl pkey -pubout -in "$D/server-key.pem" 2>/dev/null)" ]; }; then
      sans="IP:$FIXED_IP,IP:127.0.0.1,DNS:$(hostname),DNS:localhost"
      [ -n "$FLOATING_IP" ] && sans="$sans,IP:$FLOATING_IP"
      openssl req -new -key "$D/server-key.pem" -subj "/CN=swarm-master" -addext "subjectAltName=$sans" \
        -addext "extendedKeyUsage=serverAuth,clientAuth" -out "$D/server.csr" 2>/dev/null || api_failed "openssl could not make the CSR"
      csr=$(awk '{ printf "%s\\n", $0 }' "$D/server.csr")
      say "asking the cluster CA to sign the engine's certificate (SANs $sans)"
      n=0
      while :; do
        # A connection not made in 2 s was lost (the metadata proxy is on this node's own segment): asked
        # again rather than waited for, as notify does; the signing itself takes milliseconds.
        answer=$(curl -sS --connect-timeout 2 --max-time 15 -X POST http://169.254.169.254/container-infra/v1/certificates \
          -H 'X-Auth-Token: @@SIGNING_SECRET@@' -H 'OpenStack-API-Version: container-infra latest' \
          -H 'Content-Type: application/json' -H 'Accept: application/json' \
          -d "{\"cluster_uuid\": \"$CLUSTER_UUID\", \"csr\": \"$csr\"}" -w '\n%{http_code}' 2>&1)
        code=$(printf '%s\n' "$answer" | tail -n 1)
        [ "$code" = 200 ] || [ "$code" = 201 ] && break
        n=$((n + 1))
        [ $((n % 10)) -eq 1 ] && say "signing: answer $code ($(printf '%s' "$answer" | head -n 1 | cut -c1-200)); asking again"
        # No answer or a 5xx (the network's metadata proxy still starting, the cloud restarting) is asked
        # again until the wait condition's timeout; a refusal a few times only.
        case "$code" in
          000|5??) waited_out && api_failed "the certificate was not signed within $WAIT_TIMEOUT s: $code $(printf '%s' "$answer" | head -c 300)" ;;
          *) [ $n -ge 150 ] && api_failed "the certificate was not signed: $code $(printf '%s' "$answer" | head -c 300)" ;;
        esac
        if [ $n -lt 50 ]; then sleep 0.2; else sleep 2; fi
      done
      # printf, not echo: dash's echo would turn the JSON's \n escapes into newlines.
      printf '%s\n' "$answer" | sed '$d' | tr -d '\n' | sed -n 's/.*"pem": *"\([^"]*\)".*/\1/p' | sed -e 's/\\n/\n/g' -e 's/\\\//\//g' > "$D/server.pem.new"
      if ! out=$(openssl verify -CAfile "$D/ca.pem" "$D/server.pem.new" 2>&1); then
        api_failed "the signed certificate does not verify against the cluster CA: $(printf '%s' "$out" | tail -n 2) (answer: $(printf '%s' "$answer" | head -c 200))"
      fi
      mv "$D/server.pem.new" "$D/server.pem"
      say "certificate signed ($(elapsed) s)"
    fi
    listen="OPENSSL-LISTEN:2376,fork,reuseaddr,cert=$D/server.pem,key=$D/server-key.pem,cafile=$D/ca.pem,verify=1"
    # The master's own certificate is a client one too: the check goes through TLS as a user's would.
    probe="curl -fsS --max-time 2 --cacert $D/ca.pem --cert $D/server.pem --key $D/server-key.pem https://127.0.0.1:2376/_ping"
  else
    listen="TCP-LISTEN:2375,fork,reuseaddr"
    probe="curl -fsS --max-time 2 http://127.0.0.1:2375/_ping"
  fi
  hook=/etc/flotilla/boot.d/55-docker-api
  cat > "$hook.new" <<FLOTILLA_HOOK_EOF
#!/bin/sh
# This swarm master's Docker API: socat in front of the engine's unix socket (written by the cluster's user data).
p=\$(cat /run/flotilla-docker-api.pid 2>/dev/null)
[ -n "\$p" ] && kill -0 "\$p" 2>/dev/null && exit 0
setsid socat $listen UNIX-CONNECT:/var/run/docker.sock </dev/null >>/var/log/docker-api.log 2>&1 &
echo \$! > /run/flotilla-docker-api.pid
FLOTILLA_HOOK_EOF
  chmod 755 "$hook.new" && mv "$hook.new" "$hook"
  "$hook" || api_failed "could not start the engine's remote API"
  # The engine first (its socket appears when it listens), through its socket: a probe through TLS
  # costs a handshake at both ends, and the engine takes seconds to start on a busy host.
  n=0
  until [ -S /var/run/docker.sock ] && engine_answers; do
    n=$((n + 1)); [ $n -ge 600 ] && break; sleep 0.1
  done
  n=0
  until $probe >/dev/null 2>&1; do
    n=$((n + 1))
    [ $n -ge 600 ] && api_failed "the engine's remote API does not answer: $(tail -n 3 /var/log/docker-api.log 2>/dev/null)"
    sleep 0.1
  done
  say "the engine's remote API answers ($(elapsed) s)"
}
api_front &
api_pid=$!

engine_up master

# The worker join token is served on the fixed address by the node image's busybox httpd, started now
# and by a boot hook at every later boot (once the address is there); the manager token is never
# served. It answers 404 until the token's file is there.
W=/etc/flotilla-swarm/www
mkdir -p "$W"
# A token of a swarm this node has left is not served.
[ "$(swarm_state)" = active ] || rm -f "$W/worker-token"
HOOK=/etc/flotilla/boot.d/60-swarm-token
cat > "$HOOK.new" <<FLOTILLA_HOOK_EOF
#!/bin/sh
# Serves this swarm master's worker join token to its cluster (written by the cluster's user data).
curl -s -o /dev/null --max-time 2 "http://$FIXED_IP:${TOKEN_PORT}/" && exit 0
n=0
until ip -4 -o addr show 2>/dev/null | grep -qF " $FIXED_IP/"; do
  n=\$((n + 1)); [ \$n -ge 300 ] && break; sleep 0.1
done
exec ${NODE_BUSYBOX} httpd -p "$FIXED_IP:${TOKEN_PORT}" -h "$W"
FLOTILLA_HOOK_EOF
chmod 755 "$HOOK.new" && mv "$HOOK.new" "$HOOK"
"$HOOK" || fail "could not serve the worker join token"

state=$(swarm_state)
if [ "$state" != active ]; then
  [ "$state" = error ] && docker swarm leave --force >/dev/null 2>&1
  docker swarm init --advertise-addr "$FIXED_IP" --listen-addr "$FIXED_IP:2377" --dispatcher-heartbeat 2s >/dev/null \
    || fail "docker swarm init failed"
  say "swarm initialised ($(elapsed) s)"
  # Swarm's routing mesh (its ingress network) needs IPVS. In a kernel without it the mesh cannot work
  # (host-mode published ports and dnsrr do), and the ingress network would only cost every node a
  # sandbox when it joins (two namespaces, five re-executions of dockerd, a gateway bridge and its
  # iptables rules): it goes as soon as the new swarm has made it, before any node joins.
  if [ ! -e /proc/net/ip_vs ]; then
    n=0
    until engine_get /networks/ingress >/dev/null; do
      n=$((n + 1)); [ $n -ge 50 ] && break; sleep 0.1
    done
    if curl -fsS -X DELETE --max-time 10 --unix-socket /var/run/docker.sock http://engine/networks/ingress >/dev/null 2>&1; then
      say "no IPVS in this kernel: the routing mesh's ingress network removed ($(elapsed) s)"
    else
      say "could not remove the ingress network"
    fi
  fi
else
  say "already in a swarm"
fi
tokens=$(engine_get /swarm) || fail "no join tokens"
worker=$(printf '%s' "$tokens" | sed -n 's/.*"Worker":"\([^"]*\)".*/\1/p')
manager=$(printf '%s' "$tokens" | sed -n 's/.*"Manager":"\([^"]*\)".*/\1/p')
[ -n "$worker" ] && [ -n "$manager" ] || fail "no join tokens in the swarm's answer"
if [ "$(cat "$W/worker-token" 2>/dev/null)" != "$worker" ]; then
  printf '%s\n' "$worker" > "$W/worker-token.new" && mv "$W/worker-token.new" "$W/worker-token"
fi
say "serving the worker join token on $FIXED_IP:${TOKEN_PORT} ($(elapsed) s)"
wait "$api_pid" || fail "$(cat "$API_FAILED" 2>/dev/null || echo "the engine's remote API could not be set up")"
preloaded || fail "the node image's preloaded images are not in the engine"
notify SUCCESS "swarm initialised" "{\"worker\": \"$worker\", \"manager\": \"$manager\", \"address\": \"$FIXED_IP:2377\"}" || exit 1
say "done ($(elapsed) s)"
`;

/**
 * A worker (or an extra manager): an engine on its unix socket only, then `docker swarm join` with the
 * token the first master's wait condition carries (extra managers) or that the first master serves on
 * its fixed address (workers, which boot alongside it: they ask until it answers, up to the wait
 * timeout); signals its own wait condition once it is in.
 */
export const NODE_SH = String.raw`#!/bin/sh
# Flotilla swarm-mode @@ROLE@@ of cluster @@CLUSTER_UUID@@ (rendered by the container-infra driver).
ROLE_NAME=swarm-@@ROLE@@
` + COMMON + String.raw`
CLUSTER_UUID='@@CLUSTER_UUID@@'
ROLE='@@ROLE@@'
FIXED_IP='@@FIXED_IP@@'
MANAGER='@@MANAGER_ADDRESS@@'
REGISTRIES='@@INSECURE_REGISTRIES@@'
# The first master's wait condition data: {"1": {"worker": "SWMTKN-…", "manager": "SWMTKN-…", "address": "ip:2377"}}.
JOIN_DATA='@@SWARM_JOIN@@'
WAIT_TIMEOUT='@@WAIT_TIMEOUT@@'
TOKEN_URL="http://$MANAGER:${TOKEN_PORT}/worker-token"
SERVER_ID=$(server_id)
say "configuring a swarm $ROLE (server $SERVER_ID, $FIXED_IP, manager $MANAGER)"

# The worker join token from the first master, asked for until it answers or $1 seconds have passed.
# Asked five times a second while the master starts: with the node image's static busybox nc when it is
# there (curl, dynamically linked, cost ten times the CPU; busybox's wget crashes after its answer). The
# token is the answer's last line. busybox nc's -w bounds only the connect: a connection whose answer never
# comes (a packet lost while the cloud restarts) would hold it, and this node, for good, so busybox's
# timeout bounds the whole exchange.
NL='
'
fetch_worker_token() {
  deadline=$(( $(date +%s) + $1 ))
  n=0
  while :; do
    if [ -x ${NODE_BUSYBOX} ]; then
      got=$(printf 'GET /worker-token HTTP/1.0\r\n\r\n' | ${NODE_BUSYBOX} timeout 3 ${NODE_BUSYBOX} nc -w 2 "$MANAGER" ${TOKEN_PORT} 2>/dev/null)
      got=${'$'}{got##*"$NL"}
    else
      got=$(curl -fsS --connect-timeout 2 --max-time 5 "$TOKEN_URL" 2>/dev/null)
    fi
    case "$got" in SWMTKN-*) printf '%s\n' "$got"; return 0 ;; esac
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    n=$((n + 1))
    [ $((n % 50)) -eq 0 ] && say "still waiting for the master's worker join token at $TOKEN_URL" >&2
    sleep 0.2
  done
}

token=$(printf '%s\n' "$JOIN_DATA" | sed -n "s/.*\"$ROLE\": *\"\([^\"]*\)\".*/\1/p")
[ -n "$token" ] || [ "$ROLE" = worker ] || fail "no $ROLE join token in the master's data"

engine_up "$ROLE"

if [ -z "$token" ] && [ "$(swarm_state)" != active ]; then
  say "asking the master for the worker join token at $TOKEN_URL"
  token=$(fetch_worker_token "$WAIT_TIMEOUT") || fail "no worker join token from the master at $TOKEN_URL within $WAIT_TIMEOUT s"
  say "got the worker join token ($(elapsed) s)"
fi

# The state is read once a round: every /info makes the engine run "runc --version" and
# "docker-init --version".
n=0
while :; do
  state=$(swarm_state)
  [ "$state" = active ] && break
  [ "$state" = error ] && docker swarm leave --force >/dev/null 2>&1 && state=inactive
  if [ "$state" = inactive ]; then
    out=$(docker swarm join --token "$token" --advertise-addr "$FIXED_IP" --listen-addr "$FIXED_IP:2377" "$MANAGER:2377" 2>&1) && break
    say "join: $out"
  fi
  n=$((n + 1))
  [ $n -ge 60 ] && fail "could not join the swarm at $MANAGER: $out"
  sleep 1
done
say "joined the swarm as a $ROLE ($(elapsed) s)"
preloaded || fail "the node image's preloaded images are not in the engine"
node_id=$(engine_get /info | sed -n 's/.*"NodeID":"\([^"]*\)".*/\1/p')
notify SUCCESS "joined" "\"$node_id\"" || exit 1
say "done ($(elapsed) s)"
`;
