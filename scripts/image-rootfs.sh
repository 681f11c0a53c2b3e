#!/usr/bin/env bash
# Lays out the root filesystem of one component's runtime image: the binary, the shared
# libraries it loads (from `ldd`, with the dynamic loader), CA certificates, and the few files
# the C library reads (the non-root user the image runs as, host name resolution). No shell, no
# package manager, nothing else: the Dockerfile's runtime stage copies this folder onto
# `scratch`.
#
#   scripts/image-rootfs.sh BINARY OUT_DIR
#
# Run in the Dockerfile's build stage (Debian), where BINARY was built.
set -euo pipefail

binary=$1
out=$2
uid=10001

[[ -x $binary ]] || { echo "image-rootfs: $binary is not an executable" >&2; exit 1; }
rm -rf "$out"
install -d "$out/usr/local/bin" "$out/etc/ssl/certs"
install -d -m 1777 "$out/tmp"
install -m 0755 "$binary" "$out/usr/local/bin/component"

# Every library the binary loads, at the path the loader looks for it, plus the loader itself,
# which must be executable: the kernel execs it to start the binary. glibc 2.34 and later carry
# the `files` and `dns` name services inside libc, so no libnss_* module is needed for host
# names to resolve.
loader=$(readelf -l "$binary" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
while read -r library; do
  mode=0644
  [[ $library == "$loader" ]] && mode=0755
  install -D -m "$mode" "$(readlink -f "$library")" "$out$library"
done < <(ldd "$binary" | grep -oE '/[^ ]+' | sort -u)
[[ -x $out$loader ]] || { echo "image-rootfs: the loader $loader of $binary is missing" >&2; exit 1; }

install -m 0644 /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
cat >"$out/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
mercato:x:$uid:$uid:mercato:/nonexistent:/usr/sbin/nologin
EOF
cat >"$out/etc/group" <<EOF
root:x:0:
mercato:x:$uid:
EOF
echo 'hosts: files dns' >"$out/etc/nsswitch.conf"
