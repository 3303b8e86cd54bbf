"""The ``cleaner`` command line (typer).

Exit codes: 0 ok, 1 findings (pre-commit: something was or would be
written), 2 usage or input error. Progress bars go to stderr, only on a
terminal and never under ``PRE_COMMIT=1``.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, List, Optional

import typer

from . import __version__
from .config import FORMATS, KEEP, MODES, check_language, check_number, find_config
from .errors import CleanerError, ConfigError
from .records import Rejected

app = typer.Typer(
    name="cleaner",
    help="Strip site noise from scraped news, merge syndicated copies into one canonical text per story, with provenance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "[tool.cleaner]" is a TOML table, not rich markup
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"cleaner: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def show_progress() -> bool:
    return sys.stderr.isatty() and os.environ.get("PRE_COMMIT") != "1"


class RichProgress:
    """Adapts the pipeline's ``progress(stage, n, total)`` calls to a rich bar on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)

    def __call__(self, stage: str, n: int, total: int | None) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.advance(self._tasks[stage], n)


def _config() -> dict[str, Any]:
    try:
        found = find_config()
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    return found[1] if found else {}


def _pick(cli_value: Any, config: dict[str, Any], key: str, default: Any) -> Any:
    return cli_value if cli_value is not None else config.get(key, default)


def build_run_options(
    config: dict[str, Any],
    *,
    mode: str | None = None,
    no_dedup: bool | None = None,
    threshold: float | None = None,
    num_perm: int | None = None,
    workers: int | None = None,
    formats: list[str] | None = None,
    language: str | None = None,
    index: str | None = None,
    corpus_evidence: bool | None = None,
    id_field: str | None = None,
    text_field: str | None = None,
    html_field: str | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    cache: str | None = None,
    keep: str | None = None,
    max_document_bytes: int | None = None,
    time_limit: str | float | None = None,
    exclude: tuple[str, ...] = (),
):
    """RunOptions from CLI values over config values over defaults (shared with the pre-commit hook)."""
    try:
        return _build_run_options(
            config, mode=mode, no_dedup=no_dedup, threshold=threshold, num_perm=num_perm, workers=workers, formats=formats,
            language=language, index=index, corpus_evidence=corpus_evidence, id_field=id_field, text_field=text_field,
            html_field=html_field, engine=engine, scheduler=scheduler, cache=cache, keep=keep,
            max_document_bytes=max_document_bytes, time_limit=time_limit, exclude=exclude,
        )
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _build_run_options(config: dict[str, Any], **cli: Any):
    from .api import dedup_params
    from .io.readers import ReadOptions
    from .pipeline import RunOptions
    from .strip import StripOptions

    mode = _pick(cli["mode"], config, "mode", "auto")
    if mode not in MODES:
        raise ConfigError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    fmts = tuple(dict.fromkeys(_pick(cli["formats"] or None, config, "format", ["jsonl"])))
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    keep = _pick(cli["keep"], config, "keep", "canonical")
    if keep not in KEEP:
        raise ConfigError(f"--keep must be one of {', '.join(KEEP)}, not {keep!r}")
    no_dedup = cli["no_dedup"]
    dedup = not no_dedup if no_dedup is not None else config.get("dedup", True)
    if keep == "all" and not dedup:
        raise ConfigError("--keep all annotates the clusters of de-duplication; it cannot be used with --no-dedup")
    numbers = {}
    for name in ("workers", "threshold", "num_perm", "max_document_bytes"):
        value = _pick(cli[name], config, name, None)
        numbers[name] = check_number(name, value) if value is not None else None
    time_limit = _time_limit(_pick(cli["time_limit"], config, "time_limit", None))
    engine = cli["engine"] or "local"
    if engine not in ("local", "dask"):
        raise ConfigError(f"--engine must be local or dask, not {engine!r}")
    if cli["scheduler"] and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask (without it the run would silently stay local)")
    language = _pick(cli["language"], config, "language", None)
    language = check_language(language) if language is not None else None
    read = ReadOptions(
        mode=mode,
        id_field=_pick(cli["id_field"], config, "id_field", "id"),
        text_field=_pick(cli["text_field"], config, "text_field", "text"),
        html_field=_pick(cli["html_field"], config, "html_field", "html"),
        exclude=tuple(cli["exclude"]),
    )
    if numbers["max_document_bytes"] is not None:
        read = replace(read, max_document_bytes=numbers["max_document_bytes"])
    return RunOptions(
        read=read,
        strip=StripOptions(language=language),
        dedup=bool(dedup),
        dedup_params=dedup_params(threshold=numbers["threshold"], num_perm=numbers["num_perm"]),
        corpus_evidence=bool(_pick(cli["corpus_evidence"], config, "corpus_evidence", True)),
        workers=numbers["workers"] or 1,
        index=_pick(cli["index"], config, "index", None),
        formats=fmts,  # type: ignore[arg-type]
        engine=engine,
        scheduler=cli["scheduler"],
        cache=_pick(cli["cache"], config, "cache", None),
        keep=keep,
        **({} if time_limit is False else {"time_limit": time_limit}),
    )


def _time_limit(value: str | float | None) -> float | None | bool:
    """``--time-limit`` / ``time_limit``: seconds, ``0`` or ``none`` for no limit (None); False: not given."""
    if value is None:
        return False
    if isinstance(value, str):
        if value.strip().lower() == "none":
            return None
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"--time-limit must be a number of seconds or none, not {value!r}") from None
    seconds = check_number("time_limit", value)
    return seconds or None


@app.command()
def run(
    inputs: Optional[List[str]] = typer.Argument(None, help="Folders, files, globs, or - for JSONL on stdin. Default: `inputs` from the config."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Output folder (documents.jsonl, clusters.jsonl, rejected.jsonl, manifest.json), or - to stream documents.jsonl to stdout (the summary goes to stderr)."),
    no_dedup: Optional[bool] = typer.Option(None, "--no-dedup", help="One record per input document instead of one per story.", show_default=False),
    threshold: Optional[float] = typer.Option(None, help="Jaccard threshold of near-duplicates (default: cleaner.neardup.DedupParams)."),
    num_perm: Optional[int] = typer.Option(None, "--num-perm", help="MinHash permutations (2 to 4096)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Processes for the per-document stages (1: one worker process, or in-process with --time-limit 0)."),
    mode: Optional[str] = typer.Option(None, help="auto | text | html (auto: detected per document)."),
    formats: Optional[List[str]] = typer.Option(None, "--format", "-f", help="jsonl (default), txt (adds one .txt per story), parquet. Repeatable: --format parquet --format jsonl writes both."),
    keep: Optional[str] = typer.Option(None, "--keep", help="canonical (default: one record per story) or all (every input document, annotated with its cluster, canonical_id, similarity and duplicate: true|false)."),
    language: Optional[str] = typer.Option(None, help="Language of the noise rules when a document does not say (ISO 639-1; default: detected per document)."),
    index: Optional[str] = typer.Option(None, help="Persisted near-duplicate index: a folder, redis://HOST:PORT/DB or rediss:// (TLS)."),
    cache: Optional[str] = typer.Option(None, help="Folder of a stage cache: unchanged documents are not re-extracted or re-stripped."),
    corpus_evidence: Optional[bool] = typer.Option(None, "--corpus-evidence/--no-corpus-evidence", help="Use lines repeated across a site's documents and other documents' titles.", show_default=False),
    id_field: Optional[str] = typer.Option(None, "--id-field", help="JSONL/Parquet id field (default id)."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="JSONL/Parquet text field (default text)."),
    html_field: Optional[str] = typer.Option(None, "--html-field", help="JSONL/Parquet HTML field (default html)."),
    max_document_bytes: Optional[int] = typer.Option(None, "--max-document-bytes", help="A larger document is rejected (default 20000000)."),
    engine: str = typer.Option("local", help="local (in-process or a process pool) or dask (dask.distributed)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, with --engine dask (default: a local cluster of --workers processes)."),
    no_report: bool = typer.Option(False, "--no-report", help="Do not write OUT/report.html (nor OUT/examples.jsonl)."),
    time_limit: Optional[str] = typer.Option(None, "--time-limit", metavar="SECONDS", help="Wall-clock limit per document: a worker stuck longer is killed and the document rejected (default 60; 0 or none: no limit, and one worker runs in-process)."),
) -> None:
    """Clean and de-duplicate a corpus; write one canonical record per story."""
    from .pipeline import run_paths

    config = _config()
    inputs = inputs or config.get("inputs")
    output = output or config.get("output")
    if not inputs:
        raise _fail("no INPUT given (and no `inputs` in [tool.cleaner] / .cleaner.toml)") from None
    if output is None:
        raise _fail("no output folder: give -o OUT (or `output` in the config)") from None
    to_stdout = output == "-"
    options = build_run_options(
        config, mode=mode, no_dedup=no_dedup, threshold=threshold, num_perm=num_perm, workers=workers,
        formats=formats, language=language, index=index, corpus_evidence=corpus_evidence,
        id_field=id_field, text_field=text_field, html_field=html_field, engine=engine, scheduler=scheduler, cache=cache,
        keep=keep, max_document_bytes=max_document_bytes, time_limit=time_limit,
        exclude=() if to_stdout else (str(Path(output).resolve()),),
    )
    if no_report:
        options = dataclasses.replace(options, report=False)
    try:
        check_before_work(inputs, None if to_stdout else output, options, stdout_formats=formats if to_stdout else None)
        if show_progress():
            with RichProgress() as progress:
                result = run_paths(inputs, None if to_stdout else output, options, progress)
        else:
            result = run_paths(inputs, None if to_stdout else output, options)
        if to_stdout:
            stream_documents(result, options)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:  # e.g. the output folder is a file, or not writable
        raise _fail(f"{exc.filename or output}: {exc.strerror or exc}") from None
    counts = result.manifest["counts"]
    typer.echo(
        f"cleaner: {_count(counts['inputs'], 'input')} -> {_count(counts['records'], 'record')} "
        f"({_count(counts['clusters_with_copies'], 'story', 'stories')} with several copies, "
        f"largest {counts['largest_cluster']}), {counts['rejected']} rejected",
        err=to_stdout,
    )
    for kind, path in result.written.items():
        typer.echo(f"  {kind:<9} {path}")
    for rejected in result.rejected[:5]:
        typer.echo(f"  rejected  {rejected.id}: {rejected.reason}", err=True)
    if len(result.rejected) > 5:
        where = result.written.get("rejected") or "the manifest's counts (stdout mode writes no rejected.jsonl)"
        typer.echo(f"  ... and {len(result.rejected) - 5} more in {where}", err=True)


def check_before_work(inputs: List[str], output: str | None, options: Any, stdout_formats: Any = None) -> None:
    """Everything that can be known wrong before reading a single input, so a run does not fail
    after an hour of stripping: the output folder's place, the cache's place, the index, the
    Dask scheduler, and what can go to stdout. Raises ConfigError / DedupIndexError."""
    from .cache import check_cache_location

    if stdout_formats and any(f != "jsonl" for f in stdout_formats):
        raise ConfigError("-o - streams documents.jsonl to stdout; --format txt/parquet need an output folder")
    if output is not None:
        check_output_location(inputs, output)
    check_cache_location(options.cache, inputs, output)
    if options.index and options.dedup:
        from .neardup.index import probe_index

        probe_index(options.index, options.dedup_params)
    if options.engine == "dask" and options.scheduler:
        from .engines.dask import check_scheduler

        check_scheduler(options.scheduler)


def check_output_location(inputs: List[str], output: str | os.PathLike[str]) -> None:
    """An output folder that is an input folder would read its own output on the next run (inputs
    2 -> 6 -> 10): refused. One inside an input folder is allowed: the readers leave it out."""
    out = Path(output).resolve()
    for item in inputs:
        if item == "-":
            continue
        base = Path(str(item).split("*", 1)[0].split("?", 1)[0].split("[", 1)[0] or ".").resolve()
        if base == out:
            raise ConfigError(f"output folder {output} is the input folder {item}: the next run would read its own output; choose another -o")


def stream_documents(result: Any, options: Any) -> None:
    """``documents.jsonl`` on stdout, one line at a time (for ``-o -``)."""
    from .io.formats import output_rows

    out = sys.stdout
    for row in output_rows(result, options.keep):
        out.write(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    out.flush()


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _one_document(file: str, mode: str | None, language: str | None):
    from .io.readers import ReadOptions, detect_mode, iter_documents
    from .records import Document
    from .strip import StripOptions, strip_document

    if mode is not None and mode not in MODES:
        raise _fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}") from None
    if file == "-":  # one document as plain text or HTML on stdin (not JSONL, unlike `run -`)
        content = sys.stdin.read()
        if not content.strip():
            raise _fail("<stdin>: empty input") from None
        chosen = mode or detect_mode(content)
        records = [Document(id="<stdin>", content=content, mode=chosen)]  # type: ignore[arg-type]
    else:
        try:
            records = list(iter_documents([file], ReadOptions(mode=mode or "auto")))  # type: ignore[arg-type]
        except CleanerError as exc:
            raise _fail(str(exc)) from None
    if len(records) != 1:
        raise _fail(f"{file}: holds {len(records)} documents; `strip`/`explain` take one (use `cleaner run`)") from None
    doc = records[0]
    if isinstance(doc, Rejected):
        raise _fail(f"{file}: {doc.reason}") from None
    result = strip_document(doc, None, StripOptions(language=language))
    if isinstance(result, Rejected):
        raise _fail(f"{file}: {result.reason}") from None
    return result


@app.command()
def strip(
    file: str = typer.Argument(..., help="One document (.txt, .html, .gz, a one-line JSONL) or - for text on stdin."),
    mode: Optional[str] = typer.Option(None, help="auto | text | html."),
    language: Optional[str] = typer.Option(None, help="Language of the noise rules (default: detected)."),
    title: bool = typer.Option(False, "--title", help="Print the detected title first, then a blank line."),
) -> None:
    """Print the cleaned text of one document."""
    doc = _one_document(file, mode, language)
    if title and doc.title:
        typer.echo(doc.title + "\n")
    typer.echo(doc.text)


@app.command()
def explain(
    file: str = typer.Argument(..., help="One document, or - for text on stdin."),
    mode: Optional[str] = typer.Option(None, help="auto | text | html."),
    language: Optional[str] = typer.Option(None, help="Language of the noise rules (default: detected)."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Colour (default: on a terminal).", show_default=False),
) -> None:
    """Show one document with every removed span marked, its kind and its reason."""
    from .explain import explain_document

    doc = _one_document(file, mode, language)
    use_color = color if color is not None else sys.stdout.isatty()
    typer.echo(explain_document(doc, color=use_color), nl=False, color=use_color)


@app.command()
def report(
    output: Path = typer.Argument(..., help="An output folder of `cleaner run` (manifest.json, documents.jsonl, ...)."),
) -> None:
    """Rebuild OUT/report.html from the output folder's files alone."""
    from .report import write_report

    if not output.is_dir():
        raise _fail(f"{output}: no such folder")
    try:
        info = write_report(output)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    except (OSError, ValueError, KeyError) as exc:  # a damaged output file: say which folder
        raise _fail(f"{output}: cannot read the output files: {exc}") from None
    typer.echo(f"cleaner: wrote {info.path} ({info.bytes:,} bytes; {info.aggregate_s + info.render_s:.3f} s CPU)")


@app.command()
def precommit(
    fix: bool = typer.Option(False, "--fix", help="Write the cleaned corpus (hook cleaner-fix)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; fail when the cleaned corpus is stale (hook cleaner-check)."),
    files: Optional[List[str]] = typer.Argument(None, help="Files pre-commit passes; ignored: the whole configured corpus is considered."),
) -> None:
    """The pre-commit data step, configured by [tool.cleaner] / .cleaner.toml (inputs, output, ...)."""
    from .precommit import precommit as run_precommit

    if fix == check:
        raise _fail("give exactly one of --fix or --check") from None
    config = _config()
    options = build_run_options(config, index=None)
    try:
        outcome = run_precommit(options, config, check=check)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{exc.filename or config.get('output')}: {exc.strerror or exc}") from None
    if outcome.changed:
        verb = "would update" if check else "updated"
        typer.echo(f"cleaner: {verb} {len(outcome.changed)} file(s) in {outcome.output}:")
        for name in outcome.changed:
            typer.echo(f"  {name}")
        if check:
            typer.echo("cleaner: the cleaned corpus is stale; run `cleaner precommit --fix` (hook cleaner-fix)")
    raise typer.Exit(outcome.exit_code)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Print the version."),
) -> None:
    """cleaner: news and web text preprocessor."""


def main() -> None:
    """Console entry point; usage errors exit 2 (click's convention too)."""
    handler = logging.StreamHandler(sys.stderr)  # the library's warnings (e.g. a damaged cache rebuilt)
    handler.setFormatter(logging.Formatter("cleaner: %(levelname)s: %(message)s"))
    logging.getLogger("cleaner").addHandler(handler)
    try:
        app(standalone_mode=True)
    except CleanerError as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"cleaner: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
