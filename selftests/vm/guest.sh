#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the test VM: PID 1 once stage 1 has switched into the overlay
# on the host's root, so every host tool (bash, ip, ipvsadm, python3, the
# freshly built vlb.ko and vlbadm) is here. It mounts the usual pseudo file
# systems, runs the command file named by vlbcmd= in directory vlbcwd= with
# its output on the second serial port (the host's result file, away from
# kernel messages on the console), reports the command's exit status there
# as "vlb-vm-exit: N" and powers off.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# A tree checked out under /tmp (CI may clone there) must stay visible:
# the overlay's /tmp is writable already, so only hide the host's /tmp
# behind a fresh tmpfs when the tree lives elsewhere.
case "${vlbcwd:-/}/ $vlbcmd" in
*/tmp/*) ;;
*) mount -t tmpfs tmpfs /tmp ;;
esac
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /run/lock
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname vlb-vm
ip link set lo up
# Keep the kernel log quiet on the console except for what matters
# (warnings and worse), and let sysrq power the machine off.
echo 1 >/proc/sys/kernel/sysrq

out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
rc=1
if [[ -r $vlbcmd ]]; then
	cd "${vlbcwd:-/}" && bash "$vlbcmd" >"$out" 2>&1 </dev/null
	rc=$?
else
	echo "vlb-vm: no command file '$vlbcmd'" >"$out"
fi
echo "vlb-vm-exit: $rc" >"$out"
sync
# reboot(2) at once (busybox-static is installed on the host); PID 1 must
# never exit, which would panic the kernel.
busybox poweroff -f
echo o >/proc/sysrq-trigger
exec sleep infinity
