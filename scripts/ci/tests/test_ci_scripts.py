# The pipeline's scripts (scripts/ci/) run on this machine against stand-ins: smoke.sh against a
# gateway on 127.0.0.1 that answers as gateway/openapi.json says and refuses requests its
# schemas refuse; deploy.sh, wait-ready.sh and rollback.sh, in both modes, against a copy of the
# repository with kubectl, kustomize and aws replaced by small fakes of a cluster, and a local
# Git repository as the GitOps remote.
#
#   python3 -m unittest discover -s scripts/ci/tests
import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
OPENAPI = json.loads((REPO / "gateway" / "openapi.json").read_text())
SCHEMAS = OPENAPI["components"]["schemas"]
REGISTRY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
BASE_IMAGE = "registry.example.com/mercato/"


def schema_errors(schema, value, where="body"):
    """The ways value breaks the subset of JSON Schema the request schemas use."""
    if "$ref" in schema:
        return schema_errors(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]], value, where)
    if "oneOf" in schema:
        if any(not schema_errors(option, value, where) for option in schema["oneOf"]):
            return []
        return [f"{where} matches none of oneOf"]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        python = {"string": str, "object": dict, "array": list, "integer": int, "boolean": bool,
                  "null": type(None)}
        if not any(isinstance(value, python[kind]) for kind in kinds):
            return [f"{where} is not {kinds}"]
    errors = []
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}.{name} is missing")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(properties[name], item, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}.{name} is not allowed")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            errors.append(f"{where} has the wrong length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where} does not match {schema['pattern']}")
    return errors


def documented(method, path):
    """Whether the OpenAPI document has the operation (the probes are the gateway's own)."""
    if path in ("/healthz", "/readyz"):
        return method == "GET"
    for template, operations in OPENAPI["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and method.lower() in operations:
            return True
    return False


class FakeGateway(http.server.ThreadingHTTPServer):
    """Answers the requests smoke.sh makes as the gateway documents them."""

    def __init__(self, failing_path=None):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.failing_path = failing_path
        self.requests = []
        self.sessions = {}
        self.usernames = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.answer(status, {"error": {"code": code, "message": message, "request_id": "req-1"}})

    def body(self):
        length = int(self.headers.get("content-length", 0))
        return json.loads(self.rfile.read(length)) if length else None

    def caller(self):
        token = self.headers.get("authorization", "").removeprefix("Bearer ")
        return self.server.sessions.get(token)

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        self.server.requests.append((method, url.path))
        if not documented(method, url.path):
            return self.error(404, "not_found", f"{method} {url.path} is not in the API")
        if url.path == self.server.failing_path:
            return self.error(500, "internal", "something broke")
        handler = getattr(self, f"{method.lower()}_{url.path.strip('/').replace('/', '_')}", None)
        if handler is None:
            return self.error(404, "not_found", "the fake gateway does not serve this")
        return handler(urllib.parse.parse_qs(url.query))

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def get_healthz(self, _):
        self.answer(200, {"status": "ok"})

    def get_readyz(self, _):
        self.answer(200, {"status": "ok"})

    def post_api_v1_auth_signup(self, _):
        request = self.body()
        errors = schema_errors({"$ref": "#/components/schemas/SignupRequest"}, request)
        if errors:
            return self.error(422, "validation_failed", "; ".join(errors))
        user = {"id": "u-1", "username": request["username"], "email": request["email"],
                "country": request["country"], "email_verified": False,
                "created_at": "2026-01-01T00:00:00Z"}
        self.server.sessions["access-1"] = user
        self.server.usernames.append(request["username"])
        self.answer(201, {"user": user, "refresh_token": "refresh-1", "refresh_expires_in": 3600,
                          "access_token": "access-1", "expires_in": 900})

    def get_api_v1_auth_me(self, _):
        user = self.caller()
        if user is None:
            return self.error(401, "invalid_token", "no session")
        self.answer(200, {"user": user})

    def get_api_v1_gigs(self, query):
        q = query.get("q", [""])[0]
        limit = int(query.get("limit", ["20"])[0])
        if len(q) > 200 or not 1 <= limit <= 100:
            return self.error(422, "validation_failed", "bad search")
        self.answer(200, {"items": [], "next_cursor": None})

    def post_api_v1_auth_signout(self, _):
        if self.caller() is None:
            return self.error(401, "invalid_token", "no session")
        errors = schema_errors({"$ref": "#/components/schemas/SignoutRequest"}, self.body())
        if errors:
            return self.error(422, "validation_failed", "; ".join(errors))
        self.answer(204)


def run(args, env=None, cwd=None):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


class Smoke(unittest.TestCase):
    def gateway(self, **options):
        server = FakeGateway(**options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    def test_passes_against_a_gateway_that_answers_as_documented(self):
        server = self.gateway()
        result = run([str(REPO / "scripts/ci/smoke.sh"), server.url])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual([path for _, path in server.requests], [
            "/healthz", "/healthz", "/readyz", "/api/v1/auth/signup", "/api/v1/auth/me",
            "/api/v1/gigs", "/api/v1/auth/signout"])

    def test_every_run_signs_up_a_new_user(self):
        server = self.gateway()
        for _ in range(2):
            self.assertEqual(run([str(REPO / "scripts/ci/smoke.sh"), server.url]).returncode, 0)
        self.assertEqual(len(set(server.usernames)), 2, server.usernames)

    def test_fails_on_an_unexpected_status_and_prints_the_error_body(self):
        server = self.gateway(failing_path="/api/v1/gigs")
        result = run([str(REPO / "scripts/ci/smoke.sh"), server.url])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("GET /api/v1/gigs?q=logo&limit=5 answered 500, expected 200", result.stderr)
        self.assertIn('"request_id": "req-1"', result.stderr)


FAKE_KUBECTL = r'''
import os, pathlib, sys, yaml
state = pathlib.Path(os.environ["FAKE_CLUSTER"])
args = sys.argv[1:]
with open(state / "calls", "a") as calls:
    calls.write(" ".join(args) + "\n")
images = dict(line.split("\t") for line in (state / "images").read_text().splitlines() if line)
if "apply" in args:
    overlay = pathlib.Path(args[args.index("-k") + 1])
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    for entry in kustomization["images"]:
        images[entry["name"].rsplit("/", 1)[1]] = f"{entry['newName']}:{entry['newTag']}"
    (state / "images").write_text("".join(f"{k}\t{v}\n" for k, v in images.items()))
    print("applied")
elif "get" in args and "deployment" in args:
    print(images.get("operator", ""), end="")
elif "get" in args and "marketplaceservices" in args and ".spec.image" in " ".join(args):
    print("".join(f"{k}\t{v}\n" for k, v in images.items() if k != "operator"), end="")
elif "get" in args and "marketplaceservices" in args and "generation" in " ".join(args):
    print("".join(f"{k} 2 2\n" for k in images if k != "operator"), end="")
'''

FAKE_KUSTOMIZE = r'''
import pathlib, sys, yaml
assert sys.argv[1:4] == ["edit", "set", "image"], sys.argv
name, image = sys.argv[4].split("=", 1)
path = pathlib.Path("kustomization.yaml")
kustomization = yaml.safe_load(path.read_text())
for entry in kustomization["images"]:
    if entry["name"] == name:
        entry["newName"], entry["newTag"] = image.rsplit(":", 1)
path.write_text(yaml.safe_dump(kustomization, sort_keys=False))
'''

FAKE_AWS = r'''
import sys
if sys.argv[1:3] == ["sts", "get-caller-identity"]:
    print("123456789012")
'''


class DeployAndRollBack(unittest.TestCase):
    """deploy.sh, wait-ready.sh and rollback.sh in a copy of the repository."""

    def setUp(self):
        self.root = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.root)
        self.repo = self.root / "repo"
        shutil.copytree(REPO / "scripts" / "ci", self.repo / "scripts" / "ci",
                        ignore=shutil.ignore_patterns("tests", "__pycache__"))
        shutil.copy(REPO / "scripts" / "components.tsv", self.repo / "scripts")
        (self.repo / "deploy" / "overlays" / "prod").mkdir(parents=True)
        shutil.copy(REPO / "deploy" / "overlays" / "prod" / "kustomization.yaml",
                    self.repo / "deploy" / "overlays" / "prod")
        self.cluster = self.root / "cluster"
        self.cluster.mkdir()
        self.before = {entry["name"].rsplit("/", 1)[1]: f"{entry['newName']}:{entry['newTag']}"
                       for entry in self.overlay()["images"]}
        self.set_cluster_images(self.before)
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        for name, source in (("kubectl", FAKE_KUBECTL), ("kustomize", FAKE_KUSTOMIZE), ("aws", FAKE_AWS)):
            (bin_dir / name).write_text(f"#!{sys.executable}\n{source}")
            (bin_dir / name).chmod(0o755)
        self.env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", FAKE_CLUSTER=str(self.cluster),
                        MERCATO_USE_CURRENT_CONTEXT="true", IMAGE_TAG="abc123", BUILD_TAG="jenkins-mercato-7",
                        WAIT_TIMEOUT="30", WAIT_POLL_SECONDS="1", GIT_USERNAME="ci", GIT_TOKEN="token")

    def overlay(self):
        return yaml.safe_load((self.repo / "deploy/overlays/prod/kustomization.yaml").read_text())

    def overlay_tags(self):
        return {entry["newTag"] for entry in self.overlay()["images"]}

    def set_cluster_images(self, images):
        (self.cluster / "images").write_text("".join(f"{k}\t{v}\n" for k, v in images.items()))

    def script(self, name, *args, env=None):
        return run([str(self.repo / "scripts/ci" / name), *args], env=env or self.env, cwd=self.repo)

    def git(self, *args, cwd=None):
        result = run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd or self.repo)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def test_apply_records_deploys_waits_and_rolls_back(self):
        deployed = self.script("deploy.sh", "production", "apply")
        self.assertEqual(deployed.returncode, 0, deployed.stdout + deployed.stderr)
        artifacts = self.repo / "ci-artifacts"
        previous = dict(line.split("\t") for line in (artifacts / "previous-images.tsv").read_text().splitlines())
        self.assertEqual(previous, self.before)
        self.assertEqual(self.overlay_tags(), {"abc123"})
        self.assertIn(f"{REGISTRY}/mercato/gateway:abc123", (artifacts / "expected-images.tsv").read_text())
        self.assertIn("apply --server-side -k", (self.cluster / "calls").read_text())

        waited = self.script("wait-ready.sh", "production")
        self.assertEqual(waited.returncode, 0, waited.stdout + waited.stderr)

        rolled_back = self.script("rollback.sh")
        self.assertEqual(rolled_back.returncode, 0, rolled_back.stdout + rolled_back.stderr)
        self.assertEqual(self.overlay_tags(), {"0.1.0"})
        self.assertIn("runs the images it ran before the deploy", rolled_back.stdout)

    def test_a_later_build_does_not_roll_back_an_earlier_ones_deploy(self):
        self.assertEqual(self.script("deploy.sh", "production", "apply").returncode, 0)
        later = dict(self.env, BUILD_TAG="jenkins-mercato-8")
        result = self.script("rollback.sh", env=later)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("this build deployed nothing", result.stdout)
        self.assertEqual(self.overlay_tags(), {"abc123"})

    def test_the_wait_fails_when_the_cluster_keeps_the_old_images(self):
        self.assertEqual(self.script("deploy.sh", "production", "apply").returncode, 0)
        self.set_cluster_images(self.before)
        result = self.script("wait-ready.sh", "production", env=dict(self.env, WAIT_TIMEOUT="2"))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("timed out waiting for the images", result.stderr)

    def test_a_stage_without_an_overlay_fails_clearly(self):
        result = self.script("deploy.sh", "staging", "apply")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("deploy/overlays/staging/kustomization.yaml does not exist", result.stderr)
        self.assertFalse((self.cluster / "calls").exists() and "apply" in (self.cluster / "calls").read_text())

    def test_gitops_pushes_the_images_and_reverts_them(self):
        remote = self.root / "remote.git"
        (self.repo / ".gitignore").write_text("ci-artifacts/\n")
        self.git("init", "--quiet", "--initial-branch=main")
        self.git("add", ".")
        self.git("commit", "--quiet", "-m", "initial")
        self.git("init", "--quiet", "--bare", str(remote), cwd=self.root)
        self.git("remote", "add", "origin", str(remote))
        self.git("push", "--quiet", "origin", "main")

        deployed = self.script("deploy.sh", "production", "gitops")
        self.assertEqual(deployed.returncode, 0, deployed.stdout + deployed.stderr)
        self.assertEqual(self.git("log", "-1", "--format=%s", "main", cwd=remote), "deploy(production): images abc123")
        self.assertNotIn("apply", (self.cluster / "calls").read_text())

        rolled_back = self.script("rollback.sh")
        self.assertEqual(rolled_back.returncode, 0, rolled_back.stdout + rolled_back.stderr)
        self.assertTrue(self.git("log", "-1", "--format=%s", "main", cwd=remote).startswith("Revert"))
        pushed = self.git("show", "main:deploy/overlays/prod/kustomization.yaml", cwd=remote)
        self.assertNotIn("abc123", pushed)

    def test_gitops_deploys_only_the_tip_of_the_branch(self):
        remote = self.root / "remote.git"
        (self.repo / ".gitignore").write_text("ci-artifacts/\n")
        self.git("init", "--quiet", "--initial-branch=main")
        self.git("add", ".")
        self.git("commit", "--quiet", "-m", "initial")
        self.git("init", "--quiet", "--bare", str(remote), cwd=self.root)
        self.git("remote", "add", "origin", str(remote))
        self.git("push", "--quiet", "origin", "main")
        self.git("commit", "--quiet", "--allow-empty", "-m", "not on main")
        result = self.script("deploy.sh", "production", "gitops")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("deploys only the tip of main", result.stderr)


if __name__ == "__main__":
    unittest.main()
