"""The `planbot` command line: ingest, ask, status (and eval, plan, chat)."""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from ingest.structure import KINDS
from planbot.errors import PlanbotError
from planbot.offline import set_offline_env
from planbot.settings import Settings


def _settings(home: str | None, collection: str | None, **extra) -> Settings:
    overrides = {k: v for k, v in {"home": home, "collection": collection, **extra}.items() if v is not None}
    return Settings(**overrides)


def store_options(fn):
    """--home and --collection, on every command."""
    fn = click.option("--collection", default=None, help="Collection name (default: PLANBOT_COLLECTION or 'planbot').")(fn)
    fn = click.option("--home", default=None, type=click.Path(file_okay=False), help="Data directory (default: PLANBOT_HOME or ./.planbot).")(fn)
    return fn


def friendly_errors(fn):
    """Show PlanbotErrors as one clean line (exit 1), never a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PlanbotError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planbot")
def cli() -> None:
    """Planbot: answers about Indonesian regional development plans, with cited passages."""
    set_offline_env()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option("--rebuild", is_flag=True, help="Drop the collection first and ingest from scratch.")
@click.option("--ocr", is_flag=True, default=None, help="OCR PDFs that have no text layer (tesseract).")
@click.option("--watch", is_flag=True, help="Keep running: re-ingest when files change (Ctrl-C to stop).")
@click.option("--debounce", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="With --watch: seconds of quiet after a change before re-ingesting.")
@click.option("--wait", type=click.FloatRange(0), default=600, show_default=True,
              help="Seconds to wait for another ingest of the collection to finish before giving up.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes that prepare and embed changed files while this one commits them "
                   "(default: PLANBOT_INGEST_WORKERS or 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (with --watch: one line per ingest).")
@store_options
@friendly_errors
def ingest(paths, prune, rebuild, ocr, watch, debounce, wait, workers, as_json, home, collection):
    """Ingest files and folders (default: the bundled seeds/).

    \b
    Example: planbot ingest seeds/ my_plans/ --prune
    Example: planbot ingest my_plans/ --watch
    Example: planbot ingest ../shared/corpus/dki_jakarta --workers 2
    """
    from index.embedders import make_embedder
    from index.indexer import Indexer

    settings = _settings(home, collection, ocr=ocr, ingest_workers=workers)
    indexer = Indexer(settings, make_embedder(settings, batch=True), check_model=not rebuild)
    targets = list(paths) or [settings.seeds_dir]

    def waiting(pid: int | None) -> None:
        who = f"pid {pid}" if pid else "another process"
        click.echo(f"waiting for another ingest ({who}) to finish… (up to {wait:g} s)", err=True)

    if watch:
        _watch(indexer, targets, prune=prune, rebuild=rebuild, debounce=debounce, wait=wait, as_json=as_json,
               on_wait=waiting)
        return
    report = indexer.ingest(targets, prune=prune, rebuild=rebuild, wait=wait, on_wait=waiting,
                            progress=not as_json and sys.stderr.isatty())
    _print_report(report, as_json)
    if report.failed:
        sys.exit(1)


def _print_report(report, as_json: bool, changed: list[str] | None = None, *, compact: bool = False) -> None:
    """An ingest report: warnings and failures on stderr, the summary (or JSON) on stdout."""
    if as_json:
        data = report.as_dict() if changed is None else {**report.as_dict(), "changed": changed}
        click.echo(json.dumps(data, ensure_ascii=False, indent=None if compact else 2))
        return
    for source, warning in report.warnings:
        click.echo(f"warning: {source}: {warning}", err=True)
    for source, reason in report.failed:
        click.echo(f"failed: {source}: {reason}", err=True)
    for source, reason in report.skipped:
        click.echo(f"skipped: {source}: {reason}", err=True)
    if changed is None:
        click.echo(report.summary())
    else:
        click.echo(f"{time.strftime('%H:%M:%S')} re-ingested after {len(changed)} change(s): {report.summary()}")


def _watch(indexer, targets, *, prune, rebuild, debounce, wait, as_json, on_wait) -> None:
    """`ingest --watch`: SIGINT or SIGTERM stop it with exit 0; the lock is only held during each ingest."""
    import signal

    from index.watch import watch

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if rebuild:
        indexer.rebuild(wait)
    first = True

    def report(rep, changed):
        nonlocal first
        _print_report(rep, as_json, None if first else changed, compact=True)
        first = False

    def ready(scope):
        if not as_json:
            click.echo(f"watching {', '.join(map(str, scope))} for changes (Ctrl-C to stop)", err=True)

    try:
        watch(indexer, targets, debounce=debounce, prune=prune, wait=wait, on_report=report,
              on_error=lambda exc: click.echo(f"error: {exc}", err=True), on_ready=ready, on_wait=on_wait)
    except KeyboardInterrupt:
        if not as_json:
            click.echo("stopped watching", err=True)


@cli.command()
@click.argument("question")
@click.option("--k", "k", type=click.IntRange(1, 50), default=None, help="Passages to cite.")
@click.option("--region", default=None, help="Only search this region, e.g. 'Kota Metro'.")
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid")
@click.option("--json", "as_json", is_flag=True, help="Print the answer object as JSON.")
@store_options
@friendly_errors
def ask(question, k, region, retriever, as_json, home, collection):
    """Ask a question in Indonesian or English.

    Example: planbot ask "which mission covers sanitation?" --json
    """
    from bot.service import Planbot

    bot = Planbot(_settings(home, collection))
    answer = bot.ask(question, k=k, region=region, mode=retriever)
    if as_json:
        click.echo(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(answer.answer)
    if answer.checked:  # PLANBOT_LLM: what the citation check made of the model's sentences
        kept = len(answer.checked) - answer.dropped
        click.secho(f"({answer.llm_model}: {kept} of {len(answer.checked)} sentences kept by the citation check)",
                    dim=True)
    if answer.citations:
        click.echo("")
        for c in answer.citations:
            where = " · ".join(x for x in (c.region, c.section, f"hal. {c.page}" if c.page else None) if x)
            click.secho(f"[{c.n}] {c.title} — {where}  (score {c.score:.3f})", bold=True)
            snippet = " ".join(c.text.split())
            click.echo(f"    {snippet[:300]}{'…' if len(snippet) > 300 else ''}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@store_options
@friendly_errors
def status(as_json, home, collection):
    """What is indexed: documents, chunks, model, store location, failures."""
    from index.locking import ingest_running
    from index.manifest import Manifest

    settings = _settings(home, collection)
    manifest = Manifest(settings.manifest_path, settings.collection)
    docs = manifest.documents(text=False)
    running = ingest_running(settings)
    info = {
        "collection": settings.collection,
        "ingest_running": running,
        "store": settings.chroma_url or str(settings.chroma_dir.resolve()),
        "embedding": settings.embedding,
        "documents": [
            {"doc_id": d.doc_id, "title": d.metadata.get("title"), "region": d.metadata.get("region"),
             "chunks": len(d.chunk_ids), "pending": d.pending, "version": d.hash[:12] or None,
             "debris_chars": d.metadata.get("debris_chars", 0)}
            for d in docs
        ],
        "chunks": sum(len(d.chunk_ids) for d in docs),
        "debris_chars": sum(d.metadata.get("debris_chars", 0) for d in docs),
        "failures": [
            {"source": f.source, "format": _format_of(f.source), "reason": f.reason, "path": f.path}
            for f in manifest.failure_records()
        ],
    }
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"collection {info['collection']} at {info['store']} (embedding: {info['embedding']})")
    click.echo(f"{len(docs)} documents, {info['chunks']} chunks")
    for d in info["documents"]:
        flag = (" (being written)" if running else " (interrupted: re-run ingest)") if d["pending"] else ""
        debris = f", {d['debris_chars']:,} characters of conversion debris not indexed" if d["debris_chars"] else ""
        click.echo(f"  {d['doc_id']}: {d['title']} [{d['region'] or '-'}] {d['chunks']} chunks{debris}{flag}")
    if info["failures"]:
        click.echo(f"{len(info['failures'])} files failed their last ingest (fix or remove them, then ingest again):")
        for fmt in sorted({f["format"] for f in info["failures"]}):
            click.echo(f"  {fmt}:")
            for f in info["failures"]:
                if f["format"] == fmt:
                    click.echo(f"    {f['source']}: {f['reason']}")


def _format_of(source: str) -> str:
    """The format a file is read as, from its extension (what `status` groups failures by)."""
    from ingest.formats.registry import format_for

    fmt = format_for(source)
    return fmt.name if fmt else Path(source).suffix.lower().lstrip(".") or "(none)"


@cli.command("eval")
@click.option("--dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A qa.jsonl file (see evals/README.md), asked against the collection.")
@click.option("--suite", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A suite file (evals/suite.toml): every set on its own cached index, with the naive baselines.")
@click.option("--profile", type=click.Choice(["full", "fast"]), default="full", show_default=True,
              help="With --suite: 'fast' runs each set's CI subset.")
@click.option("--set", "only", multiple=True, help="With --suite: run only this set (repeatable).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --suite: where corpora are indexed once (default: artifacts/eval-cache).")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Ingest this folder into the collection first.")
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, help="Citations per question.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Per-question records (JSONL); with --suite, the whole run as JSON (figures and records).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown report (+ PNG plot); with --suite, the table.")
@click.option("--thresholds", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --dataset: fail (exit 2) when a metric misses these bounds, e.g. evals/thresholds.toml.")
@click.option("--no-compare", is_flag=True, help="Skip running the other retrievers for the comparison.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON (with --suite: figures and records).")
@store_options
@friendly_errors
def eval_cmd(dataset, suite, profile, only, cache, corpus, retriever, k, output, report, thresholds, no_compare,
             as_json, home, collection):
    """Score retrieval, citations, answers and abstention on a Q&A set, or on every set of a suite.

    \b
    Example: planbot eval --dataset evals/qa.jsonl --report artifacts/report.md
    Example: planbot eval --suite evals/suite.toml --profile fast --output artifacts/eval-fast.json
    """
    from bot.service import Planbot

    if (dataset is None) == (suite is None):
        raise click.UsageError("give --dataset FILE (one qa.jsonl) or --suite FILE (every set of a suite)")
    if suite:
        _eval_suite(suite, profile, list(only), cache, k, output, report, as_json, _settings(home, collection))
        return
    from evals.harness import check_thresholds, evaluate, write_records
    from evals.report import write_report

    settings = _settings(home, collection)
    bot = Planbot(settings)
    if corpus:
        result = bot.indexer().ingest([corpus], progress=not as_json)
        click.echo(result.summary(), err=True)
        bot.refresh()
    run = evaluate(bot, dataset, retriever=retriever, k=k, compare=not no_compare, progress=not as_json)
    if output:
        write_records(run.records, output)
    if report:
        write_report(run, report, str(dataset))
    if as_json:
        click.echo(json.dumps(run.as_dict(), ensure_ascii=False, indent=2))
    else:
        names = ["hit@1", "hit@3", "hit@5", "mrr", "precision@3", "answer_keywords", "unanswerable_abstained",
                 "answerable_wrongly_abstained", "latency_p50_ms", "latency_p95_ms"]
        langs = [lang for lang in ("all", "id", "en") if lang in run.metrics]
        click.echo(f"{'metric':<30}" + "".join(f"{lang:>10}" for lang in langs))
        for name in names:
            click.echo(f"{name:<30}" + "".join(f"{run.metrics[lang][name]:>10.3f}" for lang in langs))
        click.echo(f"{len(run.failures)} questions with problems" + (f"; report: {report}" if report else ""))
    if thresholds:
        misses = check_thresholds(run.metrics["all"], thresholds)
        for miss in misses:
            click.echo(f"below threshold: {miss}", err=True)
        if misses:
            sys.exit(2)


def _eval_suite(suite, profile, only, cache, k, output, report, as_json, settings) -> None:
    """`eval --suite`: the table on stdout (or the JSON with --json); exit 2 when a set misses its thresholds."""
    from evals.suite import format_table, load_suite, run_suite
    from index.embedders import make_embedder
    from planbot.settings import PROJECT_ROOT

    load_suite(suite)  # a mistake in the suite file is reported before the model loads
    log = functools.partial(click.echo, err=True)
    run = run_suite(suite, profile=profile, settings=settings, embedder=make_embedder(settings),
                    cache_root=cache or PROJECT_ROOT / "artifacts" / "eval-cache", k=k, only=only,
                    progress=sys.stderr.isatty(), log=log)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(run.as_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"figures and per-question records: {output}")
    table = format_table(run)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(f"# Planbot eval suite: {suite} ({profile})\n\n{table}\n", encoding="utf-8")
    click.echo(json.dumps(run.as_dict(), ensure_ascii=False) if as_json else table)
    for miss in run.misses:
        click.echo(f"below threshold: {miss}", err=True)
    if run.misses:
        sys.exit(2)


@cli.command("eval-devset")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--questions", type=click.IntRange(1), default=None, help="Only this many questions (chosen by id hash).")
@friendly_errors
def eval_devset(source, out_dir, questions):
    """Convert a development set (../shared/devsets/*.json) into a corpus folder plus qa.jsonl.

    Example: planbot eval-devset ../shared/devsets/tydiqa_id_valid.json --out dev/ && planbot eval --dataset dev/qa.jsonl --corpus dev/corpus --collection dev
    """
    from evals.devsets import convert_devset

    corpus, qa, n = convert_devset(source, out_dir, questions=questions)
    click.echo(f"{n} questions -> {qa}; corpus -> {corpus}")


@cli.command("eval-squad")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", help="Language of the questions.")
@friendly_errors
def eval_squad(source, out_dir, lang):
    """Convert SQuAD-2.0-style JSON into a corpus folder plus qa.jsonl for `planbot eval`.

    Example: planbot eval-squad dev-v2.0.json --out squad/ && planbot eval --dataset squad/qa.jsonl --corpus squad/corpus --collection squad
    """
    from evals.squad import convert_squad

    corpus, qa, n = convert_squad(source, out_dir, lang)
    click.echo(f"{n} questions -> {qa}; corpus -> {corpus}")


@cli.command()
@click.option("--region", default=None, help="Only this region, e.g. 'Kota Metro'.")
@click.option("--kind", type=click.Choice(KINDS), default=None)
@click.option("--search", default=None,
              help="Only items whose text, goal or label holds these words (case-insensitive; forgives OCR typos).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (for spreadsheets; one column per year's target).")
@store_options
@friendly_errors
def plan(region, kind, search, as_json, as_csv, home, collection):
    """The plans' structure: visions, missions, goals, indicators with their yearly targets, programs with
    their budgets, commitments and responsible affairs.

    Example: planbot plan --region "Provinsi DKI Jakarta" --kind indicator --search stunting --json
    """
    from bot.plan import PlanRow
    from bot.plan_csv import write_plan_csv
    from bot.plan_lookup import filter_rows, values_text
    from index.manifest import Manifest

    settings = _settings(home, collection)
    manifest = Manifest(settings.manifest_path, settings.collection)
    meta = {d.doc_id: d.metadata for d in manifest.summaries() if d.chunks}
    rows = [
        PlanRow(**item, region=meta[item["doc_id"]].get("region"), title=meta[item["doc_id"]].get("title"),
                period=meta[item["doc_id"]].get("period"))
        for item in manifest.plan_items() if item["doc_id"] in meta
    ]
    rows = filter_rows(rows, region=region, kind=kind, search=search)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
    elif as_csv:
        write_plan_csv((r.as_dict() for r in rows), sys.stdout)  # cells a spreadsheet would run as formulas are escaped
    else:
        for r in rows:
            num = f" {r.number}" if r.number else ""
            parent = f" (in {r.parent})" if r.parent else ""
            values = f" — {values_text(r.fields, 'en')}" if r.fields else ""
            click.echo(f"{r.region or '-'} · {r.kind}{num}{parent}: {' '.join(r.text.split())}{values}")
        click.echo(f"{len(rows)} items", err=True)


@cli.command()
@click.option("--region", default=None, help="Only search this region.")
@store_options
@friendly_errors
def shell(region, home, collection):
    """Ask questions one after another at a prompt (Ctrl-D to leave)."""
    from bot.service import Planbot

    bot = Planbot(_settings(home, collection))
    click.echo("Planbot — tanya tentang rencana pembangunan daerah / ask about the plans. Ctrl-D to quit.")
    click.echo(bot.corpus.describe("en"))
    while True:
        try:
            question = click.prompt("\n?", prompt_suffix=" ")
        except (EOFError, click.Abort):
            click.echo("")
            return
        try:
            answer = bot.ask(question, region=region)
        except PlanbotError as exc:
            click.secho(str(exc), fg="red")
            continue
        click.echo(answer.answer)
        for c in answer.citations:
            click.secho(f"[{c.n}] {c.title} — {c.section or ''} ({c.score:.2f})", dim=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@store_options
@friendly_errors
def chat(host, port, home, collection):
    """Serve the chat page and the JSON API (POST /api/ask, GET /api/health).

    Example: planbot chat --port 7860, then open http://127.0.0.1:7860/

    Login: set PLANBOT_AUTH_USER and PLANBOT_AUTH_PASSWORD.
    """
    from bot.web.app import serve

    serve(_settings(home, collection), host=host, port=port)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
