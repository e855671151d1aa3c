#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot cgnat-bench results: Mpps and cycles/packet against session count.

    plot.py RESULTS.json [MORE.json ...] -o OUT.png

One line per direction (in2out, out2in, mixed) and per configuration: 1
worker, 2 workers with the rss distribution (every frame on its owner's
queue), 2 workers with the spread distribution (every flow on a random
queue, about half the frames handed off). With several JSON files
(repeated runs) each point is the median and the bar spans the lowest and
highest run.
"""
import argparse
import json
import statistics
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SERIES = [  # key, label, colour
    ("in2out", "in2out", "tab:blue"),
    ("out2in", "out2in", "tab:orange"),
    ("mixed", "mixed 50/50", "tab:green"),
]
# (workers, distribution) -> line style, marker, label
CONFIGS = {
    (1, "rss"): ("-", "o", "1 worker"),
    (2, "rss"): ("--", "s", "2 workers, rss"),
    (2, "spread"): (":", "^", "2 workers, spread"),
}


def load(paths):
    runs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            runs.append(json.load(f))
    return runs


def collect(runs):
    """{(workers, dist, key, metric): {sessions: [values over runs]}}"""
    data = {}
    for run in runs:
        for r in run["results"]:
            if r.get("skipped"):
                continue
            cfg = (r["workers"], r.get("distribution", "rss"))
            keys = [k for k, _, _ in SERIES]
            if cfg[1] == "rss":
                keys.append("floor")  # the same in both rows of a run
            for key in keys:
                for metric in ("mpps", "cyc_pkt"):
                    v = r.get(f"{key}_{metric}")
                    if v is None or v <= 0:
                        continue
                    d = data.setdefault(cfg + (key, metric), {})
                    d.setdefault(r["sessions"], []).append(v)
    return data


def human(n):
    if n >= 1e6:
        return f"{n / 1e6:.3g}M"
    if n >= 1e3:
        return f"{n / 1e3:.3g}k"
    return str(n)


def errbars(d, xs, med, show):
    if not show:
        return None
    lo = [med[i] - min(d[x]) for i, x in enumerate(xs)]
    hi = [max(d[x]) - med[i] for i, x in enumerate(xs)]
    return [lo, hi]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dpi", type=int, default=90)
    a = ap.parse_args()
    runs = load(a.json)
    data = collect(runs)
    if not data:
        print("plot.py: no results to plot", file=sys.stderr)
        return 1
    m = runs[0].get("machine", {})
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.4))
    scales = sorted({s for d in data.values() for s in d})
    configs = sorted({k[:2] for k in data})
    floor_txt = []
    for ax, metric, ylabel in ((axes[0], "mpps", "Mpps (sum over workers)"),
                               (axes[1], "cyc_pkt",
                                "cycles / packet (per worker)")):
        for cfg in configs:
            style, mark, clabel = CONFIGS.get(cfg, ("-.", "x", str(cfg)))
            for key, label, colour in SERIES:
                d = data.get(cfg + (key, metric))
                if not d:
                    continue
                xs = sorted(d)
                med = [statistics.median(d[x]) for x in xs]
                ax.errorbar(xs, med, yerr=errbars(d, xs, med, True),
                            color=colour, linestyle=style, marker=mark,
                            capsize=3, label=f"{label}, {clabel}")
            d = data.get(cfg + ("floor", metric))
            if not d:
                continue
            vals = {x: statistics.median(v) for x, v in d.items()}
            if metric == "mpps":
                # Several times the NAT's rate: it would flatten the NAT
                # curves, so it is written, not drawn.
                floor_txt.append(f"{clabel.split(',')[0]}: "
                                 f"{min(vals.values()):.0f}-"
                                 f"{max(vals.values()):.0f}")
            else:
                xs = sorted(vals)
                ax.plot(xs, [vals[x] for x in xs], color="tab:gray",
                        linestyle=style, marker=mark,
                        label=f"floor (5-tuple swap), "
                              f"{clabel.split(',')[0]}")
        ax.set_xscale("log")
        ax.set_xticks(scales)
        ax.set_xticklabels([human(x) for x in scales])
        ax.minorticks_off()
        ax.set_xlabel("sessions (log scale)")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
    axes[1].axhline(120, color="tab:red", linestyle=":", linewidth=1,
                    label="target: 120 cycles at 1M sessions")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8,
               frameon=False)
    if floor_txt:
        axes[0].text(0.02, 0.02, "floor (5-tuple swap), Mpps: " +
                     "; ".join(sorted(set(floor_txt))),
                     transform=axes[0].transAxes, fontsize=8,
                     color="tab:gray", va="bottom")
    pages = "hugepages" if m.get("hugepages") else "no hugepages (4 KiB)"
    # Runs per session count (the large scales are often run once).
    per = {}
    for d in data.values():
        for x, v in d.items():
            per[x] = max(per.get(x, 0), len(v))
    if len(set(per.values())) == 1:
        k = next(iter(per.values()))
        n = f", median of {k} runs" if k > 1 else ""
    else:
        n = ", runs per point: " + ", ".join(
            f"{human(x)} {per[x]}" for x in sorted(per))
    fig.suptitle(f"cgnat-bench: 64-byte UDP, established sessions - "
                 f"{m.get('cpu', '?')}, {m.get('cpus_online', '?')} vCPUs, "
                 f"{m.get('tsc_hz', 0) / 1e9:.2f} GHz TSC, {pages}{n}",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(a.output, dpi=a.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
