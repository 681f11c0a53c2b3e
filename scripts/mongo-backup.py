"""Dumps or restores one MongoDB database through the driver (pymongo): every collection's
documents in MongoDB Extended JSON (types kept: dates, binary, 64-bit integers) and its index
definitions, in one JSON file. Used by scripts/backup.sh and scripts/restore.sh; run with the
virtualenv's Python that scripts/deps.sh makes.

    mongo-backup.py dump --url URL --database DB --out FILE
    mongo-backup.py restore --url URL --database DB --file FILE   (drops DB first)
"""

import argparse
import json

import pymongo
from bson import json_util


def dump(client, database, out):
    db = client[database]
    collections = {}
    for name in sorted(db.list_collection_names()):
        collection = db[name]
        indexes = [
            {"key": list(spec["key"].items()), "options": {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}}
            for spec in collection.list_indexes()
            if spec["name"] != "_id_"
        ]
        collections[name] = {"documents": list(collection.find().sort("_id", 1)), "indexes": indexes}
    with open(out, "w") as f:
        f.write(json_util.dumps({"database": database, "collections": collections}, json_options=json_util.CANONICAL_JSON_OPTIONS))
    print(f"mongo-backup: {database}: {sum(len(c['documents']) for c in collections.values())} documents in {len(collections)} collections")


def restore(client, database, path):
    with open(path) as f:
        data = json_util.loads(f.read(), json_options=json_util.CANONICAL_JSON_OPTIONS)
    client.drop_database(database)
    db = client[database]
    for name, content in data["collections"].items():
        collection = db[name]
        if content["documents"]:
            collection.insert_many(content["documents"], ordered=True)
        else:
            db.create_collection(name)
        for index in content["indexes"]:
            collection.create_index([tuple(k) for k in index["key"]], **index["options"])
    print(f"mongo-backup: {database} restored from {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--url", required=True)
    d.add_argument("--database", required=True)
    d.add_argument("--out", required=True)
    r = sub.add_parser("restore")
    r.add_argument("--url", required=True)
    r.add_argument("--database", required=True)
    r.add_argument("--file", required=True)
    args = parser.parse_args()
    client = pymongo.MongoClient(args.url)
    if args.command == "dump":
        dump(client, args.database, args.out)
    else:
        restore(client, args.database, args.file)


if __name__ == "__main__":
    main()
