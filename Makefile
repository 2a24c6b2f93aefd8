# SPDX-License-Identifier: GPL-2.0
#
# pvkit top-level Makefile, in the style of Linux's kbuild:
#
#   make [O=dir] [V=1]          build $(O)/pvkit (default O=build)
#   make defconfig              $(O)/.config from configs/defconfig
#   make NAME_defconfig         $(O)/.config from configs/NAME_defconfig
#   make menuconfig | olddefconfig | savedefconfig
#   make run                    build and boot under QEMU (KVM if usable, else TCG)
#   make check                  build, host unit tests, sizes, boot matrix (tests/matrix.ini)
#   make size                   each configuration's text+data against configs/size-budget
#   make fuzz | fuzz-long       build the fuzz targets | search with each FUZZ_SECONDS (600)
#   make beds                   assemble the Xen dom0 and KVM L1 test beds into their caches
#   make clean | mrproper
#
# Every directory has a Makefile with obj-$(CONFIG_FOO) += foo.o and
# obj-y += subdir/ lines; scripts/Makefile.build turns each directory into
# a thin archive, and the archives are linked into one ELF64 image.

MAKEFLAGS += -rR --no-print-directory

O ?= build
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

srctree := $(CURDIR)
objtree := $(abspath $(O))

# Kconfiglib is Debian's python3-kconfiglib: it lives in the system
# Python's dist-packages, so use that interpreter whatever python3 is first
# on PATH.
KPYTHON ?= /usr/bin/python3
KCONFIG_ENV := KCONFIG_CONFIG=$(objtree)/.config srctree=$(srctree)

CC := gcc
LD := ld
AR := ar
NM := nm
OBJCOPY := objcopy
HOSTCC := gcc

KCONFIG := $(objtree)/.config
AUTOCONF := $(objtree)/include/config/auto.conf
AUTOHEADER := $(objtree)/include/generated/autoconf.h

export Q V srctree objtree CC LD AR NM HOSTCC AUTOCONF AUTOHEADER

# Targets that only touch the configuration or the tree must not read it.
no-config-targets := defconfig %_defconfig menuconfig olddefconfig \
	savedefconfig clean mrproper help deps deps-run size
config-targets := $(filter $(no-config-targets),$(MAKECMDGOALS))

# auto.conf is a makefile make knows how to remake: on a fresh tree make
# generates it (from configs/defconfig) and restarts, so that the CONFIG_
# values are known everywhere, the link step included.
ifeq ($(config-targets),)
-include $(AUTOCONF)
endif

# ---------------------------------------------------------------------------
# Compiler flags

KBUILD_CPPFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-I$(srctree)/arch/x86/include -I$(srctree)/include \
	-I$(objtree)/include -idirafter $(objtree)/include/uapi \
	-include $(AUTOHEADER) -D__KERNEL__ -D__XEN_INTERFACE_VERSION__=0x00040d00

KBUILD_CFLAGS := -std=gnu11 -ffreestanding -fno-builtin-printf -fno-common \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-3dnow -mno-avx -mgeneral-regs-only \
	-fno-stack-protector -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-strict-aliasing -fno-delete-null-pointer-checks \
	-Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Werror=implicit-function-declaration
# __FILE__ (BUG, WARN, KTAP failures) relative to the tree: the same
# message, and the same image size, wherever the tree is checked out.
KBUILD_CFLAGS += -fmacro-prefix-map=$(srctree)/=
# No "xor %eax, %eax" (the count of vector registers holding arguments)
# before each variadic call (printk and the like): without SSE none ever
# do, and no callee here reads it.
KBUILD_CFLAGS += -mskip-rax-setup

ifeq ($(CONFIG_FRAME_POINTER),y)
KBUILD_CFLAGS += -fno-omit-frame-pointer -fno-optimize-sibling-calls
else
KBUILD_CFLAGS += -fomit-frame-pointer
endif
ifeq ($(CONFIG_CC_OPTIMIZE_HARDER_FOR_SIZE),y)
# The stack kept 8-byte aligned only: nothing here needs more (no SSE,
# -mgeneral-regs-only), and frames lose their padding.
KBUILD_CFLAGS += -Oz -mpreferred-stack-boundary=3
else ifeq ($(CONFIG_CC_OPTIMIZE_FOR_SIZE),y)
KBUILD_CFLAGS += -Os
else
KBUILD_CFLAGS += -O2
endif
ifeq ($(CONFIG_DEBUG_INFO),y)
KBUILD_CFLAGS += -g
endif

KBUILD_AFLAGS := -D__ASSEMBLY__ -fno-pic -fno-pie
# --gc-sections (with -ffunction-sections -fdata-sections) leaves out what
# nothing references: helpers a configuration does not call, out-of-line
# copies of functions inlined everywhere.  The tables found by section
# (apps, initcalls, drivers, pv call sites...) are KEEP in pvkit.lds.S.
KBUILD_LDFLAGS := -nostdlib -n --gc-sections -z max-page-size=4096 -z noexecstack \
	--build-id=none --no-warn-rwx-segments
comma := ,
LD_WL :=

# CONFIG_LTO: objects carry GCC's intermediate code and the link compiles
# the whole image as one unit (-flto-partition=one), so calls across files
# are inlined and what no caller uses of a function goes too.  The link is
# then gcc's (the linker plugin), with the compiler flags and the linker's
# own through -Wl,; archives through gcc-ar so that their index has the
# intermediate objects' symbols.
ifeq ($(CONFIG_LTO),y)
KBUILD_CFLAGS += -flto -flto-partition=one
AR := gcc-ar
LD := $(CC)
LD_WL := -Wl,
KBUILD_LDFLAGS := $(KBUILD_CFLAGS) -nostdlib -nostartfiles -static -no-pie \
	$(addprefix -Wl$(comma),-n --gc-sections -z max-page-size=4096 -z noexecstack \
	--build-id=none --no-warn-rwx-segments)
endif

export KBUILD_CPPFLAGS KBUILD_CFLAGS KBUILD_AFLAGS

# Top-level directories, each linked as $(O)/DIR/built-in.a.
core-y := arch/x86 kernel mm lib drivers net apps
built-ins := $(addprefix $(objtree)/,$(addsuffix /built-in.a,$(core-y)))

LDS := $(objtree)/arch/x86/boot/pvkit.lds
IMAGE := $(objtree)/pvkit

quiet = $(if $(Q),@printf '  %-8s %s\n' '$(1)' '$(2)';)

.PHONY: all
all: $(IMAGE)

# ---------------------------------------------------------------------------
# Configuration

KCONFIG_FILES := $(shell find $(srctree) -name Kconfig -not -path '$(objtree)/*')

.PHONY: defconfig menuconfig olddefconfig savedefconfig
defconfig: deps-kconfig
	$(Q)mkdir -p $(objtree)
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m defconfig --kconfig Kconfig configs/defconfig

%_defconfig: deps-kconfig
	$(Q)test -f configs/$@ || { echo "no such configuration: configs/$@"; exit 1; }
	$(Q)mkdir -p $(objtree)
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m defconfig --kconfig Kconfig configs/$@

menuconfig: deps-kconfig
	$(Q)mkdir -p $(objtree)
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m menuconfig Kconfig

olddefconfig: deps-kconfig
	$(Q)mkdir -p $(objtree)
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m olddefconfig Kconfig

savedefconfig: deps-kconfig
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m savedefconfig --kconfig Kconfig \
		--out $(objtree)/defconfig
	@echo "wrote $(objtree)/defconfig"

$(KCONFIG):
	@echo "  no $(KCONFIG): using configs/defconfig"
	$(Q)$(MAKE) defconfig

# auto.conf (for make) and autoconf.h (for C) follow .config and Kconfig.
$(AUTOCONF): $(KCONFIG) $(KCONFIG_FILES)
	$(call quiet,GEN,include/generated/autoconf.h)
	$(Q)mkdir -p $(dir $(AUTOCONF)) $(dir $(AUTOHEADER))
	$(Q)$(KCONFIG_ENV) $(KPYTHON) -m genconfig --header-path $(AUTOHEADER) \
		--config-out $(AUTOCONF) Kconfig

# ---------------------------------------------------------------------------
# Build

# The Xen public interface comes from libxen-dev; it is reachable as
# <xen/interface/...>, the spelling Linux uses.
XEN_PUBLIC ?= /usr/include/xen
GENERATED_XEN := $(objtree)/include/xen/interface

$(GENERATED_XEN):
	$(Q)test -d $(XEN_PUBLIC) || { echo "missing $(XEN_PUBLIC): apt-get install libxen-dev"; exit 1; }
	$(Q)mkdir -p $(dir $@)
	$(Q)ln -sfn $(XEN_PUBLIC) $@

# The Linux UAPI headers (virtio, KVM) come from linux-libc-dev, searched
# after the kernel's own: <linux/virtio_ring.h>, <asm/kvm_para.h>.
UAPI_DIR := $(objtree)/include/uapi
UAPI_LINKS := $(UAPI_DIR)/linux $(UAPI_DIR)/asm $(UAPI_DIR)/asm-generic

$(UAPI_DIR)/linux:
	$(Q)mkdir -p $(UAPI_DIR) && ln -sfn /usr/include/linux $@
$(UAPI_DIR)/asm:
	$(Q)mkdir -p $(UAPI_DIR) && ln -sfn /usr/include/x86_64-linux-gnu/asm $@
$(UAPI_DIR)/asm-generic:
	$(Q)mkdir -p $(UAPI_DIR) && ln -sfn /usr/include/asm-generic $@

.PHONY: prepare
prepare: $(AUTOCONF) $(GENERATED_XEN) $(UAPI_LINKS)

$(built-ins): prepare FORCE
	$(Q)$(MAKE) -f $(srctree)/scripts/Makefile.build obj=$(patsubst $(objtree)/%/built-in.a,%,$@)

$(LDS): $(srctree)/arch/x86/boot/pvkit.lds.S $(AUTOCONF)
	$(call quiet,LDS,arch/x86/boot/pvkit.lds)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c $(KBUILD_CPPFLAGS) -D__ASSEMBLY__ -o $@ $<

# The image is linked twice when the symbol table is wanted: the first link
# gives the text addresses, the table is generated from them and the second
# link adds it at the end of .rodata, after all code, so no text address
# moves.  scripts/link-pvkit checks that.
$(IMAGE): $(built-ins) $(LDS) $(srctree)/scripts/link-pvkit $(srctree)/scripts/kallsyms.py
	$(call quiet,LD,pvkit)
	$(Q)LD="$(LD)" LD_WL="$(LD_WL)" NM="$(NM)" CC="$(CC)" KALLSYMS="$(CONFIG_KALLSYMS)" \
		CPPFLAGS="$(KBUILD_CPPFLAGS)" LDFLAGS="$(KBUILD_LDFLAGS)" \
		PYTHON=python3 $(srctree)/scripts/link-pvkit $@ $(LDS) $(built-ins)
	$(Q)size $@ | awk 'NR==2 { printf "  IMAGE    %s: %d bytes (text %d, data %d, bss %d); file %d bytes\n", \
		"$(O)/pvkit", $$1 + $$2, $$1, $$2, $$3, '"$$(stat -c %s $@)"' }'

# The flat image with a Multiboot header (scripts/mkflat): QEMU -kernel
# and Xen HVM kernel= load it.
FLAT_IMAGE := $(if $(CONFIG_MULTIBOOT),$(IMAGE).bin)
all: $(FLAT_IMAGE)
$(IMAGE).bin: $(IMAGE) $(srctree)/scripts/mkflat
	$(call quiet,FLAT,pvkit.bin)
	$(Q)OBJCOPY="$(OBJCOPY)" NM="$(NM)" $(srctree)/scripts/mkflat $< $@

# ---------------------------------------------------------------------------
# Host unit tests: the machine-independent code compiled for the host.

HOST_TEST := $(objtree)/tests/unit/host-tests

.PHONY: host-tests
host-tests: prepare
	$(Q)$(MAKE) -f $(srctree)/tests/unit/Makefile

# Fuzz targets (clang, libFuzzer).  make check runs each a fixed number of
# times from seed 1 (the same inputs every run); fuzz-long searches: every
# target FUZZ_SECONDS with a random seed, its corpus kept in build/fuzz/corpus.
FUZZ_SECONDS ?= 600
.PHONY: fuzz fuzz-long
fuzz: prepare
	$(Q)$(MAKE) -f $(srctree)/tests/fuzz/Makefile

fuzz-long: fuzz
	$(Q)set -e; for t in $(objtree)/fuzz/*_fuzz; do \
		n=$$(basename $$t _fuzz); \
		$(srctree)/tests/fuzz/run --seconds $(FUZZ_SECONDS) $(objtree) $$n; \
		if [ $$n = evtchn ]; then EVTCHN_FUZZ_2L=1 \
			$(srctree)/tests/fuzz/run --seconds $(FUZZ_SECONDS) $(objtree) $$n; fi; \
	done

# ---------------------------------------------------------------------------
# Dependencies, run, check

# deps: what make check and make bench need; deps-run: only what building
# and booting the default image needs.  Neither installs Xen on the host
# (scripts/install-deps says why and where it comes from instead).
.PHONY: deps deps-run deps-kconfig
deps:
	$(Q)$(srctree)/scripts/install-deps all

deps-run:
	$(Q)$(srctree)/scripts/install-deps run

deps-kconfig:
	$(Q)$(srctree)/scripts/install-deps kconfig

RUNNER := $(srctree)/tests/run
RUNNER_FLAGS := --builddir $(objtree) $(if $(filter 1,$(V)),-v)

# XEN=1 (or XEN=pvh) boots the image as Xen's PVH dom0, XEN=pv as its PV
# dom0, on Xen 4.17 under QEMU; the info app unless APPEND names another.
RUN_ENV := $(if $(filter pv,$(XEN)),xen-pv-dom0,$(if $(XEN),xen-pvh-dom0,auto))
RUN_APPEND := $(or $(APPEND),$(if $(XEN),app=info))

.PHONY: run
run: deps-run
	$(Q)$(MAKE) all
	$(Q)$(RUNNER) $(RUNNER_FLAGS) --boot $(RUN_ENV) $(if $(RUN_APPEND),--append "$(RUN_APPEND)")

.PHONY: check
check: deps
	$(Q)$(MAKE) all
	$(Q)$(MAKE) host-tests
	$(Q)$(MAKE) fuzz
	$(Q)python3 $(srctree)/tests/test_runner.py -q
	$(Q)$(MAKE) size
	$(Q)$(RUNNER) $(RUNNER_FLAGS) --junit $(objtree)/tests/junit.xml $(if $(ENV),--env '$(ENV)')

# Image sizes: every configuration of configs/size-budget built in its own
# $(O)/configs/NAME, its text+data printed and held to its budget.
.PHONY: size
size:
	$(Q)python3 $(srctree)/scripts/size-check --builddir $(objtree)

# The Xen dom0 and KVM L1 beds (and Xen itself) assembled once into
# $(O)/xen-dom0-cache and $(O)/kvm-l1-cache, keyed by their package
# versions: later runs start at once and work offline (docs/runner.md).
.PHONY: beds
beds:
	$(Q)$(RUNNER) $(RUNNER_FLAGS) --prepare

# Benchmarks: the same workloads over each device model and accelerator,
# pvkit beside Linux's fio, in one run (build/bench/results.md, CSV, SVG
# charts; docs/benchmarks.md).  QUICK=1: about a minute.
# The boot row's floor: a PVH ELF that exits at once (tests/tools/floor.S).
BENCH_FLOOR := $(objtree)/bench/floor
$(BENCH_FLOOR): $(srctree)/tests/tools/floor.S
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -m32 -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none -o $@ $<

.PHONY: bench
bench:
	$(Q)$(srctree)/scripts/install-deps bench
	$(Q)$(MAKE) all $(BENCH_FLOOR)
	$(Q)python3 $(srctree)/scripts/bench --builddir $(objtree) $(if $(filter 1,$(QUICK)),--quick)

.PHONY: clean mrproper
clean:
	$(Q)rm -rf $(objtree)/arch $(objtree)/kernel $(objtree)/mm $(objtree)/lib \
		$(objtree)/drivers $(objtree)/net $(objtree)/apps $(objtree)/tests \
		$(objtree)/fuzz $(IMAGE) $(IMAGE).*
mrproper:
	$(Q)rm -rf $(objtree)

.PHONY: help
help:
	@sed -n '3,15p' Makefile | sed 's/^# \{0,1\}//'

.PHONY: FORCE
FORCE:
