#!/usr/bin/env bash
# Restores every store from a folder scripts/backup.sh wrote, after checking its checksums:
# each database is dropped and made again from its dump (stop the components first, or expect
# them to fail their requests until it is done; their pools reconnect by themselves).
#
#   scripts/restore.sh DIR
#
# The same MERCATO_* settings as scripts/backup.sh say where the stores are; the databases are
# those the folder holds (postgres-<db>.dump, mariadb-<db>.sql, mongo-<db>.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:?usage: scripts/restore.sh DIR}
pg_url=${MERCATO_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_owner=${MERCATO_PG_OWNER:-mercato}
mysql_host=${MERCATO_MYSQL_HOST:-127.0.0.1}
mysql_user=${MERCATO_MYSQL_USER:-root}
mongo_url=${MERCATO_MONGO_URL:-mongodb://127.0.0.1:27017}
python=${MERCATO_PYTHON:-$HOME/.cache/mercato/venv/bin/python}

(cd "$dir" && sha256sum --quiet --check SHA256SUMS) || { echo "restore: checksums do not match; nothing restored" >&2; exit 1; }
started=$(date +%s%N)
shopt -s nullglob
for dump in "$dir"/postgres-*.dump; do
  db=$(basename "$dump" .dump); db=${db#postgres-}
  psql --dbname="$pg_url/postgres" -X -q -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\" OWNER $pg_owner"
  pg_restore --dbname="$pg_url/$db" --no-owner --role="$pg_owner" --exit-on-error "$dump"
done
for dump in "$dir"/mariadb-*.sql; do
  db=$(basename "$dump" .sql); db=${db#mariadb-}
  mariadb -h "$mysql_host" -u "$mysql_user" -e "DROP DATABASE IF EXISTS \`$db\`"
  mariadb -h "$mysql_host" -u "$mysql_user" <"$dump"
done
for dump in "$dir"/mongo-*.json; do
  db=$(basename "$dump" .json); db=${db#mongo-}
  "$python" scripts/mongo-backup.py restore --url "$mongo_url" --database "$db" --file "$dump"
done
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "restore: $dir restored in ${elapsed_ms} ms"
