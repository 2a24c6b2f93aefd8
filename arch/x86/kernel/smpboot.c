// SPDX-License-Identifier: GPL-2.0
/*
 * Bringing up the secondary CPUs: every enabled processor the MADT lists
 * is started with INIT-SIPI-SIPI, one at a time, through the real-mode
 * trampoline (trampoline_64.S).  A CPU gets a stack, a double-fault stack,
 * its own GDT and TSS, the shared IDT, its GS base pointing at its struct
 * percpu, and its local APIC enabled; then it waits in hlt for work handed
 * to it by cross-call (smp.c).  One that is not online by an absolute
 * deadline is sent INIT again (so that a late start cannot run on the
 * next CPU's trampoline data), reported and left out.
 */
#include <pvkit/kernel.h>
#include <pvkit/acpi.h>
#include <pvkit/bootinfo.h>
#include <pvkit/init.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/apic.h>
#include <asm/page.h>
#include <asm/paravirt.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/smp.h>

#define MSR_EFER		0xc0000080
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define MSR_GS_BASE		0xc0000101
#define SMP_BOOT_TIMEOUT_NS	(5 * NSEC_PER_SEC)
#define INIT_DELAY_MS		10
#define SIPI_DELAY_US		200

/* Zeroed (in .bss, not 15 KiB of image); smp_prepare_boot_cpu() fills in CPU 0. */
struct percpu percpu_area[NR_CPUS];
unsigned int nr_cpus_online = 1;
bool percpu_ready;

extern const u8 trampoline_start[], trampoline_end[];
extern u8 tr_cr3[], tr_stack[], tr_efer[], tr_cpu[], tr_entry[];
extern const u8 ap_start64[];

/* The control registers the boot CPU runs with, for the others. */
static unsigned long boot_cr0, boot_cr4;

/* Where a trampoline symbol is in the copy below 1 MiB. */
static void *tr_field(const u8 *sym)
{
	return (u8 *)phys_to_virt(TRAMPOLINE_PHYS) + (sym - trampoline_start);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* The trampoline's pages must be RAM the loader left nothing in. */
static bool trampoline_usable(void)
{
	u64 len = TRAMPOLINE_PAGES * PAGE_SIZE;
	bool ram = false;

	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct boot_mem_range *r = &boot_info.mem[i];

		if (r->type == BOOT_MEM_RAM && r->addr <= TRAMPOLINE_PHYS &&
		    TRAMPOLINE_PHYS + len <= r->addr + r->size)
			ram = true;
	}
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		if (overlaps(TRAMPOLINE_PHYS, len, m->addr, m->size))
			return false;
	}
	return ram;
}

/*
 * The code, and page tables under which paging can be turned on while it
 * runs at its physical address: the kernel's PML4 with the first 2 MiB
 * identity-mapped through slot 0 (a kernel-half slot is never 0).
 */
static void trampoline_setup(void)
{
	u8 *t = phys_to_virt(TRAMPOLINE_PHYS);
	u64 *pml4 = (u64 *)(t + PAGE_SIZE), *pdpt = pml4 + 512, *pd = pdpt + 512;
	u64 cr3 = read_cr3() & PTE_ADDR_MASK;
	u64 efer = (paravirt_read_msr(MSR_EFER) | EFER_LME) & ~EFER_LMA;

	memcpy(t, trampoline_start, trampoline_end - trampoline_start);
	memcpy(pml4, phys_to_virt(cr3), PAGE_SIZE);
	memset(pdpt, 0, 2 * PAGE_SIZE);
	pml4[0] = (TRAMPOLINE_PHYS + 2 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	pdpt[0] = (TRAMPOLINE_PHYS + 3 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	pd[0] = _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE;
	memcpy(tr_field(tr_cr3), &cr3, sizeof(cr3));
	memcpy(tr_field(tr_efer), &efer, sizeof(efer));
	*(u64 *)tr_field(tr_entry) = (u64)ap_start64;
}

/* Runs on the new CPU, on its stack, with interrupts off. */
void start_secondary(unsigned int cpu)
{
	struct percpu *p = &percpu_area[cpu];

	__asm__ __volatile__("mov %0, %%cr0" : : "r"(boot_cr0));
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(boot_cr4));
	trap_init_secondary(&p->tables, (u8 *)p->stack + AP_DF_STACK_SIZE);
	paravirt_write_msr(MSR_GS_BASE, (u64)p);
	apic_init_secondary();
	p->apic_id = apic_id();
	if (x86_init.cpu_init)
		x86_init.cpu_init(cpu);
	timer_cpu_init();
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	/* Work comes as call-function IPIs; nothing else is routed here. */
	smp_idle();
}

static bool wait_online(unsigned int cpu, u64 deadline)
{
	while (!cpu_online(cpu)) {
		if (ktime_get_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * The CPU's per-CPU entry and stacks, then the platform's start; waits
 * for it to come online by an absolute deadline, else has the platform
 * stop it, reports it and leaves it out.
 */
bool smp_start_cpu(unsigned int cpu, u32 apic, const struct smp_starter *s, void *ctx)
{
	struct percpu *p = &percpu_area[cpu];
	size_t size = AP_DF_STACK_SIZE + AP_STACK_SIZE;
	void *stack = alloc_pages(size / PAGE_SIZE);
	u64 deadline;

	if (!stack) {
		pr_warn("smp: no memory for the stacks of %s %u\n", s->name, s->id(ctx));
		return false;
	}
	*p = (struct percpu){ .self = p, .cpu = cpu, .apic_id = apic, .stack = stack };
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	deadline = ktime_get_ns() + SMP_BOOT_TIMEOUT_NS;
	if (s->start(cpu, (u8 *)stack + size, ctx) && wait_online(cpu, deadline)) {
		__atomic_store_n(&nr_cpus_online, nr_cpus_online + 1, __ATOMIC_RELEASE);
		return true;
	}
	/* Stopped; its stacks stay allocated in case it ran. */
	s->stop(cpu, ctx);
	pr_warn("smp: %s %u did not come up within %llu ms: left out\n",
		s->name, s->id(ctx), SMP_BOOT_TIMEOUT_NS / NSEC_PER_MSEC);
	return false;
}

/*
 * A CPU the platform had to stop after it came up (Xen: its vCPU could
 * not be resumed in a new domain): out of the online mask, so that no
 * IPI, cross-call, task or timer kick goes to it any more.  What its
 * timer list holds stays there.
 */
void smp_mark_offline(unsigned int cpu)
{
	if (!cpu || !__atomic_exchange_n(&percpu_area[cpu].online, false, __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_sub(&nr_cpus_online, 1, __ATOMIC_ACQ_REL);
}

/* INIT, then up to two STARTUP IPIs (the second only if the first did not take). */
static bool native_start(unsigned int cpu, void *stack_top, void *ctx)
{
	u32 apic = *(u32 *)ctx;
	u64 top = (u64)stack_top;

	memcpy(tr_field(tr_stack), &top, sizeof(top));
	memcpy(tr_field(tr_cpu), &cpu, sizeof(cpu));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	apic_send_init(apic);
	mdelay(INIT_DELAY_MS);
	for (int i = 0; i < 2 && !cpu_online(cpu); i++) {
		apic_send_startup(apic, TRAMPOLINE_PHYS);
		udelay(SIPI_DELAY_US);
	}
	return true;
}

/* Back to wait-for-SIPI, so that a late start cannot run on the next CPU's data. */
static void native_stop(unsigned int cpu, void *ctx)
{
	apic_send_init(*(u32 *)ctx);
}

static unsigned int native_id(void *ctx)
{
	return *(u32 *)ctx;
}

static const struct smp_starter native_starter = {
	.name = "apic id",
	.id = native_id,
	.start = native_start,
	.stop = native_stop,
};

void smp_prepare_boot_cpu(void)
{
	struct percpu *p = &percpu_area[0];

	p->self = p;
	p->apic_id = APIC_ID_NONE;
	p->online = true;
}

/*
 * Before the first start: the boot CPU's GS base, the IPI vector, and the
 * control registers the others copy.
 */
void smp_prepare_cpus(void)
{
	struct percpu *p = &percpu_area[0];

	p->apic_id = apic_id();
	paravirt_write_msr(MSR_GS_BASE, (u64)p);
	percpu_ready = true;
	boot_cr0 = read_cr0();
	boot_cr4 = read_cr4();
	smp_ipi_init();
}

/* "0 1 2 3": the online CPUs' APIC IDs, in CPU order. */
static void format_apic_ids(char *buf, size_t len)
{
	size_t n = 0;
	unsigned int c;

	buf[0] = '\0';
	for_each_online_cpu(c)
		n += snprintf(buf + n, len > n ? len - n : 0, "%s%u", n ? " " : "",
			      percpu_area[c].apic_id);
}

/* "smp: 4 CPUs up (apic ids 0 1 2 3)", and whether some were left out. */
void smp_report_up(unsigned int wanted)
{
	char ids[NR_CPUS * 11];

	format_apic_ids(ids, sizeof(ids));
	pr_info("smp: %u CPUs up (apic ids %s)%s\n", nr_cpus_online, ids,
		nr_cpus_online < wanted ? ", some left out" : "");
}

/* What the platform lists: its own count (Xen's vCPUs), else the MADT's enabled CPUs. */
static unsigned int cpus_listed(void)
{
	const struct acpi_info *acpi = acpi_get();
	unsigned int n = 0;

	if (x86_init.smp_cpus)
		return max(x86_init.smp_cpus(), 1U);
	if (!acpi || !apic_present())
		return 1;
	for (unsigned int i = 0; i < acpi->nr_cpus; i++)
		n += acpi->cpus[i].enabled;
	return max(n, 1U);
}

/* What the platform's bring-up should have started: 1 where there is none. */
unsigned int smp_cpus_described(void)
{
	return x86_init.smp_init ? cpus_listed() : 1;
}

void native_smp_init(void)
{
	const struct acpi_info *acpi = acpi_get();
	unsigned int wanted = 0, cpu = 1;
	u32 self;

	if (!acpi || !apic_present())
		return;
	self = apic_id();
	percpu_area[0].apic_id = self;
	for (unsigned int i = 0; i < acpi->nr_cpus; i++)
		wanted += acpi->cpus[i].enabled && acpi->cpus[i].apic_id != self;
	if (!wanted)
		return;
	if (!trampoline_usable()) {
		pr_warn("smp: %#x-%#lx is not free RAM for the trampoline: 1 CPU\n",
			TRAMPOLINE_PHYS, TRAMPOLINE_PHYS + TRAMPOLINE_PAGES * PAGE_SIZE);
		return;
	}
	smp_prepare_cpus();
	trampoline_setup();
	for (unsigned int i = 0; i < acpi->nr_cpus && cpu < NR_CPUS; i++) {
		const struct acpi_cpu *c = &acpi->cpus[i];

		if (!c->enabled || c->apic_id == self)
			continue;
		if (c->apic_id > 0xff && !apic_x2apic_mode()) {
			pr_warn("smp: apic id %u needs x2APIC mode: left out\n", c->apic_id);
			continue;
		}
		if (smp_start_cpu(cpu, c->apic_id, &native_starter, (void *)&c->apic_id))
			cpu++;
	}
	smp_report_up(wanted + 1);
}

static int smp_init(void)
{
	if (x86_init.smp_init)
		x86_init.smp_init();
	else if (cpus_listed() > 1)
		pr_info("smp: this platform's vCPU bring-up is not built yet: 1 CPU\n");
	return 0;
}
subsys_initcall(smp_init);

bool smp_bringup_built(void)
{
	return x86_init.smp_init != NULL;
}
