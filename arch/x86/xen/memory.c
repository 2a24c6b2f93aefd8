// SPDX-License-Identifier: GPL-2.0
/*
 * The memory map, when the PVH start info has none (version 0, as Xen
 * 4.17 gives its initial domain): XENMEM_memory_map returns it as e820
 * entries of the domain's own physical address space.
 */
#include <pvkit/kernel.h>
#include <pvkit/bootinfo.h>
#include <xen/hypercall.h>
#include <xen/xen.h>

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

static struct e820_entry map[BOOT_MEMMAP_MAX];

int xen_fill_memory_map(struct boot_info *bi)
{
	struct xen_memory_map mm = { .nr_entries = BOOT_MEMMAP_MAX };
	long err;

	if (!xen_hypercalls_ready())
		xen_init_hypercalls();
	set_xen_guest_handle(mm.buffer, map);
	err = HYPERVISOR_memory_op(XENMEM_memory_map, &mm);
	if (err) {
		pr_err("xen: XENMEM_memory_map: %s (%ld)\n", xen_strerror(err), err);
		return err;
	}
	/* The count comes back from Xen: no more than the buffer holds. */
	for (unsigned int i = 0; i < mm.nr_entries && i < BOOT_MEMMAP_MAX; i++)
		bootinfo_add_mem(bi, map[i].addr, map[i].size, map[i].type);
	return 0;
}
