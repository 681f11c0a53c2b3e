#!/usr/bin/env bash
# Runs every static check of the AWS deployment, in order, and fails if any fails: Terraform's
# formatting, checkov over terraform/, the Terraform tests, the eksctl IAM tests, the pipeline
# scripts' tests, shellcheck over the shell scripts, npm-groovy-lint over the Jenkinsfile, and
# the Helm releases' pins. Each check prints one line (PASS or FAIL); a failing
# check's output follows its line. Nothing here reaches AWS or a cluster.
#
#   scripts/check-infra.sh
#
# Tools, all installed by scripts/deps.sh (a missing one fails its check and says so):
#   MERCATO_VENV            the virtualenv of the Python tests: PyYAML and python-hcl2 (default
#                           ~/.cache/mercato/venv)
#   MERCATO_CHECKOV_VENV    a virtualenv of checkov's own (default ~/.cache/mercato/checkov-venv):
#                           checkov brings bc-python-hcl2, which installs the same `hcl2` module
#                           as python-hcl2 with another API, so the two cannot share one
#   MERCATO_GROOVY_LINT     the folder npm-groovy-lint is installed in (default
#                           ~/.cache/mercato/groovylint)
#   terraform, shellcheck   from PATH
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=${MERCATO_VENV:-$HOME/.cache/mercato/venv}
checkov_venv=${MERCATO_CHECKOV_VENV:-$HOME/.cache/mercato/checkov-venv}
groovy_lint_dir=${MERCATO_GROOVY_LINT:-$HOME/.cache/mercato/groovylint}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
results=()

# check NAME COMMAND...: runs one check, its output kept for when it fails.
check() {
  local name=$1 log
  shift
  log=$logs/${#results[@]}.log
  if "$@" >"$log" 2>&1; then
    results+=("PASS  $name")
    printf 'PASS  %s\n' "$name"
  else
    results+=("FAIL  $name")
    failed+=("$name")
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      /' "$log" | tail -n 60
  fi
}

# need TOOL HINT: fails the check that calls it when TOOL is not there.
need() {
  [[ -x $1 ]] || command -v "$1" >/dev/null || { echo "$1 is not installed: $2"; return 1; }
}

python_tests() {
  need "$venv/bin/python" "make the virtualenv with scripts/deps.sh, or set MERCATO_VENV" || return 1
  "$venv/bin/python" -m unittest discover -s "$1"
}

terraform_fmt() {
  need terraform "install terraform" || return 1
  terraform fmt -check -recursive -diff terraform
}

checkov_scan() {
  need "$checkov_venv/bin/checkov" "scripts/deps.sh installs it" || return 1
  "$checkov_venv/bin/checkov" -d terraform --config-file terraform/.checkov.yaml --quiet --compact
}

# shell_scripts: every shell script of scripts/, deploy/helm/ and eksctl/ (by name or shebang).
shell_scripts() {
  local file
  while IFS= read -r -d '' file; do
    if [[ $file == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!.*\b(ba)?sh\b'; then
      echo "$file"
    fi
  done < <(find scripts deploy/helm eksctl -type f -not -path '*/node_modules/*' -print0 | sort -z)
}

# The scripts of the AWS deployment are clean at every severity. The older scripts of scripts/
# keep a few notes of style on purpose (ls over a folder of known names, $ in single-quoted
# strings meant for another shell), so they are held to warnings and errors. Libraries have no
# shebang: they are bash, and the variables they read are set by the scripts sourcing them.
shellcheck_all() {
  need shellcheck "apt-get install shellcheck" || return 1
  local file status=0 args
  while read -r file; do
    args=(--external-sources --source-path=SCRIPTDIR --source-path=.)
    case $file in
      scripts/ci/* | scripts/check-infra.sh | deploy/helm/* | eksctl/*) ;;
      *) args+=(--severity=warning) ;;
    esac
    head -n 1 "$file" | grep -q '^#!' || args+=(--shell=bash --exclude=SC2154)
    shellcheck "${args[@]}" "$file" || status=1
  done < <(shell_scripts)
  return "$status"
}

groovy_lint() {
  local lint=$groovy_lint_dir/node_modules/.bin/npm-groovy-lint
  need "$lint" "scripts/deps.sh installs it" || return 1
  need java "npm-groovy-lint runs CodeNarc on Java 17: install a JRE" || return 1
  # --noserver: no CodeNarc server is left running after the check.
  "$lint" --noserver --failon warning Jenkinsfile
}

# Every release names an exact chart version (no range, no "latest"), a chart repository and a
# values file that parses.
helm_pins() {
  need "$venv/bin/python" "make the virtualenv with scripts/deps.sh, or set MERCATO_VENV" || return 1
  "$venv/bin/python" - deploy/helm/releases.tsv <<'PY'
import pathlib, re, sys
import yaml

path = pathlib.Path(sys.argv[1])
problems, names = [], set()
for number, line in enumerate(path.read_text().splitlines(), 1):
    if not line.strip() or line.startswith("#"):
        continue
    fields = line.split("\t")
    if len(fields) != 6:
        problems.append(f"line {number}: {len(fields)} fields, not 6 (release, namespace, repository, chart, version, values)")
        continue
    release, namespace, repository, chart, version, values = fields
    if release in names:
        problems.append(f"line {number}: {release} is listed twice")
    names.add(release)
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        problems.append(f"line {number}: {release}'s version {version!r} is not an exact version")
    if not repository.startswith("https://"):
        problems.append(f"line {number}: {release}'s repository {repository!r} is not an https URL")
    values_path = path.parent / values
    if not values_path.is_file():
        problems.append(f"line {number}: {values_path} does not exist")
    else:
        yaml.safe_load(values_path.read_text())
if not names:
    problems.append("no release is listed")
print("\n".join(problems) or f"{len(names)} releases pinned: {', '.join(sorted(names))}")
sys.exit(1 if problems else 0)
PY
}

main() {
  check "terraform fmt" terraform_fmt
  check "checkov terraform" checkov_scan
  check "terraform tests" python_tests terraform/tests
  check "eksctl tests" python_tests eksctl/tests
  check "pipeline script tests" python_tests scripts/ci/tests
  check "shellcheck" shellcheck_all
  check "npm-groovy-lint Jenkinsfile" groovy_lint
  check "helm release pins" helm_pins

  if ((${#failed[@]} > 0)); then
    printf '\ncheck-infra: %d of %d checks failed: %s\n' "${#failed[@]}" "${#results[@]}" "${failed[*]}"
    exit 1
  fi
  printf '\ncheck-infra: every check passed\n'
}

main "$@"
