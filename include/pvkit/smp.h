/* SPDX-License-Identifier: GPL-2.0 */
/* smp_processor_id(), this_cpu(), cross-calls: the architecture's (asm/smp.h). */
#ifndef _PVKIT_SMP_H
#define _PVKIT_SMP_H

#include <asm/smp.h>

#endif
