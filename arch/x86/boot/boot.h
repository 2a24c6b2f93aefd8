/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ARCH_X86_BOOT_BOOT_H
#define _ARCH_X86_BOOT_BOOT_H

#include <pvkit/bootinfo.h>

void pvh_early(u32 start_info_phys);
void pvh_parse(struct boot_info *bi, u32 start_info_phys);
void multiboot2_parse(struct boot_info *bi, u32 magic, u32 mbi_phys);
u64 x86_find_rsdp_bios(void);

#endif
