/* SPDX-License-Identifier: BSD-3-Clause
 * The NAT's lifecycle (app/cgn_nat.h) under a telemetry client, and
 * building it again in the same process.
 *
 *   stop under telemetry  a thread queries /cgnat/stats on DPDK's telemetry
 *                         socket (<EAL runtime dir>/dpdk_telemetry.v2,
 *                         SOCK_SEQPACKET) in a loop while the main thread
 *                         runs cgn_nat_stop() and cgn_nat_free(). Replies
 *                         before the stop carry the counters (rx as the
 *                         workers counted it); every reply to a query sent
 *                         after cgn_nat_stop() returned carries none: the
 *                         handler answers -ENODEV (cgn_telemetry_detach),
 *                         which DPDK 22.11 sends as {"/cgnat/stats":null}.
 *   build and free twice  on the same ports (kept: the rig's ring ethdevs
 *                         are made once); every mbuf is back in the pool
 *                         when it is freed (cgn_nat_free() counts those
 *                         out), after each free the pool is gone and the
 *                         rte_malloc heap is back where it was before the
 *                         first build.
 *
 * The NAT is the rig's (rig.h); EAL runs with telemetry (rig_proc).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "rig_assert.h"

/* ------------------------------------------------------------------ */
/* A telemetry client on its own thread.                               */

/* Where the main thread is; the client reads it before each query. */
/* STOPPING: cgn_nat_stop() called, not returned (replies may be either). */
enum phase { PH_RUNNING, PH_STOPPING, PH_STOPPED, PH_FREED, PH_N };

struct client {
	int fd;
	uint64_t want_rx;          /* the counters' rx while PH_RUNNING */
	int phase;                 /* enum phase, atomic */
	int quit;                  /* atomic */
	/* Replies, by the phase read before their query was sent. */
	unsigned int n[PH_N];          /* atomic */
	unsigned int with_data[PH_N];  /* a dict with "rx"; atomic */
	unsigned int right_rx;             /* PH_RUNNING, rx == want_rx */
	unsigned int null_reply[PH_N]; /* {"/cgnat/stats":null} */
	unsigned int errors;               /* send/recv failed */
	char first_odd[256];       /* the first reply of neither kind */
};

static int
client_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char banner[1024];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	/* On connecting, the server sends {"version": ..., "pid": ...}. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    recv(fd, banner, sizeof(banner), 0) <= 0) {
		fprintf(stderr, "telemetry socket %s: %s\n", sun.sun_path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The value of "rx": in a reply, or -1. */
static long long
reply_rx(const char *reply)
{
	const char *k = strstr(reply, "\"rx\":");

	return k != NULL ? strtoll(k + 5, NULL, 10) : -1;
}

static void
classify(struct client *c, int ph, const char *reply)
{
	long long rx = reply_rx(reply);

	if (rx >= 0) {
		__atomic_fetch_add(&c->with_data[ph], 1, __ATOMIC_RELAXED);
		if (ph == PH_RUNNING && (uint64_t)rx == c->want_rx)
			c->right_rx++;
	} else if (strcmp(reply, "{\"/cgnat/stats\":null}") == 0) {
		c->null_reply[ph]++;
	} else if (c->first_odd[0] == '\0') {
		snprintf(c->first_odd, sizeof(c->first_odd), "%.200s", reply);
	}
	/* Published last: a count read with acquire covers the above. */
	__atomic_fetch_add(&c->n[ph], 1, __ATOMIC_RELEASE);
}

static void *
client_main(void *arg)
{
	static const char cmd[] = "/cgnat/stats";
	struct client *c = arg;
	char reply[16384 + 1];

	while (!__atomic_load_n(&c->quit, __ATOMIC_ACQUIRE)) {
		int ph = __atomic_load_n(&c->phase, __ATOMIC_ACQUIRE);
		ssize_t n;

		if (send(c->fd, cmd, strlen(cmd), 0) < 0 ||
		    (n = recv(c->fd, reply, sizeof(reply) - 1, 0)) <= 0) {
			c->errors++;
			break;
		}
		reply[n] = '\0';
		classify(c, ph, reply);
	}
	return NULL;
}

/* Wait (up to 10 s) for n replies to queries sent in phase ph. */
static bool
wait_replies(struct client *c, int ph, unsigned int n)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	unsigned int i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&c->n[ph], __ATOMIC_ACQUIRE) >= n)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

static void
client_end(struct client *c, pthread_t th)
{
	__atomic_store_n(&c->quit, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	close(c->fd);
	fprintf(stderr, "replies: running %u (%u with rx %" PRIu64 ", %u "
		"null), stopping %u (%u with data, %u null), stopped %u (%u "
		"with data, %u null), freed %u (%u with data, %u null); "
		"errors %u%s%s\n", c->n[PH_RUNNING], c->right_rx,
		c->want_rx, c->null_reply[PH_RUNNING], c->n[PH_STOPPING],
		c->with_data[PH_STOPPING], c->null_reply[PH_STOPPING],
		c->n[PH_STOPPED], c->with_data[PH_STOPPED],
		c->null_reply[PH_STOPPED], c->n[PH_FREED],
		c->with_data[PH_FREED], c->null_reply[PH_FREED], c->errors,
		c->first_odd[0] ? "; odd reply: " : "", c->first_odd);
}

/* ------------------------------------------------------------------ */
/* Traffic.                                                            */

/* A few UDP flows out and back through the NAT; everything taken. */
static void
some_traffic(struct rig *r)
{
	struct frame f[8];
	unsigned int k;

	l2_up(r);
	for (k = 0; k < 4; k++) {
		struct pkt p = udp_pkt(&MAC_NAT[S_IN], &MAC_H1, H1,
				       (uint16_t)(5000 + k), Y1, 53);

		inject(r, S_IN, &p);
	}
	pump(r);
	assert_int_equal(take(S_OUT, f, RTE_DIM(f)), 4);
	expect_nothing();
	assert_int_equal(rig_ct_used(r), 4);
	assert_accounting(r);
	assert_int_equal(rte_mempool_in_use_count(r->ctx->mp), r->mp_base);
}

/* ------------------------------------------------------------------ */
/* Cases.                                                              */

static void
test_stop_under_telemetry(void **state)
{
	static const struct rig_opts o = { .telemetry = true };
	struct client c = { .phase = PH_RUNNING };
	struct rig *r = &g_rig;
	unsigned int leaked;
	pthread_t th;
	bool ok;

	(void)state;
	assert_int_equal(rig_build(r, &o), 0);
	some_traffic(r);
	c.want_rx = stat_sum(rig_stats(r)->rx, CGN_SIDES);
	c.fd = client_connect();
	assert_true(c.fd >= 0);
	assert_int_equal(pthread_create(&th, NULL, client_main, &c), 0);

	ok = wait_replies(&c, PH_RUNNING, 50);
	__atomic_store_n(&c.phase, PH_STOPPING, __ATOMIC_RELEASE);
	cgn_nat_stop(&r->nat, r->now);
	__atomic_store_n(&c.phase, PH_STOPPED, __ATOMIC_RELEASE);
	ok = ok && wait_replies(&c, PH_STOPPED, 20);
	if (__atomic_load_n(&c.with_data[PH_STOPPED], __ATOMIC_RELAXED) != 0) {
		/* Still served: stop asking before the NAT is freed. */
		client_end(&c, th);
		fail_msg("%u replies after cgn_nat_stop() carried NAT data",
			 c.with_data[PH_STOPPED]);
	}
	/* cgn_nat_free() (with the port rings drained first) while the
	 * client goes on asking. */
	leaked = rig_free(r);
	__atomic_store_n(&c.phase, PH_FREED, __ATOMIC_RELEASE);
	ok = ok && wait_replies(&c, PH_FREED, 20);
	client_end(&c, th);

	assert_true(ok);
	assert_int_equal(leaked, 0);
	assert_int_equal(c.errors, 0);
	assert_string_equal(c.first_odd, "");
	/* Before the stop: the counters, as the workers counted them. The
	 * client asks one query at a time, so at most one query sent
	 * before cgn_nat_stop() was called is answered after the detach
	 * (null); during the call, replies may be either. */
	assert_true(c.right_rx >= 50);
	assert_int_equal(c.right_rx, c.with_data[PH_RUNNING]);
	assert_true(c.null_reply[PH_RUNNING] <= 1);
	assert_int_equal(c.with_data[PH_RUNNING] + c.null_reply[PH_RUNNING],
			 c.n[PH_RUNNING]);
	/* After it: no NAT data in any reply, only DPDK's null. */
	assert_int_equal(c.with_data[PH_STOPPED], 0);
	assert_int_equal(c.with_data[PH_FREED], 0);
	assert_int_equal(c.null_reply[PH_STOPPED], c.n[PH_STOPPED]);
	assert_int_equal(c.null_reply[PH_FREED], c.n[PH_FREED]);
}

static void
heap(struct rte_malloc_socket_stats *s)
{
	assert_int_equal(rte_malloc_get_socket_stats((int)rte_socket_id(), s),
			 0);
}

static void
test_build_free_twice(void **state)
{
	struct rte_malloc_socket_stats before, after;
	struct rig *r = &g_rig;
	char pool[RTE_MEMPOOL_NAMESIZE];
	unsigned int k;

	(void)state;
	heap(&before);
	for (k = 0; k < 2; k++) {
		assert_int_equal(rig_build(r, NULL), 0);
		some_traffic(r);
		snprintf(pool, sizeof(pool), "%s", r->ctx->mp->name);
		assert_non_null(rte_mempool_lookup(pool));
		/* Every mbuf back in the pool when it is freed. */
		assert_int_equal(rig_free(r), 0);
		assert_null(rte_mempool_lookup(pool));
		heap(&after);
		print_message("build %u: heap %zu bytes in %u allocations "
			      "after free, %zu in %u before the first build\n",
			      k + 1, after.heap_allocsz_bytes,
			      after.alloc_count, before.heap_allocsz_bytes,
			      before.alloc_count);
		assert_int_equal(after.alloc_count, before.alloc_count);
		assert_int_equal(after.heap_allocsz_bytes,
				 before.heap_allocsz_bytes);
	}
}

int
main(int argc, char **argv)
{
	static const struct CMUnitTest all_tests[] = {
		/* rig_teardown(): g_rig freed if a check failed first. */
		cmocka_unit_test_teardown(test_stop_under_telemetry,
					  rig_teardown),
		cmocka_unit_test_teardown(test_build_free_twice,
					  rig_teardown),
	};
	static const struct rig_proc proc = { .tag = "lc", .nq = 1,
					      .telemetry = true };
	static struct CMUnitTest run[RTE_DIM(all_tests)];
	unsigned int n;

	frames_vprint = vprint_error; /* checks report through cmocka */
	n = rig_select(argc, argv, all_tests, RTE_DIM(all_tests), run);
	if (n == 0)
		return 1;
	if (rig_main(argv[0], &proc) != 0)
		return 1;
	return rig_main_end(_cmocka_run_group_tests("lifecycle", run, n, NULL,
						     NULL));
}
