"""`planbot eval --suite evals/suite.toml`: every set of a suite, its corpus indexed once (cached by content),
the default pipeline and the naive baselines (BM25 alone, dense alone) measured in the same run."""

from __future__ import annotations

import hashlib
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from evals.baselines import BASELINES, naive_ask
from evals.cache import COLLECTION, cached_index
from evals.dataset import load_dataset
from evals.devsets import convert_devset
from evals.harness import check_thresholds
from evals.metrics import (
    Outcome,
    QAItem,
    cited_rows,
    figure_in,
    first_relevant_rank,
    keyword_recall,
    relevant,
    row_at,
    summarize,
)
from ingest.cleaning import normalize_for_match
from planbot.errors import PlanbotError
from planbot.settings import Settings

PROFILES = ("full", "fast")
RETRIEVERS = ("planbot", *BASELINES)  # planbot: the default pipeline (hybrid, answer, abstention)
SET_KEYS = {"name", "questions", "corpus", "devset", "lang", "fast", "thresholds", "index"}
FAST_KEYS = {"questions", "docs"}


@dataclass(frozen=True)
class SetSpec:
    """One line of a suite: its questions (a qa.jsonl over a corpus folder, or a devset JSON) and fast subset."""

    name: str
    questions: Path | None = None
    corpus: Path | None = None
    devset: Path | None = None
    lang: str = "id"
    fast_questions: int | None = None
    fast_docs: tuple[str, ...] = ()
    thresholds: Path | None = None
    index: str | None = None  # the cache label of its index (default: its name); sets over one corpus share it
    in_fast: bool = True  # False (fast = false): the fast profile skips the set

    @property
    def index_label(self) -> str:
        return self.index or self.name


def load_suite(path: Path) -> list[SetSpec]:
    """The sets of a suite file; paths are relative to its `root` (itself relative to the file)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanbotError(f"cannot read the suite {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PlanbotError(f"{path}: not valid TOML ({exc})") from exc
    root = (Path(path).parent / data.get("root", ".")).resolve()
    sets, names = [], set()
    for no, entry in enumerate(data.get("set", []), 1):
        where = f"{path}: set {no}"
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise PlanbotError(f"{where}: needs a name = \"...\"")
        where = f"{path}: set {entry['name']!r}"
        unknown = set(entry) - SET_KEYS
        if unknown:
            raise PlanbotError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(SET_KEYS)}")
        if entry["name"] in names:
            raise PlanbotError(f"{where}: a second set of that name")
        if ("devset" in entry) == ("questions" in entry) or ("questions" in entry) != ("corpus" in entry):
            raise PlanbotError(f"{where}: give either devset = \"file.json\", or questions = \"file.jsonl\" "
                               "with corpus = \"folder\"")
        fast = entry.get("fast", {})
        in_fast = fast is not False
        fast = {} if fast is False else fast
        if not isinstance(fast, dict) or set(fast) - FAST_KEYS:
            raise PlanbotError(f"{where}: fast must be a table with {sorted(FAST_KEYS)}, e.g. fast = {{ questions = 100 }}, "
                               "or false (the fast profile skips the set)")
        index = entry.get("index")
        if index is not None and (not isinstance(index, str) or not index or "/" in index or index.startswith(".")):
            raise PlanbotError(f"{where}: index must be a cache label such as \"dki\" (a name, not a path)")
        n = fast.get("questions")
        if n is not None and (not isinstance(n, int) or n < 1):
            raise PlanbotError(f"{where}: fast.questions must be a positive whole number")
        docs = fast.get("docs", [])
        if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs) or (docs and "devset" in entry):
            raise PlanbotError(f"{where}: fast.docs must be a list of file names in the set's corpus folder")
        names.add(entry["name"])
        sets.append(SetSpec(
            entry["name"],
            *((root / entry[k]).resolve() if k in entry else None for k in ("questions", "corpus", "devset")),
            lang=entry.get("lang", "id"), fast_questions=n, fast_docs=tuple(docs),
            thresholds=(root / entry["thresholds"]).resolve() if "thresholds" in entry else None,
            index=index, in_fast=in_fast,
        ))
    if not sets:
        raise PlanbotError(f"{path}: no [[set]] entries")
    return sets


def _by_hash(items: list[QAItem], n: int) -> list[QAItem]:
    """n questions chosen by a hash of their ids (stable), in their file order."""
    keep = set(sorted((i.id for i in items), key=lambda x: hashlib.sha1(x.encode()).hexdigest())[:n])
    return [i for i in items if i.id in keep]


@dataclass
class PreparedSet:
    """A set ready to run: its questions and the corpus paths to index (label: its name and profile)."""

    spec: SetSpec
    items: list[QAItem]
    corpus: list[Path]
    label: str


class Skip(Exception):
    """A set that cannot run here (its files are missing); the reason is shown in the table."""


def prepare(spec: SetSpec, profile: str, work_dir: Path) -> PreparedSet:
    """Questions and corpus paths of a set for a profile; devsets are converted under work_dir."""
    fast = profile == "fast"
    label = f"{spec.name}-{profile}"
    if fast and not spec.in_fast:
        raise Skip("not in the fast profile (fast = false)")
    if spec.devset is not None:
        if not spec.devset.is_file():
            raise Skip(f"{spec.devset} not found")
        out = Path(work_dir) / "devsets" / label
        corpus, qa, _ = convert_devset(spec.devset, out, lang=spec.lang, questions=spec.fast_questions if fast else None)
        return PreparedSet(spec, load_dataset(qa), [corpus], label)
    for p, what in ((spec.questions, "question file"), (spec.corpus, "corpus folder")):
        if not p.exists():
            raise Skip(f"{what} {p} not found")
    items, corpus = load_dataset(spec.questions), [spec.corpus]
    if fast and spec.fast_docs:
        corpus = [spec.corpus / d for d in spec.fast_docs]
        absent = [str(p) for p in corpus if not p.is_file()]
        if absent:
            raise Skip(f"fast.docs not found: {', '.join(absent)}")
        docs = set(spec.fast_docs)
        # Answerable questions about those documents; unanswerable ones unless they name another document.
        items = [i for i in items if (set(i.docs) & docs) or (not i.answerable and not i.docs)]
    if fast and spec.fast_questions:
        items = _by_hash(items, spec.fast_questions)
    if not items:
        raise Skip("no questions left for this profile")
    return PreparedSet(spec, items, corpus, label)


def slices(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Metrics over all questions, per language and per question kind (a slice equal to all is left out)."""
    out = {"all": summarize(outcomes)}
    for key, attr in (("lang", "lang"), ("kind", "kind")):
        values = sorted({getattr(o.item, attr) for o in outcomes})
        for value in values if len(values) > 1 else []:
            out[f"{key}:{value}"] = summarize([o for o in outcomes if getattr(o.item, attr) == value])
    return out


def reachable(bot, items: list[QAItem]) -> float:
    """Share of answerable questions whose evidence stands whole in some indexed chunk (the ceiling of hit@k)."""
    answerable = [i for i in items if i.answerable]
    if not answerable:
        return 0.0
    texts = [normalize_for_match(c.text) for c in bot.store.get(sorted(bot.manifest.visible_chunk_ids()))]
    ok = 0
    for i in answerable:
        wanted = [normalize_for_match(e) for e in i.evidence if e.strip()]
        ok += any(w in t for t in texts for w in wanted)
    return ok / len(answerable)


def _record(set_name: str, retriever: str, item: QAItem, answer) -> dict:
    """One question's outcome for the JSON: what `ask --json` gives, citation texts replaced by relevance; a table
    question (one with an answer_figure) adds its figure, whether the answer holds it (the default pipeline only)
    and whether its row is among the first 3 citations."""
    data = answer.as_dict()
    for c in data["citations"]:
        c["relevant"] = relevant(c.pop("text"), item.evidence) if item.answerable else False
        c.pop("highlights", None)
    passages = [c.text for c in answer.citations]
    table = {}
    if item.answerable and item.figure:
        composed = retriever == "planbot"
        table = {"answer_figure": item.figure, "row@3": row_at(passages, item.evidence, 3, cited_rows(answer.citations)),
                 "figure_in_answer": (not answer.abstained and figure_in(answer.answer, item.figure)) if composed else None}
    return {
        "set": set_name, "retriever": retriever, "id": item.id, "lang": item.lang, "kind": item.kind,
        "answerable": item.answerable, "rank": first_relevant_rank(passages, item.evidence) if item.answerable else None,
        "keyword_recall": keyword_recall(answer.answer, item.answer_keywords) if item.answerable else None, **table,
        **{k: v for k, v in data.items() if k != "question"}, "question": item.question,
    }


def run_set(bot, prepared: PreparedSet, k: int, progress: bool) -> tuple[dict, list[dict]]:
    """Every question through the default pipeline and each baseline: figures per retriever, records."""
    figures, records = {}, []
    for retriever in RETRIEVERS:
        outcomes = []
        for it in tqdm(prepared.items, desc=f"{prepared.spec.name} · {retriever}", unit="q", disable=not progress,
                       leave=False):
            if retriever == "planbot":
                answer = bot.ask(it.question, k=k, mode="hybrid")
            else:
                answer = naive_ask(bot, it.question, retriever, k)
            outcomes.append(Outcome(it, [c.text for c in answer.citations], answer.answer, answer.abstained,
                                    answer.latency_ms, answer.short_answer, composed=retriever == "planbot",
                                    rows=cited_rows(answer.citations)))
            records.append(_record(prepared.spec.name, retriever, it, answer))
        figures[retriever] = slices(outcomes)
    return figures, records


@dataclass
class SuiteRun:
    """Everything one `planbot eval --suite` measured."""

    suite: str
    profile: str
    k: int
    sets: list[dict] = field(default_factory=list)

    @property
    def misses(self) -> list[str]:
        return [f"{s['name']}: {m}" for s in self.sets for m in s.get("thresholds_missed", [])]

    def as_dict(self) -> dict:
        return {"suite": self.suite, "profile": self.profile, "k": self.k, "sets": self.sets}


def run_suite(suite: Path, *, profile: str = "full", settings: Settings, embedder, cache_root: Path, k: int = 5,
              only: list[str] | None = None, progress: bool = True, log=print) -> SuiteRun:
    """Run every set of a suite file (or the named ones): index once per corpus, then all retrievers."""
    from bot.service import Planbot

    if profile not in PROFILES:
        raise PlanbotError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    specs = load_suite(suite)
    if only:
        unknown = set(only) - {s.name for s in specs}
        if unknown:
            raise PlanbotError(f"{suite}: no set named {sorted(unknown)}; it has {[s.name for s in specs]}")
        specs = [s for s in specs if s.name in only]
    run = SuiteRun(str(suite), profile, k)
    for spec in specs:
        entry: dict = {"name": spec.name}
        try:
            prepared = prepare(spec, profile, cache_root)
        except Skip as exc:
            log(f"{spec.name}: skipped ({exc})")
            run.sets.append({**entry, "status": "skipped", "reason": str(exc)})
            continue
        index = cached_index(spec.index_label, prepared.corpus, settings, embedder, cache_root, progress=progress)
        log(f"{spec.name}: {len(prepared.items)} questions; index "
            + ("reused" if index.hit else f"built in {index.seconds:.0f}s") + f" ({index.home})")
        bot = Planbot(settings.model_copy(update={"home": index.home, "collection": COLLECTION}), embedder)
        started = time.perf_counter()
        figures, records = run_set(bot, prepared, k, progress)
        entry.update({
            "status": "ran", "questions": len(prepared.items),
            "answerable": sum(i.answerable for i in prepared.items),
            "unanswerable": sum(not i.answerable for i in prepared.items),
            "corpus": [str(p) for p in prepared.corpus], "documents": len(bot.manifest.summaries()),
            "chunks": bot.chunk_count, "evidence_reachable": reachable(bot, prepared.items), "cache": index.as_dict(),
            "seconds": round(time.perf_counter() - started, 1), "figures": figures, "records": records,
        })
        if spec.thresholds:
            entry["thresholds"] = str(spec.thresholds)
            entry["thresholds_missed"] = check_thresholds(figures["planbot"]["all"], spec.thresholds)
        bot.store.close()
        run.sets.append(entry)
    return run


COLUMNS = [("n", None), ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("MRR", "mrr"), ("keywords", "answer_keywords"),
           ("ans.refused", "answerable_wrongly_abstained"), ("unans.refused", "unanswerable_abstained"),
           ("figure", "figure_in_answer"), ("row@3", "row@3"), ("p50 ms", "latency_p50_ms")]
FIGURE_KEYS = {"figure_in_answer", "row@3"}  # None (shown "-") where the slice has no answer_figure question


def _cells(m: dict) -> list[str]:
    cells = [f"{m['questions']}"]
    for _, key in COLUMNS[1:]:
        if key == "latency_p50_ms":
            cells.append(f"{m[key]:.0f}")
        elif key in FIGURE_KEYS:
            cells.append("-" if m.get(key) is None else f"{m[key]:.3f}")
        elif key == "unanswerable_abstained":
            cells.append(f"{m[key]:.3f}" if m["unanswerable"] else "-")
        else:
            cells.append(f"{m[key]:.3f}" if m["answerable"] else "-")
    return cells


def format_table(run: SuiteRun) -> str:
    """One markdown table: per set, per slice (all, language, question kind), per retriever."""
    head = ["set", "slice", "retriever", *(c for c, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for s in run.sets:
        if s["status"] != "ran":
            lines.append(f"| {s['name']} | skipped: {s['reason']} |" + " |" * (len(head) - 2))
            continue
        notes.append(f"{s['name']}: {s['questions']} questions ({s['unanswerable']} unanswerable), "
                     f"{s['documents']} documents, {s['chunks']} chunks, evidence reachable "
                     f"{s['evidence_reachable']:.3f}, index {'reused' if s['cache']['hit'] else 'built'}"
                     + (f"; thresholds missed: {s['thresholds_missed']}" if s.get("thresholds_missed") else ""))
        for slice_name in s["figures"]["planbot"]:
            for retriever in RETRIEVERS:
                m = s["figures"][retriever][slice_name]
                name = "**planbot**" if retriever == "planbot" else retriever
                lines.append("| " + " | ".join([s["name"], slice_name, name, *_cells(m)]) + " |")
    if any(s["status"] == "ran" and s["figures"]["planbot"]["all"].get("figure_questions") for s in run.sets):
        notes.append("figure: share of the answerable questions with an answer_figure whose answer holds that figure "
                     "exactly (the default pipeline only; a baseline has no answer). row@3: share of them whose row "
                     "(evidence = the row's label cell) is among the first 3 citations (for bm25 and dense: their "
                     "top 3 passages).")
    return "\n".join(lines + [""] + notes)
