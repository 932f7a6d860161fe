#!/bin/sh
# Installs every Debian 12 package that building, the demo and the tests
# need: both supported kernels with headers (booted under QEMU), the
# reference IPVS tools, and the libraries the tools link against.
set -e
PKGS="build-essential pkg-config clang sparse kmod dkms
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
qemu-system-x86 busybox-static
libmnl-dev libevent-dev libssl-dev
iproute2 nftables ipvsadm keepalived socat python3 procps xz-utils cpio"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "install-deps: everything is installed"; exit 0; }
echo "install-deps: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
