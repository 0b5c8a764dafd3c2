#!/usr/bin/env bash
# The site as it runs on several servers, on this machine's loopback:
#
#   nginx (TLS, docs/deploy/nginx.conf) ─┬─ node a: gunicorn ─┐
#                                        └─ node b: gunicorn ─┼─ PostgreSQL (one database)
#                     db_worker (tasks) ──────────────────────┼─ Redis (cache, rate limits)
#                                                             └─ SeaweedFS (S3: images, documents)
#
#   load/cluster.sh up      start everything on a fresh database with the demo content
#   load/cluster.sh test    the cluster test (load/cluster_test.py): prints a summary table
#   load/cluster.sh down    stop exactly the processes `up` started
#   load/cluster.sh status  which of them are running
#
# Everything lives in $CLUSTER_DIR (build/cluster): pid files, logs, the rendered nginx
# config, a throwaway TLS certificate, uploads on local disk. Every port, the database and the
# Redis database can be changed through the variables below. PostgreSQL and Redis are the
# machine's own and are never stopped; `up` empties only its own Redis database.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
STATE="${CLUSTER_DIR:-$ROOT/build/cluster}"
HOST=127.0.0.1
HTTP_PORT="${CLUSTER_HTTP_PORT:-18480}"
HTTPS_PORT="${CLUSTER_HTTPS_PORT:-18453}"
NODE_A_PORT="${CLUSTER_NODE_A_PORT:-18401}"
NODE_B_PORT="${CLUSTER_NODE_B_PORT:-18402}"
# SeaweedFS takes eight ports from here on (master, volume, filer, S3; each HTTP and gRPC).
WEED_PORT="${CLUSTER_WEED_PORT:-18470}"
S3_PORT=$((WEED_PORT + 6))
NODE_WORKERS="${CLUSTER_NODE_WORKERS:-3}"
DATABASE="${CLUSTER_DATABASE:-cluster_site}"
PG_URL="${CLUSTER_POSTGRES:-postgres://postgres@$HOST:5432}"
REDIS_DB="${CLUSTER_REDIS_DB:-13}"
PUBLICATIONS="${CLUSTER_PUBLICATIONS:-200}"

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# The environment of every site process (both nodes, the worker, manage.py): production
# settings behind one TLS-terminating proxy.
site_env() {
    cat <<EOF
export DJANGO_SETTINGS_MODULE=bcsp_site.settings.production
export SECRET_KEY='$(cat "$STATE/secret-key")'
export ALLOWED_HOSTS=$HOST,localhost
export CSRF_TRUSTED_ORIGINS=https://$HOST:$HTTPS_PORT
export SECURE_PROXY_SSL_HEADER=1
export TRUSTED_PROXY_COUNT=1
export DATABASE_URL=$PG_URL/$DATABASE
export REDIS_URL=redis://$HOST:6379/$REDIS_DB
export WAGTAILADMIN_BASE_URL=https://$HOST:$HTTPS_PORT
export STATIC_ROOT=$STATE/static
export MEDIA_ROOT=$STATE/media
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
export EMAIL_FILE_PATH=$STATE/mail
export S3_BUCKET=bcsp-images
export S3_DOCUMENTS_BUCKET=bcsp-documents
export S3_ENDPOINT_URL=http://$HOST:$S3_PORT
export S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=cluster
export S3_SECRET_ACCESS_KEY='$(cat "$STATE/s3-secret")'
export DOCUMENTS_X_ACCEL_REDIRECT=/protected-media/
EOF
}

manage() { (source "$STATE/env.sh" && cd "$ROOT" && "$BIN/python" manage.py "$@"); }

# start NAME COMMAND…: run in a session of its own (so `down` can stop it with all its
# children), output to NAME.log, pid to NAME.pid.
start() {
    local name=$1
    shift
    (source "$STATE/env.sh" && cd "$ROOT" && exec setsid "$@" >>"$STATE/$name.log" 2>&1) &
    echo $! >"$STATE/$name.pid"
}

wait_http() { # URL SECONDS: until it answers below 500
    local deadline=$((SECONDS + $2)) code
    while ((SECONDS < deadline)); do
        code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)
        if [[ $code =~ ^[1-4] ]]; then return 0; fi
        sleep 0.3
    done
    log "$1 did not answer within $2 s (see $STATE/*.log)"
    return 1
}

start_node() { # a|b
    local port
    port=$([[ $1 == a ]] && echo "$NODE_A_PORT" || echo "$NODE_B_PORT")
    start "node-$1" "$BIN/gunicorn" -c "$ROOT/bcsp_site/gunicorn.conf.py" bcsp_site.wsgi:application --bind "$HOST:$port" \
        --workers "$NODE_WORKERS" --timeout 30 --graceful-timeout 5 \
        --access-logfile "$STATE/node-$1.access.log"
    wait_http "http://$HOST:$port/robots.txt" 60
    log "node $1 on http://$HOST:$port"
}

start_seaweedfs() {
    mkdir -p "$STATE/seaweedfs"
    # Images are readable by anyone (their URLs go into public pages); documents only with
    # the keys, i.e. through the site's document view.
    cat >"$STATE/seaweedfs/s3.json" <<EOF
{"identities": [
  {"name": "site", "credentials": [{"accessKey": "cluster", "secretKey": "$(cat "$STATE/s3-secret")"}],
   "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
  {"name": "anonymous", "actions": ["Read:bcsp-images"]}
]}
EOF
    start seaweedfs "$BIN/weed" server -dir="$STATE/seaweedfs" -ip="$HOST" -ip.bind="$HOST" \
        -master.port="$WEED_PORT" -master.port.grpc=$((WEED_PORT + 1)) \
        -volume.port=$((WEED_PORT + 2)) -volume.port.grpc=$((WEED_PORT + 3)) -volume.max=0 \
        -master.volumeSizeLimitMB=64 \
        -filer -filer.port=$((WEED_PORT + 4)) -filer.port.grpc=$((WEED_PORT + 5)) \
        -s3 -s3.port="$S3_PORT" -s3.port.grpc=$((WEED_PORT + 7)) -s3.port.iceberg=0 \
        -s3.port.lance=0 -s3.config="$STATE/seaweedfs/s3.json"
    wait_http "http://$HOST:$S3_PORT/" 60
    local bucket
    for bucket in bcsp-images bcsp-documents; do
        # host:port.grpcport: the shell would otherwise look for gRPC at port + 10000.
        echo "s3.bucket.create -name $bucket" | timeout 60 "$BIN/weed" shell \
            -master="$HOST:$WEED_PORT.$((WEED_PORT + 1))" \
            -filer="$HOST:$((WEED_PORT + 4)).$((WEED_PORT + 5))" >>"$STATE/seaweedfs.log" 2>&1
    done
    log "SeaweedFS S3 on http://$HOST:$S3_PORT (buckets bcsp-images, bcsp-documents)"
}

start_nginx() {
    mkdir -p "$STATE/nginx/tmp"
    local placeholders
    placeholders=$(grep -o '\${[A-Z0-9_]*}' "$ROOT/docs/deploy/nginx.conf" | sort -u | tr '\n' ' ')
    SERVER_NAME="$HOST localhost" HTTP_LISTEN="$HOST:$HTTP_PORT" HTTPS_LISTEN="$HOST:$HTTPS_PORT" \
        TLS_CERTIFICATE="$STATE/nginx/cert.pem" TLS_CERTIFICATE_KEY="$STATE/nginx/key.pem" \
        APP_NODE_1="$HOST:$NODE_A_PORT" APP_NODE_2="$HOST:$NODE_B_PORT" MEDIA_ROOT="$STATE/media" \
        envsubst "$placeholders" <"$ROOT/docs/deploy/nginx.conf" >"$STATE/nginx/site.conf"
    # The main file a system nginx has in /etc/nginx/nginx.conf, with every path in $STATE.
    cat >"$STATE/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $STATE/nginx/nginx.pid;
error_log $STATE/nginx/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $STATE/nginx/access.log;
    client_body_temp_path $STATE/nginx/tmp/body;
    proxy_temp_path $STATE/nginx/tmp/proxy;
    fastcgi_temp_path $STATE/nginx/tmp/fastcgi;
    uwsgi_temp_path $STATE/nginx/tmp/uwsgi;
    scgi_temp_path $STATE/nginx/tmp/scgi;
    include $STATE/nginx/site.conf;
}
EOF
    if [[ ! -f $STATE/nginx/cert.pem ]]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$HOST" \
            -addext "subjectAltName=IP:$HOST,DNS:localhost" \
            -keyout "$STATE/nginx/key.pem" -out "$STATE/nginx/cert.pem" 2>/dev/null
    fi
    local nginx
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    "$nginx" -t -q -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx/error.log"
    start nginx "$nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx/error.log" \
        -g "daemon off;"
    wait_http "https://$HOST:$HTTPS_PORT/robots.txt" 30
    log "nginx on https://$HOST:$HTTPS_PORT (and http://$HOST:$HTTP_PORT)"
}

running() { [[ -f $STATE/$1.pid ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

stop() { # NAME [SECONDS]: TERM its process group, KILL what is left after SECONDS (15)
    running "$1" || { rm -f "$STATE/$1.pid"; return 0; }
    local pid
    pid=$(cat "$STATE/$1.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 $((${2:-15} * 10))); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$STATE/$1.pid"
    log "stopped $1 (pid $pid)"
}

SERVICES=(nginx node-a node-b worker seaweedfs)

up() {
    local name port
    for name in "${SERVICES[@]}"; do
        if running "$name"; then
            log "$name is already running: load/cluster.sh down first"
            exit 1
        fi
    done
    for port in "$HTTP_PORT" "$HTTPS_PORT" "$NODE_A_PORT" "$NODE_B_PORT" $(seq "$WEED_PORT" $((WEED_PORT + 7))); do
        port_free "$port" || { log "port $port on $HOST is in use"; exit 1; }
    done
    pg_isready -q -h "$HOST" || { log "PostgreSQL is not running on $HOST:5432"; exit 1; }
    redis-cli -h "$HOST" ping >/dev/null || { log "Redis is not running on $HOST:6379"; exit 1; }

    rm -rf "$STATE"
    mkdir -p "$STATE/media" "$STATE/mail"
    "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$STATE/secret-key"
    "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$STATE/s3-secret"
    "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(16))' >"$STATE/admin-password"
    site_env >"$STATE/env.sh"
    # What the test needs to know about this cluster.
    cat >"$STATE/cluster.json" <<EOF
{"site": "https://$HOST:$HTTPS_PORT", "nodes": {"a": "http://$HOST:$NODE_A_PORT",
 "b": "http://$HOST:$NODE_B_PORT"}, "s3": "http://$HOST:$S3_PORT",
 "database": "$PG_URL/$DATABASE", "admin_password_file": "$STATE/admin-password"}
EOF

    start_seaweedfs
    # A fresh database, and the cache emptied with it: pages cached for an earlier database
    # must not be served for this one.
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" \
        -c "CREATE DATABASE $DATABASE"
    redis-cli -h "$HOST" -n "$REDIS_DB" flushdb >/dev/null
    log "database $DATABASE created, Redis db $REDIS_DB emptied"
    manage migrate --noinput -v 0
    manage load_demo_content --publications "$PUBLICATIONS" >"$STATE/demo.log"
    manage collectstatic --noinput -v 0
    DEMO_ADMIN_PASSWORD="$(cat "$STATE/admin-password")" manage ensure_admin >/dev/null
    log "demo content loaded ($PUBLICATIONS extra publications), static files collected"

    start_node a
    start_node b
    start worker "$BIN/python" manage.py db_worker
    start_nginx
    log "up: https://$HOST:$HTTPS_PORT/ (admin: admin, password in $STATE/admin-password)"
}

down() {
    local name
    stop nginx
    stop node-a
    stop node-b
    stop worker
    # SeaweedFS takes its time over a TERM; its data is thrown away with the next `up`.
    stop seaweedfs 3
}

status() {
    local name
    for name in "${SERVICES[@]}"; do
        if running "$name"; then echo "$name: running (pid $(cat "$STATE/$name.pid"))"; else echo "$name: stopped"; fi
    done
}

case "${1:-}" in
up) time up ;;
down) time down ;;
status) status ;;
test) time "$BIN/python" "$ROOT/load/cluster_test.py" --state "$STATE" ;;
# Used by the test to bring a killed node back.
start-node) start_node "$2" ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
