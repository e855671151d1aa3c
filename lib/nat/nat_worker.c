/* SPDX-License-Identifier: BSD-3-Clause
 * Making and freeing one worker's NAT (nat_worker.h).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "nat_frag.h"
#include "nat_path.h"

static void
pool_log(void *arg, const struct nat_log_event *ev)
{
	struct nat_worker *w = arg;

	if (rte_ring_mp_enqueue_elem(w->env.log_ring, (void *)(uintptr_t)ev,
				     sizeof(*ev)) != 0)
		w->stats.log_ring_full++;
	if (ev->type == NAT_LOG_BLOCK_ALLOC)
		w->stats.blocks_allocated++;
	else
		w->stats.blocks_released++;
}

static void
pool_need(void *arg, uint32_t addr_idx)
{
	struct nat_worker *w = arg;
	uint64_t now = rte_rdtsc();

	if (w->need_tsc[addr_idx] != 0 &&
	    now - w->need_tsc[addr_idx] < w->env.tsc_hz / 10)
		return;
	w->need_tsc[addr_idx] = now;
	nat_send_event(w, NAT_EV_NEED_BLOCKS, 0, addr_idx, NULL);
}

/*
 * May nat_parse() leave the address checks of the common case to a session
 * miss (nat_addr_checks())? Only when no pool address (every mapping's outside
 * address is one) is an address they treat apart: then an out2in packet
 * of a session made by an in2out one passes them as its maker did.
 * cgn_config_load() refuses most such pools; this does not rely on it.
 * addrs: host order.
 */
static bool
pool_addrs_checkable(const struct nat_worker *w, const uint32_t *addrs,
		     uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n; k++) {
		uint32_t a = rte_cpu_to_be_32(addrs[k]);

		if (bad_source(a) || bad_destination(a) ||
		    (a & SHARED_MASK) == SHARED_NET ||
		    a == w->own[CGN_OUTSIDE] || is_subscriber(w, a) ||
		    in_prefixes(&w->byp, a))
			return false;
	}
	return true;
}

static void
pool_need_low(void *arg, uint32_t addr_idx)
{
	(void)arg;
	(void)addr_idx;
}

/* The largest session timeout, in TSC cycles: it sets the table's tick. */
static uint64_t
session_max_timeout(const struct nat_worker_conf *c, uint64_t hz)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < CT_TO_MAX; i++)
		m = RTE_MAX(m, (uint64_t)c->timeout_s[i]);
	return m * hz;
}

/* The configuration's copies the packet path reads. */
static void
copy_conf(struct nat_worker *w, const struct nat_worker_conf *c)
{
	unsigned int i;

	memcpy(w->own, c->own, sizeof(w->own));
	w->sub = c->sub;
	w->byp = c->byp;
	w->in_gw = c->in_gw;
	w->nh_out = UINT32_MAX;
	w->nh_in_gw = UINT32_MAX;
	w->icmp_tokens = ICMP_BURST;
	w->icmp_unreach = c->icmp_unreach;
	w->syn_icmp = c->syn_icmp;
	w->syn_wait = (uint64_t)c->syn_wait_s * w->env.tsc_hz;
	w->icmp_per_sec = c->icmp_rate ? c->icmp_rate : 1;
	w->eim = c->eim;
	w->filtering = (uint8_t)c->filtering;
	w->hairpin = c->hairpin;
	w->sessions_per_sub = c->sessions_per_sub;
	for (i = 0; i < CGN_SIDES; i++) {
		w->mtu[i] = c->mtu[i];
		w->frame_max[i] = (uint32_t)c->mtu[i] + RTE_ETHER_HDR_LEN;
	}
}

/* Our frames' MAC words (to_next_hop(), nat_parse()). */
static void
mac_words(struct nat_worker *w)
{
	unsigned int i;

	w->nb_e = w->env.neigh->e;
	for (i = 0; i < CGN_SIDES; i++) {
		uint8_t b[8] = { 0 };

		memcpy(b + 6, w->env.mac[i].addr_bytes, 2);
		memcpy(&w->smac_w0[i], b, sizeof(b));
		memcpy(&w->smac_w1[i], w->env.mac[i].addr_bytes + 2,
		       sizeof(uint32_t));
		memset(b, 0, sizeof(b));
		memcpy(b, w->env.mac[i].addr_bytes, 6);
		memcpy(&w->mac48[i], b, sizeof(b));
	}
}

static int
make_table(struct nat_worker *w, const struct nat_worker_conf *c, int socket)
{
	uint64_t hz = w->env.tsc_hz;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	snprintf(name, sizeof(name), "cgn_ct%u", w->id);
	w->ct = ct_table_create(name, c->max_sessions,
				session_max_timeout(c, hz), socket);
	if (w->ct == NULL)
		return -ENOMEM;
	for (i = 0; i < CT_TO_MAX; i++)
		w->ct->timeout[i] = (uint64_t)c->timeout_s[i] * hz;
	/* Sweep the whole table about every 10 s, a little every ms. */
	w->age_interval = hz / 1000;
	w->age_budget = RTE_MAX(c->max_sessions / 10000, 16u);
	return 0;
}

static int
make_pool(struct nat_worker *w, const struct nat_worker_conf *c, int socket)
{
	struct nat_pool_params pp = c->pool;
	char name[RTE_RING_NAMESIZE];

	pp.socket = socket;
	pp.eim = w->eim;
	pp.log = pool_log;
	pp.log_arg = w;
	pp.chosen = nat_pool_chosen;
	pp.chosen_arg = w;
	/* Blocks come from the control thread's block manager. */
	pp.start_empty = true;
	pp.need = pool_need;
	/* Low blocks are split among the workers at start and not
	 * rebalanced (there are few of them): nothing to ask for.
	 */
	pp.need_low = pool_need_low;
	pp.global_free = w->env.global_free;
	pp.tsc_hz = w->env.tsc_hz;
	if (w->env.det_forward != NULL) {
		pp.det_f1 = w->env.det_forward;
		pp.det_arg = w->env.det_arg;
	}
	snprintf(name, sizeof(name), "cgn_pool%u", w->id);
	w->pool = nat_pool_create(name, &pp);
	if (w->pool == NULL)
		return -ENOMEM;
	w->need_tsc = rte_zmalloc_socket(NULL, sizeof(uint64_t) * pp.n_addrs,
					 0, socket);
	return w->need_tsc == NULL ? -ENOMEM : 0;
}

int
nat_worker_init(struct nat_worker *w, const struct nat_env *env,
		const struct nat_worker_conf *c, int socket)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->env = *env;
	w->id = env->id;
	copy_conf(w, c);
	w->addr_defer = pool_addrs_checkable(w, c->pool.addrs,
					     c->pool.n_addrs);
	rc = make_table(w, c, socket);
	if (rc == 0)
		rc = make_pool(w, c, socket);
	/* Reassembly table, death row, indirect mbufs (one per worker). */
	if (rc == 0)
		rc = nat_frag_init(w, c->frag_max, c->frag_timeout_s, socket);
	if (rc == 0)
		rc = nat_owner_init(w, &c->pool, socket);
	if (rc != 0)
		return rc;
	mac_words(w);
	return 0;
}

void
nat_worker_fini(struct nat_worker *w)
{
	nat_syn_hold_expire(w, 0, true);
	nat_frag_fini(w);
	while (w->pend_n) {
		rte_pktmbuf_free(w->pend[w->pend_head].m);
		w->pend_head = (uint16_t)((w->pend_head + 1) % NAT_PENDING);
		w->pend_n--;
	}
	rte_free(w->need_tsc);
	rte_free(w->o2i_blk0);
	nat_pool_free(w->pool);
	ct_table_free(w->ct);
	w->need_tsc = NULL;
	w->o2i_blk0 = NULL;
	w->pool = NULL;
	w->ct = NULL;
}
