/* SPDX-License-Identifier: GPL-2.0 */
/* What the architecture tells generic code and apps about the machine. */
#ifndef _PVKIT_PLATFORM_H
#define _PVKIT_PLATFORM_H

/* Prints the "cpu:" and "hypervisor:" lines of the info app. */
void platform_show(void);
/* The backend in use: "native", "kvm", "xen", "tcg", ... */
const char *hypervisor_name(void);

#endif
