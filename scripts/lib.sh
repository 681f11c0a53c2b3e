# Helpers shared by the set-up scripts (sourced, not run): messages prefixed by the script's
# name, a change counter, waiting for a command to succeed, and installing Debian packages.
#
# The sourcing script sets `log_prefix` (e.g. `deps`) before sourcing.

changes=0
apt_updated=

say() { printf '%s: %s\n' "$log_prefix" "$*"; }
changed() { changes=$((changes + 1)); say "$*"; }
die() { printf '%s: error: %s\n' "$log_prefix" "$*" >&2; exit 1; }

# Waits up to $2 seconds for the command after it to succeed.
wait_until() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what did not answer within ${seconds}s"
    sleep 0.5
  done
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Installs the Debian packages that are missing.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "root is needed to install ${missing[*]}"
  if [[ -z $apt_updated ]]; then
    apt-get update -qq
    apt_updated=1
  fi
  # Packages must not start services through init scripts here: the scripts start them.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed "installed ${missing[*]}"
}
