/* SPDX-License-Identifier: BSD-3-Clause
 * Ethernet ports: one inside, one outside; one RX and one TX queue per
 * worker on each.
 */
#ifndef CGN_PORT_H
#define CGN_PORT_H

#include <stddef.h>

#include "cgn.h"

#define CGN_RX_DESC 1024
#define CGN_TX_DESC 1024
/*
 * Room for a 4 KiB frame in one mbuf: net_af_packet hands over datagrams
 * the kernel reassembled (its fanout defragments), and a frame that does
 * not fit one mbuf would be cut. Larger datagrams are chains (reassembly).
 */
#define CGN_MBUF_BUF_SIZE (4096 + RTE_PKTMBUF_HEADROOM)

/* Create the mbuf pool, configure both ports, fill ctx->link[]. */
int cgn_ports_init(struct cgn_ctx *ctx, char *err, size_t errlen);
int cgn_ports_start(struct cgn_ctx *ctx, char *err, size_t errlen);
/* Stop both ports (they can be started again). */
void cgn_ports_stop(struct cgn_ctx *ctx);
/* Release both ports (after cgn_ports_stop()). */
void cgn_ports_close(struct cgn_ctx *ctx);

#endif /* CGN_PORT_H */
