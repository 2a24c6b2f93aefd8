/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Apps: what the image runs after boot, chosen with app=NAME.
 *
 *	static int hello_main(void)
 *	{
 *		console_printf("hello\n");
 *		return EXIT_OK;
 *	}
 *	DEFINE_APP(hello, "say hello", hello_main);
 *
 * The return value is the exit status handed to the host.
 */
#ifndef _PVKIT_APP_H
#define _PVKIT_APP_H

#include <pvkit/types.h>
#include <pvkit/compiler.h>

struct app {
	const char *name;
	const char *description;
	int (*main)(void);
};

#define DEFINE_APP(aname, desc, fn)					\
	static const struct app __app_##aname				\
	__used __section("pvkit_apps") __aligned(8) = {		\
		.name = #aname, .description = desc, .main = fn,	\
	}

const struct app *app_find(const char *name);
void app_list(void);

/*
 * Work that needs process context and has no interrupt to do it from
 * (pvkit has no threads): xenstore's watch events, through which the
 * toolstack asks for a shutdown (control/shutdown) or memory back
 * (memory/target).  A subsystem registers a poller; an app that idles in
 * a loop calls app_poll() each time round (shutdown_pending() does).
 * Process context only; a poller that polls again is not re-entered.
 */
struct app_poller {
	const char *name;
	void (*poll)(struct app_poller *p);
	struct app_poller *next;
};

void register_app_poller(struct app_poller *p);
void app_poll(void);

/* TSC cycles from the first instruction to the app's start. */
extern u64 boot_cycles;

/* Where those cycles went: the TSC at the end of each step of the boot. */
struct boot_phase {
	const char *name;
	u64 end_tsc;
};
extern struct boot_phase boot_phases[];
extern unsigned int nr_boot_phases;

/*
 * boot.mark=1: step i + 1 of the boot, and then the app, start with
 * exit_mark(BOOT_MARK_BASE + i + 1) (kernel/main.c).
 */
#define BOOT_MARK_BASE	0xd0
extern bool boot_marks;

#endif
