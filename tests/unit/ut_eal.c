/* SPDX-License-Identifier: BSD-3-Clause
 * EAL for the unit tests (ut_eal.h).
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "ut_eal.h"

static char prefix[64];

int
ut_eal_start(const char *tag)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci",
			 "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error",
			 "--file-prefix", prefix, NULL };
	int argc = (int)RTE_DIM(argv) - 1;

	snprintf(prefix, sizeof(prefix), "%s%d", tag, (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

int
ut_eal_group_teardown(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	/* EAL leaves its (empty, with --no-shconf) runtime directory. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}
