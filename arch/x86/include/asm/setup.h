/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_SETUP_H
#define _ASM_X86_SETUP_H

#include <pvkit/bootinfo.h>

void trap_init(void);
/* CPU detection and the parts of the platform start_kernel needs first. */
void arch_setup(struct boot_info *bi);

#endif
