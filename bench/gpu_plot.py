"""Plots bench/gpu_bench.cu's CSV (every row a ratio against a same-run baseline) as one bar chart.

    python bench/gpu_plot.py bench/results/gpu_bench.csv bench/results/gpu_bench.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GOALS = {"round_trip": 0.9, "same_process": 0.95, "h2d": 0.9}


def main(src: str, dst: str) -> None:
    rows = list(csv.DictReader(open(src)))
    labels = [f"{r['group']}\n{r['case']}" for r in rows]
    ratios = [float(r["ratio"]) for r in rows]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bars = ax.bar(range(len(rows)), ratios, color=["tab:blue" if r["group"] != "h2d" or
                                                   r["case"] != "pageable malloc" else "tab:gray"
                                                   for r in rows])
    for i, r in enumerate(rows):
        g = GOALS.get(r["group"])
        if g and r["case"] != "pageable malloc":
            ax.plot([i - 0.4, i + 0.4], [g, g], "r--", lw=1)
        ax.text(i, ratios[i], f"{ratios[i]:.2f}x", ha="center", va="bottom", fontsize=8)
    ax.axhline(1.0, color="black", lw=0.5)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("baseline time / shmhub time (higher is better)")
    ax.set_title("shmhub GPU streams vs same-run baselines (red dashes: goals)")
    fig.tight_layout()
    fig.savefig(dst, dpi=120)
    del bars


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
