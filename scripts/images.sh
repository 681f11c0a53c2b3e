#!/usr/bin/env bash
# Builds the container image of every component (or of those named) from the Dockerfile with
# buildah, then prints each image's size. No Docker daemon is needed: buildah builds, podman runs
# (both from Debian, with runc and the limits in scripts/containers.conf).
#
#   scripts/images.sh                  every component in scripts/components.tsv
#   scripts/images.sh gateway auth     only these
#
# Settings (environment):
#   IMAGE_REPOSITORY  where the images are named (default localhost/mercato: localhost/mercato/gateway)
#   IMAGE_TAG         their tag (default dev)
#   RUST_IMAGE        the build stage's base; by default a local one, localhost/mercato-rust,
#                     made once from Debian bookworm (debootstrap) and this machine's Rust
#                     toolchain, for machines that reach no container registry
#   DEBIAN_MIRROR     the mirror debootstrap uses (default http://deb.debian.org/debian)
#
# Layers are cached: the dependencies are compiled again only when Cargo.lock or a manifest
# changes, and the nine images share one build stage. The gateway's image also holds the web
# client, which this script builds first (scripts/web.sh build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
log_prefix=images
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

export CONTAINERS_CONF=$root/scripts/containers.conf
repository=${IMAGE_REPOSITORY:-localhost/mercato}
logs=${MERCATO_STATE_DIR:-$HOME/.cache/mercato}/logs
mkdir -p "$logs"
tag=${IMAGE_TAG:-dev}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

apt_install buildah podman runc debootstrap

# The build stage's base: Debian bookworm with the C toolchain, and the Rust toolchain of this
# machine (the only one it has) where the official image keeps it. Sets rust_image.
local_rust_image() {
  local version image rootfs
  version=$(rustc --version | awk '{ print $2 }')
  image=localhost/mercato-rust:$version-bookworm
  if ! podman image exists "$image"; then
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    say "making $image (debootstrap from $mirror, then the local Rust $version)"
    debootstrap --variant=minbase --include=gcc,libc6-dev,pkg-config,libssl-dev,ca-certificates \
      bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -n 20 "$rootfs.log" >&2; die "debootstrap failed"; }
    rm -f "$rootfs.log"
    cp -a "$(rustc --print sysroot)" "$rootfs/usr/local/rust"
    install -d "$rootfs/usr/local/cargo/bin"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import \
      --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV CARGO_HOME=/usr/local/cargo' \
      - "$image" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
    changed "made the build image $image"
  fi
  rust_image=$image
}

if [[ -n ${RUST_IMAGE:-} ]]; then
  rust_image=$RUST_IMAGE
else
  local_rust_image
fi

# This machine's CA bundle, for the crate downloads of the build: where TLS goes through an
# inspecting proxy, only the machine's own bundle holds the proxy's CA.
ca_args=()
host_ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
if [[ -f $host_ca ]]; then
  ca_args=(--volume "$host_ca:/usr/local/share/mercato-build-ca.crt:ro"
    --build-arg EXTRA_CA_BUNDLE=/usr/local/share/mercato-build-ca.crt)
fi

wanted=("$@")
wants() { ((${#wanted[@]} == 0)) || [[ " ${wanted[*]} " == *" $1 "* ]]; }

# The gateway's image carries the web client: its stage takes web/dist as a build context.
if wants gateway; then
  scripts/web.sh build
fi

built=()
while read -r name port _ _ _; do
  wants "$name" || continue
  started=$SECONDS
  stage_args=()
  if [[ $name == gateway ]]; then
    stage_args=(--target gateway --build-context "web=$root/web/dist")
  fi
  # Host networking: the build stage fetches crates, and no container network is needed.
  if ! buildah build --layers --network host --quiet "${ca_args[@]}" "${stage_args[@]}" \
      --build-arg "RUST_IMAGE=$rust_image" --build-arg "COMPONENT=$name" --build-arg "PORT=$port" \
      --tag "$repository/$name:$tag" --file Dockerfile . >"$logs/image-$name.log" 2>&1; then
    tail -n 40 "$logs/image-$name.log" >&2
    die "building $name failed (whole log: $logs/image-$name.log)"
  fi
  say "built $repository/$name:$tag in $((SECONDS - started))s"
  built+=("$name")
done < <(grep -v '^#' scripts/components.tsv)

((${#built[@]} > 0)) || die "no component named ${wanted[*]} in scripts/components.tsv"
printf '%-16s %s\n' image size
for name in "${built[@]}"; do
  size=$(podman image inspect --format '{{.Size}}' "$repository/$name:$tag")
  printf '%-16s %s MB\n' "$name" "$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1000000 }')"
done
