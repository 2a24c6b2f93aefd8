/* SPDX-License-Identifier: GPL-2.0 */
/*
 * local_irq_save/restore/enable/disable, safe_halt: the architecture
 * provides them through its paravirt ops.
 */
#ifndef _PVKIT_IRQFLAGS_H
#define _PVKIT_IRQFLAGS_H

#include <asm/paravirt.h>

#endif
