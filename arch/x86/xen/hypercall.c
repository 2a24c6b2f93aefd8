// SPDX-License-Identifier: GPL-2.0
/* Finding Xen, and the instruction its hypercalls take here. */
#include <pvkit/kernel.h>
#include <pvkit/string.h>
#include <asm/boot.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <xen/hypercall.h>
#include <xen/xen.h>
#include <xen/interface/errno.h>

enum xen_hypercall_insn xen_hypercall_insn;
static bool ready;
u32 xen_start_flags;
enum xen_domain_type xen_domain_type;

const char *xen_mode_name(void)
{
	switch (xen_domain_type) {
	case XEN_PV_DOMAIN: return "PV";
	case XEN_HVM_DOMAIN: return xen_hvm_guest() ? "HVM" : "PVH";
	default: return "none";
	}
}

/*
 * HVM, not PVH: Xen starts a PVH guest at its PVH entry, an HVM one in
 * its firmware, which reaches us through another entry (multiboot2 from
 * GRUB); a device model beside us says HVM whatever the entry.
 */
bool xen_hvm_guest(void)
{
	return xen_domain_type == XEN_HVM_DOMAIN &&
	       (boot_entry != BOOT_ENTRY_PVH || xen_hvm_device_model());
}

/*
 * Xen sits at 0x40000000, or one step up when it offers Viridian too.
 * The leaves are the boot CPU's kept ones: hypervisor detection asks them
 * again, and each CPUID is a VM exit.
 */
u32 xen_cpuid_base(void)
{
	struct cpuid_regs r;

	boot_cpuid(1, 0, &r);
	if (!(r.ecx & (1U << 31)))
		return 0;
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		char sig[12];

		boot_cpuid(base, 0, &r);
		if (r.eax < base || r.eax >= base + 0x100)
			break;
		memcpy(sig, &r.ebx, 4);
		memcpy(sig + 4, &r.ecx, 4);
		memcpy(sig + 8, &r.edx, 4);
		if (!memcmp(sig, "XenVMMXenVMM", 12))
			return base;
	}
	return 0;
}

/* Once, by the entry that knows the mode: hypercalls by insn from here on. */
void xen_start_hypercalls(enum xen_domain_type type, enum xen_hypercall_insn insn)
{
	xen_hypercall_insn = insn;
	xen_domain_type = type;
	ready = true;
}

/* PVH and HVM: the CPU vendor's instruction (a PV guest starts its own). */
void xen_init_hypercalls(void)
{
	xen_start_hypercalls(XEN_HVM_DOMAIN, cpu_hypercall_is_vmmcall() ?
			     XEN_HYPERCALL_VMMCALL : XEN_HYPERCALL_VMCALL);
}

bool xen_hypercalls_ready(void)
{
	return ready;
}

/* A list, not a switch: Xen's codes reach 95, a jump table 768 bytes. */
static const struct {
	u8 err;
	char text[19];
} xen_errors[] = {
	{ 0, "success" },
	{ XEN_EPERM, "not permitted" },
	{ XEN_ENOENT, "no such entry" },
	{ XEN_ENOMEM, "out of memory" },
	{ XEN_EFAULT, "bad address" },
	{ XEN_EINVAL, "invalid argument" },
	{ XEN_ENOSYS, "no such hypercall" },
	{ XEN_EBUSY, "busy" },
	{ XEN_EEXIST, "already exists" },
	{ XEN_ENODEV, "no such device" },
	{ XEN_EAGAIN, "try again" },
	{ XEN_EOPNOTSUPP, "not supported" },
};

const char *xen_strerror(long err)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(xen_errors); i++) {
		if (-err == xen_errors[i].err)
			return xen_errors[i].text;
	}
	return "unknown error";
}
