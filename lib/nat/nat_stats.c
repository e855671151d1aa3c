/* SPDX-License-Identifier: BSD-3-Clause
 * The drop reasons' names and help lines (nat_stats.h).
 */
#include "nat_stats.h"

const char *const cgn_drop_names[CGN_DROP_MAX] = {
#define CGN_X_NAME(name, help) #name,
	CGN_DROP_REASONS(CGN_X_NAME)
#undef CGN_X_NAME
};

const char *const cgn_drop_help[CGN_DROP_MAX] = {
#define CGN_X_HELP(name, help) help,
	CGN_DROP_REASONS(CGN_X_HELP)
#undef CGN_X_HELP
};
