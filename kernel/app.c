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
