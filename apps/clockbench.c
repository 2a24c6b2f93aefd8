// SPDX-License-Identifier: GPL-2.0
/*
 * clockbench: what reading the time and taking a timer interrupt cost
 * here.  For every clocksource: cycles per read (median of many), and
 * how many trapping accesses (VM exits under a hypervisor) a read makes;
 * for every clock event device: latency from the programmed expiry to
 * the handler; and the cost of a native pv_ops call next to a direct
 * call of the same function.  Prints Markdown tables.
 *
 * bench.mark=1 brackets every measured loop with an exit_mark() (a port
 * write; not for a Xen PV guest), so a hypervisor-side trace counts the
 * exits of each loop: tests/kvm/ does, and make bench divides them by the
 * reads or events that the "clockbench: mark" lines name.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/irqflags.h>
#include <pvkit/platform.h>
#include <pvkit/sort.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/io.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define SAMPLES		1001
#define IRQ_SAMPLES	51

#define MARK_CLOCKSOURCE	0x10
#define MARK_CLOCKEVENT		0x30
#define MARK_END		0x7f

#define MAX_MARKED		16

static u64 samples[SAMPLES];
static bool marks;
/* Interrupts that arrived in each clock event device's marked loop. */
static unsigned int events_seen[MAX_MARKED];

/* Starts phase id: what the exits up to the next mark belong to. */
static void mark(u8 id)
{
	if (marks)
		exit_mark(id);
}

static u64 median(u64 *v, unsigned int n)
{
	sort_u64(v, n);
	return v[n / 2];
}

/* rdtsc itself costs something: measured the same way and subtracted. */
static u64 rdtsc_overhead(void)
{
	for (int i = 0; i < SAMPLES; i++) {
		u64 t0 = rdtsc();

		samples[i] = rdtsc() - t0;
	}
	return median(samples, SAMPLES);
}

static u64 cycles_per_read(struct clocksource *cs, u64 overhead, u8 id)
{
	unsigned long flags = local_irq_save();
	u64 m;

	cs->read(cs);		/* warm up: first touches, caches */
	mark(id);
	for (int i = 0; i < SAMPLES; i++) {
		u64 t0 = rdtsc();

		cs->read(cs);
		samples[i] = rdtsc() - t0;
	}
	mark(MARK_END);
	local_irq_restore(flags);
	m = median(samples, SAMPLES);
	return m > overhead ? m - overhead : 0;
}

/* What a read does that a hypervisor intercepts, by driver. */
static const char *trapping_accesses(const char *name)
{
	static const struct { const char *cs, *what; } table[] = {
		{ "tsc", "0 (rdtsc runs natively)" },
		{ "kvm-clock", "0 (rdtsc + shared memory)" },
		{ "hpet", "1 (MMIO read)" },
		{ "acpi_pm", "1 (port read)" },
		{ "pit", "3 (latch write + 2 port reads)" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(table); i++) {
		if (!strcmp(table[i].cs, name))
			return table[i].what;
	}
	return "?";
}

static void bench_clocksources(u64 overhead)
{
	u8 id = MARK_CLOCKSOURCE;

	console_printf("\n| clocksource | rating | cycles/read (median of %d) | ns/read | trapping accesses/read |\n",
		       SAMPLES);
	console_printf("|---|---|---|---|---|\n");
	for (struct clocksource *cs = clocksource_first(); cs; cs = cs->next, id++) {
		u64 c = cycles_per_read(cs, overhead, id);

		console_printf("| %s%s | %d | %llu | %llu | %s |\n", cs->name,
			       cs == clocksource_current() ? " (selected)" : "",
			       cs->rating, c, tsc_cycles_to_ns(c), trapping_accesses(cs->name));
	}
}

static volatile u64 handler_ns;

static void latency_handler(struct clock_event_device *ce)
{
	handler_ns = ktime_get_ns();
}

/* Expiry-to-handler latency of one device, median and worst of IRQ_SAMPLES. */
static void bench_clockevent(struct clock_event_device *ce, u8 id)
{
	void (*saved)(struct clock_event_device *) = ce->event_handler;
	unsigned long flags = local_irq_save();
	unsigned int n = 0;
	u64 worst = 0;

	ce->event_handler = latency_handler;
	mark(id);
	for (int i = 0; i < IRQ_SAMPLES; i++) {
		u64 start = ktime_get_ns(), expires = start + 200 * NSEC_PER_USEC;

		handler_ns = 0;
		clockevent_program(ce, expires - start);
		while (!handler_ns && ktime_get_ns() - start < 100 * NSEC_PER_MSEC) {
			safe_halt();
			local_irq_disable();
		}
		if (!handler_ns)
			continue;
		/* A device that fires early shows as 0 here: it is clamped. */
		samples[n] = handler_ns > expires ? handler_ns - expires : 0;
		worst = max(worst, samples[n]);
		n++;
	}
	mark(MARK_END);
	if (id - MARK_CLOCKEVENT < MAX_MARKED)
		events_seen[id - MARK_CLOCKEVENT] = n;
	ce->event_handler = saved;
	if (saved)
		clockevent_program(ce, 0);
	local_irq_restore(flags);
	if (!n) {
		console_printf("| %s | no interrupt arrived | | |\n", ce->name);
		return;
	}
	console_printf("| %s%s | %llu | %llu | %u/%d |\n", ce->name,
		       ce == clockevent_current() ? " (selected)" : "",
		       median(samples, n), worst, n, IRQ_SAMPLES);
}

static void bench_clockevents(void)
{
	u8 id = MARK_CLOCKEVENT;

	console_printf("\n| clock event device | latency ns (median) | latency ns (worst) | interrupts |\n");
	console_printf("|---|---|---|---|\n");
	for (struct clock_event_device *ce = clockevent_first(); ce; ce = ce->next, id++)
		bench_clockevent(ce, id);
}

/* Which mark is which loop, and how many reads or events it had. */
static void print_marks(void)
{
	u8 id = MARK_CLOCKSOURCE;

	console_printf("\n");
	for (struct clocksource *cs = clocksource_first(); cs; cs = cs->next, id++)
		console_printf("clockbench: mark %#x = clocksource %s, %d reads\n",
			       id, cs->name, SAMPLES);
	id = MARK_CLOCKEVENT;
	for (struct clock_event_device *ce = clockevent_first(); ce && id - MARK_CLOCKEVENT < MAX_MARKED;
	     ce = ce->next, id++)
		console_printf("clockbench: mark %#x = clockevent %s, %u events\n",
			       id, ce->name, events_seen[id - MARK_CLOCKEVENT]);
}

/* Keeps the compiler from dropping a value it sees unused. */
#define barrier_data_ul(v) ({ unsigned long __v = (v); \
	__asm__ __volatile__("" : : "r"(__v) : "memory"); })

#define TIME_LOOP(expr) ({						\
	for (int __i = 0; __i < SAMPLES; __i++) {			\
		u64 __t0 = rdtsc();					\
		for (int __k = 0; __k < 100; __k++)			\
			expr;						\
		samples[__i] = rdtsc() - __t0;				\
	}								\
	median(samples, SAMPLES) / 100; })

/*
 * The irq op wrappers as the kernel uses them (call sites made direct by
 * paravirt_patch_calls()), the same op called through the pv_ops pointer
 * as they were before, and a direct call of the native op by its name
 * (the same function, so its place in memory is the same too).
 */
static void bench_pv_ops(void)
{
	u64 site_save, ptr_save, direct_save, site_pair, ptr_pair, direct_pair;

	site_save = TIME_LOOP(barrier_data_ul(arch_local_save_flags()));
	ptr_save = TIME_LOOP(barrier_data_ul(pv_ops.irq.save_fl()));
	direct_save = TIME_LOOP(barrier_data_ul(paravirt_native_save_fl()));
	site_pair = TIME_LOOP(arch_local_irq_restore(arch_local_save_flags()));
	ptr_pair = TIME_LOOP(pv_ops.irq.restore_fl(pv_ops.irq.save_fl()));
	direct_pair = TIME_LOOP(paravirt_native_restore_fl(paravirt_native_save_fl()));
	console_printf("\n| operation (%s ops) | pv_ops call site (cycles) | through the pv_ops pointer (cycles) | native op by name, direct call (cycles) |\n",
		       pv_ops.irq.save_fl == native_pv_ops.irq.save_fl ? "native" : "paravirt");
	console_printf("|---|---|---|---|\n");
	console_printf("| irq save | %llu | %llu | %llu |\n", site_save, ptr_save, direct_save);
	console_printf("| irq save + restore | %llu | %llu | %llu |\n",
		       site_pair, ptr_pair, direct_pair);
}

static int clockbench_main(void)
{
	u64 overhead = rdtsc_overhead();
	const char *source;
	u32 khz;

	arch_time_complete();		/* every device, those set up on demand too */
	khz = tsc_khz(&source);
	console_printf("clockbench: hypervisor %s, TSC %u kHz (%s), rdtsc overhead %llu cycles subtracted\n",
		       hypervisor_name(), khz, source, overhead);
	marks = param_get_ull("bench.mark", 0);
	bench_clocksources(overhead);
	bench_clockevents();
	bench_pv_ops();
	if (marks)
		print_marks();
	return EXIT_OK;
}
DEFINE_APP(clockbench, "cost of clock reads, timer interrupt latency, pv_ops calls", clockbench_main);
