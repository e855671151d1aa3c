/* SPDX-License-Identifier: BSD-3-Clause
 * EAL for the unit tests whose code allocates with rte_zmalloc: no
 * hugepages, PCI, shared config or telemetry, under a file prefix of its
 * own (tag and the process id), so tests may run side by side.
 */
#ifndef UT_EAL_H
#define UT_EAL_H

/* Start the EAL; 0, or -1 (said on stderr). For a cmocka group setup. */
int ut_eal_start(const char *tag);

/* Stop it and remove its runtime directory. A cmocka group teardown. */
int ut_eal_group_teardown(void **state);

#endif /* UT_EAL_H */
