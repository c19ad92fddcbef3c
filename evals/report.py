"""The markdown report of an eval run, with a PNG comparing the retrievers."""

from __future__ import annotations

from pathlib import Path

from evals.harness import EvalRun

SHOWN = ["hit@1", "hit@3", "hit@5", "mrr", "precision@3", "answer_keywords", "unanswerable_abstained",
         "answerable_wrongly_abstained", "latency_p50_ms", "latency_p95_ms"]
# Shown when the set has questions with an answer_figure (evals.metrics.figure_metrics).
FIGURES = ["figure_in_answer", "figure_short", "row@3"]


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if name.endswith("_ms") else f"{value:.3f}"


def plot_retrievers(run: EvalRun, path: Path) -> None:
    """Grouped bars: retrieval metrics per retriever and language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["hit@1", "hit@3", "mrr", "precision@3"]
    groups = [(mode, lang) for mode in run.by_retriever for lang in ("all", "id", "en") if lang in run.by_retriever[mode]]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(groups)
    for gi, (mode, lang) in enumerate(groups):
        values = [run.by_retriever[mode][lang][m] for m in metrics]
        xs = [i + gi * width for i in range(len(metrics))]
        ax.bar(xs, values, width, label=f"{mode} · {lang}")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(metrics))], metrics)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title("Retrievers compared (hybrid vs dense vs lexical), by question language")
    ax.legend(ncol=3, fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(run: EvalRun, path: Path, dataset: str) -> Path:
    """Markdown with the metrics table, the retriever comparison, the plot and the failures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    png = path.with_suffix(".png")
    plot_retrievers(run, png)
    langs = [lang for lang in ("all", "id", "en") if lang in run.metrics]
    lines = [f"# Planbot eval: {dataset}", "", (f"Retriever: **{run.retriever}**. "
             f"{run.metrics['all']['questions']} questions ({run.metrics['all']['answerable']} answerable, "
             f"{run.metrics['all']['unanswerable']} not)."), "", "## Metrics", "",
             "| metric | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
    shown = SHOWN + (FIGURES if run.metrics["all"].get("figure_questions") else [])
    for name in shown:
        lines.append(f"| {name} | " + " | ".join(_fmt(name, run.metrics[lang][name]) for lang in langs) + " |")
    lines += ["", "## Retrievers compared", "", "| retriever | language | hit@1 | hit@3 | MRR | precision@3 | answer keywords |",
              "|---|---|---|---|---|---|---|"]
    for mode, split in run.by_retriever.items():
        for lang in ("all", "id", "en"):
            if lang in split:
                m = split[lang]
                lines.append(f"| {mode} | {lang} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['mrr']:.3f} | "
                             f"{m['precision@3']:.3f} | {m['answer_keywords']:.3f} |")
    lines += ["", f"![retrievers compared]({png.name})", "", f"## Failures ({len(run.failures)})", ""]
    if not run.failures:
        lines.append("None.")
    for f in run.failures:
        lines.append(f"- `{f['id']}` ({f['lang']}) {f['question']} — {'; '.join(f['problems'])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return png
