// SPDX-License-Identifier: GPL-2.0
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/string.h>

extern const struct app __start_pvkit_apps[], __stop_pvkit_apps[];

const struct app *app_find(const char *name)
{
	for (const struct app *a = __start_pvkit_apps; a < __stop_pvkit_apps; a++) {
		if (!strcmp(a->name, name))
			return a;
	}
	return NULL;
}

void app_list(void)
{
	for (const struct app *a = __start_pvkit_apps; a < __stop_pvkit_apps; a++)
		console_printf("  %-12s %s\n", a->name, a->description);
}

static struct app_poller *pollers;

void register_app_poller(struct app_poller *p)
{
	p->next = pollers;
	pollers = p;
}

void app_poll(void)
{
	static bool running;

	if (running)
		return;
	running = true;
	for (struct app_poller *p = pollers; p; p = p->next)
		p->poll(p);
	running = false;
}
