/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "cgn_port.h"
#include "cgn_worker.h"

static uint32_t
prefix_mask(uint8_t len)
{
	return rte_cpu_to_be_32(len ? ~0u << (32 - len) : 0);
}

static int
set_reta(uint16_t port, uint16_t reta_size, uint16_t nq)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					      RTE_ETH_RETA_GROUP_SIZE];
	uint16_t i;

	if (reta_size > RTE_ETH_RSS_RETA_SIZE_512)
		return -EINVAL;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
			1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i %
			RTE_ETH_RETA_GROUP_SIZE] = i % nq;
	}
	return rte_eth_dev_rss_reta_update(port, reta, reta_size);
}

/* The port's configuration: RSS on the inside source address where the
 * NIC offers it, the checksum and multi-segment offloads it has. */
static void
port_conf(struct cgn_ctx *ctx, enum cgn_side side,
	  const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	/*
	 * Subscriber pinning by the NIC: RSS on the inside source address
	 * alone, with our key and a RETA that sends bucket i to worker
	 * i % n, which cgn_sub_owner() computes the same way in software.
	 */
	if (side == CGN_INSIDE && ctx->n_workers > 1 &&
	    (info->flow_type_rss_offloads &
	     (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_L3_SRC_ONLY)) ==
		    (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_L3_SRC_ONLY) &&
	    info->hash_key_size == sizeof(ctx->rss.key) && info->reta_size > 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_key = ctx->rss.key;
		conf->rx_adv_conf.rss_conf.rss_key_len = sizeof(ctx->rss.key);
		conf->rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 |
						   RTE_ETH_RSS_L3_SRC_ONLY;
		ctx->rss.on = true;
		ctx->rss.reta_size = info->reta_size;
	}
	/* The NIC checks IPv4 header checksums where it can (the worker
	 * reads the mbuf flag; otherwise it checks them itself). */
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	/* Reassembled datagrams and output fragments are mbuf chains. */
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
}

static int
port_setup(struct cgn_ctx *ctx, enum cgn_side side, char *err, size_t errlen)
{
	const struct cgn_link_config *lc = side == CGN_INSIDE ?
		&ctx->cfg->inside : &ctx->cfg->outside;
	struct cgn_link *l = &ctx->link[side];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, nq = (uint16_t)ctx->n_workers;
	uint16_t nrx = CGN_RX_DESC, ntx = CGN_TX_DESC;
	int rc;

	if (rte_eth_dev_get_port_by_name(lc->port, &l->port_id) != 0) {
		snprintf(err, errlen, "port %s not found", lc->port);
		return -1;
	}
	rc = rte_eth_dev_info_get(l->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: info: %s", lc->port,
			 rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen, "port %s has %u rx / %u tx queues, "
			 "%u workers need one each (net_af_packet: qpairs=%u)",
			 lc->port, info.max_rx_queues, info.max_tx_queues, nq,
			 nq);
		return -1;
	}
	port_conf(ctx, side, &info, &conf);
	rc = rte_eth_dev_configure(l->port_id, nq, nq, &conf);
	/* The link MTU of the config, where the device lets us set it
	 * (virtual devices often do not: then the config value only drives
	 * fragmentation and DF handling).
	 */
	if (rc == 0 && rte_eth_dev_set_mtu(l->port_id, lc->mtu) != 0)
		RTE_LOG(INFO, USER1, "port %s: MTU stays as the device has it\n",
			lc->port);
	if (rc == 0 && ctx->rss.on && side == CGN_INSIDE)
		rc = set_reta(l->port_id, ctx->rss.reta_size, nq);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(l->port_id, &nrx, &ntx);
	for (q = 0; rc == 0 && q < nq; q++) {
		unsigned int lc_id = ctx->cfg->workers.lcores[q];
		int socket = (int)rte_lcore_to_socket_id(lc_id);

		rc = rte_eth_rx_queue_setup(l->port_id, q, nrx, socket, NULL,
					    ctx->mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(l->port_id, q, ntx, socket,
						    NULL);
	}
	if (rc != 0) {
		snprintf(err, errlen, "port %s: setup: %s", lc->port,
			 rte_strerror(-rc));
		return -1;
	}
	rte_eth_macaddr_get(l->port_id, &l->mac);
	l->addr = rte_cpu_to_be_32(lc->addr);
	l->mask = prefix_mask(lc->plen);
	l->gateway = rte_cpu_to_be_32(lc->gateway);
	return 0;
}

/* The default Toeplitz key of many drivers (Intel). */
static const uint8_t default_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

int
cgn_ports_init(struct cgn_ctx *ctx, char *err, size_t errlen)
{
	/* RX rings, TX rings, bursts in flight, the rings to and from
	 * control, for both ports and every worker.
	 */
	unsigned int n = ctx->n_workers * 2 * (CGN_RX_DESC + CGN_TX_DESC +
					       NAT_TX_BUF + 1024) + 4096 +
			 ctx->n_workers * ctx->n_workers * CGN_HANDOFF_RING;

	ctx->mp = rte_pktmbuf_pool_create("cgn_mbuf", n, 256, 0,
					  CGN_MBUF_BUF_SIZE,
					  (int)rte_socket_id());
	memcpy(ctx->rss.key, default_rss_key, sizeof(ctx->rss.key));
	if (ctx->mp == NULL) {
		snprintf(err, errlen, "cannot create the mbuf pool (%u): %s",
			 n, rte_strerror(rte_errno));
		return -1;
	}
	if (port_setup(ctx, CGN_INSIDE, err, errlen) != 0 ||
	    port_setup(ctx, CGN_OUTSIDE, err, errlen) != 0)
		return -1;
	return 0;
}

int
cgn_ports_start(struct cgn_ctx *ctx, char *err, size_t errlen)
{
	unsigned int s;
	int rc;

	for (s = 0; s < CGN_SIDES; s++) {
		rc = rte_eth_dev_start(ctx->link[s].port_id);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: start: %s",
				 ctx->link[s].port_id, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void
cgn_ports_stop(struct cgn_ctx *ctx)
{
	unsigned int s;

	for (s = 0; s < CGN_SIDES; s++)
		rte_eth_dev_stop(ctx->link[s].port_id);
}

void
cgn_ports_close(struct cgn_ctx *ctx)
{
	unsigned int s;

	for (s = 0; s < CGN_SIDES; s++)
		rte_eth_dev_close(ctx->link[s].port_id);
}
