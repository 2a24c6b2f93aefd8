// SPDX-License-Identifier: GPL-2.0
/* selftest: the in-guest KTAP suites; test=GLOB[,GLOB] selects. */
#include <pvkit/kernel.h>
#include <pvkit/app.h>
#include <pvkit/cmdline.h>
#include <pvkit/ktest.h>

static int selftest_main(void)
{
	return ktest_run(param_get("test")) ? EXIT_FAIL : EXIT_OK;
}
DEFINE_APP(selftest, "run the in-guest test suites (KTAP)", selftest_main);
