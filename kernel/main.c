// SPDX-License-Identifier: GPL-2.0
/*
 * start_kernel: every entry point ends here with a filled boot_info.
 * The order matters: command line (for loglevel=), memory, then the app.
 */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/shutdown.h>
#include <pvkit/cmdline.h>
#include <pvkit/console.h>
#include <pvkit/init.h>
#include <pvkit/irq.h>
#include <pvkit/irqflags.h>
#include <pvkit/mm.h>
#include <pvkit/string.h>
#include <pvkit/time.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/setup.h>

#define PVKIT_VERSION	"0.1"

u64 boot_cycles;
struct boot_phase boot_phases[8];
unsigned int nr_boot_phases;
bool boot_marks;

/*
 * One rdtsc per step, so that info can say which step a slow boot spent
 * its time in; under a hypervisor that emulates the kernel, the steps'
 * shares differ wildly from TCG's.  With boot.mark=1 the next step also
 * starts with an exit_mark() of its own, BOOT_MARK_BASE + its index, so
 * that a hypervisor's trace can count each step's exits (the nested KVM
 * bed does: docs/testing.md); the first step, before the command line is
 * read, has none.
 */
static void boot_phase_done(const char *name)
{
	if (nr_boot_phases >= ARRAY_SIZE(boot_phases))
		return;
	boot_phases[nr_boot_phases++] = (struct boot_phase){ name, rdtsc() };
	if (boot_marks)
		exit_mark(BOOT_MARK_BASE + nr_boot_phases);
}

static const char *default_app = CONFIG_DEFAULT_APP;

static int run_app(void)
{
	const char *name = param_get("app");
	const struct app *app;

	if (params_rejected()) {
		console_printf("pvkit: %u command-line parameter(s) cut short and "
			       "rejected: not running an app\n", params_rejected());
		return EXIT_BADCMD;
	}
	if (!name || !*name)
		name = default_app;
	app = app_find(name);
	if (!app) {
		console_printf("pvkit: no app '%s'; the image has:\n", name);
		app_list();
		return EXIT_BADCMD;
	}
	pr_info("app: %s\n", app->name);
	boot_phase_done("app lookup");
	boot_cycles = rdtsc() - boot_info.entry_tsc;
	return app->main();
}

/* A shutdown asked for while the app ran (the power button) wins. */
static __noreturn void app_done(int status)
{
	enum shutdown_action action;

	if (shutdown_pending(&action)) {
		pr_info("app: exit status %d, but a shutdown is pending\n", status);
		kernel_shutdown(action);
	}
	kernel_exit(status);
}

void start_kernel(struct boot_info *bi)
{
	params_parse(bi->cmdline, bi->cmdline_truncated);
	boot_marks = param_get_ull("boot.mark", 0);
	boot_phase_done("entry");
	if (param_get("loglevel"))
		console_set_loglevel(param_get_ull("loglevel", CONFIG_LOG_DEFAULT_LEVEL));
	/* A bare "quiet" turns it on, quiet=0 off (against CONFIG_QUIET). */
	if (param_get("quiet"))
		console_set_quiet(!*param_get("quiet") || param_get_ull("quiet", 1));
	pr_info("pvkit %s (entry: %s)\n", PVKIT_VERSION, bi->loader);
	console_log_names();
	if (bi->cmdline_truncated)
		pr_warn("cmdline: truncated to %zu bytes\n", sizeof(bi->cmdline) - 1);

	arch_setup(bi);
	boot_phase_done("arch_setup");
	mm_init(bi);
	boot_phase_done("mm_init");
	arch_irq_init();
	boot_phase_done("arch_irq_init");
	time_init();
	boot_phase_done("time_init");
	local_irq_enable();
	do_initcalls();
	boot_phase_done("initcalls");
	app_done(run_app());
}
