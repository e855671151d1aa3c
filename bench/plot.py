#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot cgnat-bench results: Mpps and cycles/packet against session count.

    plot.py RESULTS.json [MORE.json ...] -o OUT.png

With several JSON files (repeated runs) each point is the median and the
bar spans the lowest and highest run.
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
    ("floor", "floor: 5-tuple swap", "tab:gray"),
]
STYLE = {1: "-", 2: "--"}
MARK = {1: "o", 2: "s"}


def load(paths):
    runs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            runs.append(json.load(f))
    return runs


def collect(runs):
    """{(workers, key, metric): {sessions: [values over runs]}}"""
    data = {}
    for run in runs:
        for r in run["results"]:
            if r.get("skipped"):
                continue
            for key, _, _ in SERIES:
                for metric in ("mpps", "cyc_pkt"):
                    v = r.get(f"{key}_{metric}")
                    if v is None or v <= 0:
                        continue
                    d = data.setdefault((r["workers"], key, metric), {})
                    d.setdefault(r["sessions"], []).append(v)
    return data


def human(n):
    if n >= 1e6:
        return f"{n / 1e6:.3g}M"
    if n >= 1e3:
        return f"{n / 1e3:.3g}k"
    return str(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    runs = load(a.json)
    data = collect(runs)
    if not data:
        print("plot.py: no results to plot", file=sys.stderr)
        return 1
    m = runs[0].get("machine", {})
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    scales = sorted({s for d in data.values() for s in d})
    floor_txt = []
    for ax, metric, ylabel in ((axes[0], "mpps", "Mpps (worker time)"),
                               (axes[1], "cyc_pkt", "cycles / packet")):
        for workers in sorted({k[0] for k in data}):
            for key, label, colour in SERIES:
                d = data.get((workers, key, metric))
                if not d:
                    continue
                if key == "floor" and metric == "mpps":
                    # Several times the NAT's rate: it would flatten the
                    # NAT curves, so it is written, not drawn.
                    vals = [statistics.median(v) for v in d.values()]
                    floor_txt.append(f"{workers} worker"
                                     f"{'s' if workers > 1 else ''}: "
                                     f"{min(vals):.0f}-{max(vals):.0f}")
                    continue
                xs = sorted(d)
                med = [statistics.median(d[x]) for x in xs]
                lo = [med[i] - min(d[x]) for i, x in enumerate(xs)]
                hi = [max(d[x]) - med[i] for i, x in enumerate(xs)]
                ax.errorbar(xs, med, yerr=[lo, hi] if len(runs) > 1 else None,
                            color=colour, linestyle=STYLE.get(workers, ":"),
                            marker=MARK.get(workers, "^"), capsize=3,
                            label=f"{label}, {workers} worker"
                                  f"{'s' if workers > 1 else ''}")
        ax.set_xscale("log")
        ax.set_xticks(scales)
        ax.set_xticklabels([human(x) for x in scales])
        ax.minorticks_off()
        ax.set_xlabel("sessions (log scale)")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(True, which="both", alpha=0.3)
    axes[1].axhline(120, color="tab:red", linestyle=":", linewidth=1,
                    label="budget: 120 cycles at 1M sessions (DESIGN.md)")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8,
               frameon=False)
    if floor_txt:
        axes[0].text(0.02, 0.02, "floor (5-tuple swap), Mpps: " +
                     "; ".join(floor_txt), transform=axes[0].transAxes,
                     fontsize=8, color="tab:gray")
    pages = "hugepages" if m.get("hugepages") else "no hugepages (4 KiB)"
    n = f", median of {len(runs)} runs" if len(runs) > 1 else ""
    fig.suptitle(f"cgnat-bench: 64-byte UDP, established sessions - "
                 f"{m.get('cpu', '?')}, {m.get('tsc_hz', 0) / 1e9:.2f} GHz "
                 f"TSC, {pages}{n}", fontsize=10)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    fig.savefig(a.output, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
