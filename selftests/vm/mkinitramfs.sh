#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the tiny initramfs that boots a Debian kernel into the host's own
# root filesystem: busybox-static, the stage-1 init (selftests/vm/init) and
# just the modules needed to reach the root over virtio 9p and to put a tmpfs
# overlay on it. Which modules those are differs between kernels (virtio is
# modular on 6.1 and built in on 6.12), so they are resolved with modinfo's
# dependency lists rather than hard-coded, and copied decompressed so that
# busybox's insmod can load them whatever compression the kernel uses.
#
# Usage: mkinitramfs.sh KVER OUTPUT.cpio.gz
# The output is rebuilt only when it is older than this script, init or
# busybox, so one build serves every later run.
set -euo pipefail

kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox || true)
[[ -x /bin/busybox ]] && busybox=/bin/busybox
# ldd fails on a static executable; file(1) may not be installed.
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: need a static busybox (apt install busybox-static)" >&2
	exit 1
fi

if [[ -s $out && $out -nt $0 && $out -nt $here/init && $out -nt $busybox ]]; then
	exit 0
fi

# The modules stage 1 must load; their dependencies come first.
wanted=(virtio_pci 9pnet_virtio 9p overlay)
declare -A seen=()
order=()
add_module() {
	local m=$1 file dep
	[[ -n ${seen[$m]:-} ]] && return 0
	seen[$m]=1
	file=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) || {
		echo "mkinitramfs: $kver has no module $m" >&2
		return 1
	}
	[[ $file == "(builtin)" ]] && return 0
	for dep in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do
		add_module "$dep"
	done
	order+=("$file")
}
for m in "${wanted[@]}"; do
	add_module "$m"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,lower,rw,newroot,modules}
cp "$busybox" "$tmp/bin/busybox"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"
: >"$tmp/modules/order"
for f in "${order[@]}"; do
	name=$(basename "$f")
	case $name in
	*.ko.xz) xz -dc "$f" >"$tmp/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$f" >"$tmp/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$f" >"$tmp/modules/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$f" "$tmp/modules/$name" ;;
	esac
	echo "$name" >>"$tmp/modules/order"
done

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.$$"
mv "$out.$$" "$out"
