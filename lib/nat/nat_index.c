/* SPDX-License-Identifier: BSD-3-Clause
 * A compact hash index over a record array (see nat_index.h).
 */
#include <errno.h>

#include <rte_malloc.h>

#include "nat_index.h"

int
nat_index_init(struct nat_index *ix, const char *name, uint32_t capacity,
	       int socket)
{
	ix->n = 0;
	ix->nslots = nat_index_slots(capacity);
	ix->slot = NULL;
	if (ix->nslots == 0) {
		errno = EINVAL;
		return -1;
	}
	ix->slot = rte_malloc_socket(name, nat_index_bytes(capacity),
				     RTE_CACHE_LINE_SIZE, socket);
	if (ix->slot == NULL) {
		errno = ENOMEM;
		return -1;
	}
	nat_index_clear(ix);
	return 0;
}

void
nat_index_fini(struct nat_index *ix)
{
	rte_free(ix->slot);
	ix->slot = NULL;
	ix->nslots = 0;
	ix->n = 0;
}

void
nat_index_clear(struct nat_index *ix)
{
	uint32_t i;

	for (i = 0; i < ix->nslots; i++)
		ix->slot[i].idx = NAT_INDEX_EMPTY;
	ix->n = 0;
}
