#!/usr/bin/env python3
"""Deletes the RabbitMQ queues and exchanges that tests create (names starting with `test.`),
or those of another prefix (`--prefix bench.123`, what a benchmark run made).

Tests remove their own topology when they finish; this sweeps what interrupted runs left behind,
so leftover quorum queues do not pile up on the local broker. Uses the management API.
"""
import argparse
import base64
import json
import os
import urllib.parse
import urllib.request

API = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672/api")
AUTH = base64.b64encode(os.environ.get("RABBITMQ_MANAGEMENT_AUTH", "guest:guest").encode()).decode()


def call(method, path):
    request = urllib.request.Request(API + path, method=method, headers={"Authorization": "Basic " + AUTH})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="test.", help="names starting with this (default test.)")
    prefix = parser.parse_args().prefix
    removed = 0
    for kind in ("queues", "exchanges"):
        for item in call("GET", f"/{kind}?columns=name,vhost"):
            if item["name"].startswith(prefix):
                vhost = urllib.parse.quote(item["vhost"], safe="")
                name = urllib.parse.quote(item["name"], safe="")
                call("DELETE", f"/{kind}/{vhost}/{name}")
                removed += 1
    print(f"clean-test-broker: removed {removed} leftover {prefix}* queue(s) and exchange(s)")


if __name__ == "__main__":
    main()
