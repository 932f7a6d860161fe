#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots one installed Debian kernel under QEMU (TCG: KVM guests hang on these
# machines) with the host's root as the guest's root, runs one command file
# inside and powers off. The kernel log goes to DIR/console.log, the
# command's output to DIR/result.log (a second serial port), which ends with
# "vlb-vm-exit: N". With --follow the result is printed as it arrives.
#
# Usage: run-vm.sh --kernel=KVER --dir=DIR [--timeout=SECS] [--follow]
#                  [--mem=MB] [--smp=N] CMDFILE
# Exit status: the command's, or 124 on timeout, or 125 when the guest died
# without reporting one. VLB_VM_MEM (MB), VLB_VM_SMP, VLB_VM_CPU (default
# max) and VLB_VM_APPEND (more kernel arguments) adjust the machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=
dir=
tmo=1200
follow=0
mem=${VLB_VM_MEM:-2048}
smp=${VLB_VM_SMP:-2}
for arg; do
	case $arg in
	--kernel=*) kver=${arg#*=} ;;
	--dir=*) dir=${arg#*=} ;;
	--timeout=*) tmo=${arg#*=} ;;
	--follow) follow=1 ;;
	--mem=*) mem=${arg#*=} ;;
	--smp=*) smp=${arg#*=} ;;
	-*) echo "run-vm: unknown option $arg" >&2; exit 2 ;;
	*) cmdfile=$arg ;;
	esac
done
[[ -n $kver && -n $dir && -n ${cmdfile:-} ]] || {
	echo "usage: run-vm.sh --kernel=KVER --dir=DIR [--timeout=S] [--follow] CMDFILE" >&2
	exit 2
}
vmlinuz=/boot/vmlinuz-$kver
[[ -r $vmlinuz ]] || { echo "run-vm: no $vmlinuz" >&2; exit 2; }
cmdfile=$(realpath "$cmdfile")
mkdir -p "$dir"
dir=$(realpath "$dir")

initrd=$top/build/vm/initramfs-$kver.cpio.gz
"$here/mkinitramfs.sh" "$kver" "$initrd"

: >"$dir/console.log"
: >"$dir/result.log"
# oops=panic + panic=-1 end a crashed guest at once. VLB_VM_SLUB_DEBUG=
# FZPU,vlb* puts vlb's connection cache under slub_debug to hunt a
# use-after-free; it is off by default because table.sh measures the
# cache's real layout (objects left at rmmod warn either way).
append="console=ttyS0 loglevel=5 panic=-1 oops=panic mitigations=off"
append+="${VLB_VM_SLUB_DEBUG:+ slub_debug=$VLB_VM_SLUB_DEBUG}"
append+=" random.trust_cpu=on tsc=reliable"
append+=" ${VLB_VM_APPEND:-} vlbguest=$here/guest.sh vlbcmd=$cmdfile vlbcwd=$top"

qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu "${VLB_VM_CPU:-max}" -smp "$smp" -m "$mem"
	-nodefaults -nographic -no-reboot -monitor none
	-kernel "$vmlinuz" -initrd "$initrd" -append "$append"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-device virtio-rng-pci
	-serial "file:$dir/console.log" -serial "file:$dir/result.log")

timeout --foreground -k 5 "$tmo" "${qemu[@]}" </dev/null >"$dir/qemu.log" 2>&1 &
qpid=$!
# Interrupted: take the guest down too (timeout passes the signal on).
trap 'kill $qpid 2>/dev/null; exit 130' INT TERM
if ((follow)); then
	tail -n +1 -F --pid=$qpid "$dir/result.log" 2>/dev/null | grep -v '^vlb-vm-exit: ' || true
fi
qrc=0
wait $qpid || qrc=$?
if ((qrc == 124)); then
	echo "run-vm: $kver: guest timed out after ${tmo}s" >&2
	exit 124
fi
rc=$(sed -n 's/^vlb-vm-exit: \([0-9]*\).*/\1/p' "$dir/result.log" | tail -n 1)
if [[ -z $rc ]]; then
	echo "run-vm: $kver: guest ended without an exit status (qemu status $qrc)" >&2
	tail -n 30 "$dir/console.log" >&2
	exit 125
fi
exit "$rc"
