# SPDX-License-Identifier: GPL-2.0
#
# vlb: build the module for one or every installed kernel, the tools, and
# run the tests. `make help` lists the targets.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
VERSION := 0.1.0

# The kernel to build for: the running one if its headers are installed,
# else the newest installed headers (build machines run a kernel with none).
KVERS := $(sort $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build)))
ifeq ($(KVER),)
  ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
    KVER := $(shell uname -r)
  else
    KVER := $(lastword $(shell ls -d /lib/modules/*/build 2>/dev/null | \
		sed 's|/lib/modules/||;s|/build||' | sort -V))
  endif
endif
KDIR ?= /lib/modules/$(KVER)/build
BUILDDIR := $(CURDIR)/build
MODSRC := Kbuild $(wildcard kmod/*.c kmod/*.h) include/uapi/linux/vlb.h

.PHONY: all module modules tools install install-module install-tools \
	dkms-install deps check check-host demo bench sparse clean help

all: module tools

# Each kernel gets its own copy of the sources so builds never share objects.
$(BUILDDIR)/%/vlb.ko: $(MODSRC)
	@mkdir -p $(BUILDDIR)/$*
	@cp --parents $(MODSRC) $(BUILDDIR)/$*/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILDDIR)/$* W=1 modules

module: $(BUILDDIR)/$(KVER)/vlb.ko

modules: $(foreach k,$(KVERS),$(BUILDDIR)/$(k)/vlb.ko)

sparse:
	@for k in $(KVERS); do \
		mkdir -p $(BUILDDIR)/sparse-$$k && \
		cp --parents $(MODSRC) $(BUILDDIR)/sparse-$$k/ && \
		$(MAKE) -C /lib/modules/$$k/build M=$(BUILDDIR)/sparse-$$k \
			C=2 CF="-D__CHECK_ENDIAN__" modules || exit 1; \
	done

tools:
	$(MAKE) -C tools

install: install-module install-tools

install-module: module
	install -D -m 644 $(BUILDDIR)/$(KVER)/vlb.ko \
		$(DESTDIR)/lib/modules/$(KVER)/updates/vlb.ko
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

install-tools: tools
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR) MANDIR=$(MANDIR)

DKMSDIR := $(DESTDIR)/usr/src/vlb-$(VERSION)
dkms-install:
	install -d $(DKMSDIR)
	cp --parents $(MODSRC) dkms.conf $(DKMSDIR)/
	dkms status vlb/$(VERSION) | grep -q . || dkms add vlb/$(VERSION)
	for k in $(KVERS); do \
		dkms build vlb/$(VERSION) -k $$k && \
		dkms install vlb/$(VERSION) -k $$k || exit 1; \
	done

deps:
	./scripts/install-deps.sh

# Host unit tests, then every selftest in a VM per installed kernel
# (VM=0: directly on this machine, which must be able to load modules).
VM ?= 1
check: modules tools
	$(MAKE) -C tools check
	./selftests/run.sh --vm=$(VM) $(foreach k,$(KVERS),--kernel=$(k))

check-host: tools
	$(MAKE) -C tools check

demo: deps
	$(MAKE) module tools
	./selftests/demo.sh --vm=$(VM) --kernel=$(KVER)

# The benchmark: vlb against IPVS and plain forwarding in one guest of
# BENCH_KVER (KVER=... on the command line, else the 6.12 kernel), ROUNDS
# interleaved rounds (default 5); QUICK=1 for one short sanity round.
BENCH_KVER := $(if $(filter command line,$(origin KVER)),$(KVER),$(lastword \
	$(filter 6.12%,$(KVERS)) $(if $(filter 6.12%,$(KVERS)),,$(KVER))))
$(BUILDDIR)/bench/tcpconn: selftests/bench/tcpconn.c
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

bench: $(BUILDDIR)/$(BENCH_KVER)/vlb.ko tools $(BUILDDIR)/bench/tcpconn
	./selftests/bench/bench.sh --kernel=$(BENCH_KVER) \
		$(if $(ROUNDS),--rounds=$(ROUNDS)) $(if $(QUICK),--quick) \
		$(if $(BENCH_TESTS),--tests="$(BENCH_TESTS)")

clean:
	rm -rf $(BUILDDIR)
	$(MAKE) -C tools clean

help:
	@echo "make [KVER=x]      build vlb.ko for one kernel and the tools"
	@echo "make modules       build vlb.ko for every installed kernel"
	@echo "make deps          install every Debian package needed"
	@echo "make check [VM=0]  host unit tests + all selftests on each kernel"
	@echo "make demo          a VM: client, director, three real servers"
	@echo "make bench [ROUNDS=n QUICK=1 KVER=x]  vlb vs IPVS vs forwarding"
	@echo "make install       module (KVER) + tools + man pages"
	@echo "make dkms-install  register the sources with DKMS and build"
	@echo "make sparse        sparse on every installed kernel"
