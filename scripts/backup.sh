#!/usr/bin/env bash
# Backs up every Mercato store into one folder, each store consistent in itself, with checksums:
#   PostgreSQL (gigs, orders, reviews)  pg_dump in its custom format, from one snapshot per database
#   MariaDB (auth)                      mariadb-dump --single-transaction (one snapshot)
#   MongoDB (users, chat)               scripts/mongo-backup.py through the driver: every
#                                       collection's documents and index definitions
#   SHA256SUMS                          sha256sum of every file; scripts/restore.sh checks it first
#
#   scripts/backup.sh [DIR]     default: backups/<UTC time>; prints the folder
#
# Which databases and where (defaults: the local run's, as scripts/deps.sh makes them):
#   MERCATO_PG_URL         postgres://postgres@127.0.0.1:5432       MERCATO_PG_DATABASES    "mercato_gigs mercato_orders mercato_reviews"
#   MERCATO_MYSQL_HOST     127.0.0.1 (user root, MERCATO_MYSQL_USER) MERCATO_MYSQL_DATABASES "mercato_auth"
#   MERCATO_MONGO_URL      mongodb://127.0.0.1:27017                MERCATO_MONGO_DATABASES "mercato_users mercato_chat"
# Redis (rate limits, presence, send-once marks) and RabbitMQ (events in flight) hold nothing to
# restore: a restored platform rebuilds the one and its outboxes refill the other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pg_url=${MERCATO_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_databases=${MERCATO_PG_DATABASES:-mercato_gigs mercato_orders mercato_reviews}
mysql_host=${MERCATO_MYSQL_HOST:-127.0.0.1}
mysql_user=${MERCATO_MYSQL_USER:-root}
mysql_databases=${MERCATO_MYSQL_DATABASES:-mercato_auth}
mongo_url=${MERCATO_MONGO_URL:-mongodb://127.0.0.1:27017}
mongo_databases=${MERCATO_MONGO_DATABASES:-mercato_users mercato_chat}
python=${MERCATO_PYTHON:-$HOME/.cache/mercato/venv/bin/python}

out=${1:-backups/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
started=$(date +%s%N)
for db in $pg_databases; do
  pg_dump --dbname="$pg_url/$db" --format=custom --no-owner --file="$out/postgres-$db.dump"
done
for db in $mysql_databases; do
  mariadb-dump -h "$mysql_host" -u "$mysql_user" --single-transaction --routines --triggers \
    --databases "$db" >"$out/mariadb-$db.sql"
done
for db in $mongo_databases; do
  "$python" scripts/mongo-backup.py dump --url "$mongo_url" --database "$db" --out "$out/mongo-$db.json"
done
(cd "$out" && sha256sum -- * >SHA256SUMS)
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "backup: $(ls "$out" | wc -l) files in $out ($(du -sh "$out" | cut -f1), ${elapsed_ms} ms)"
echo "$out"
