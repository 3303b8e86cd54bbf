"""The streaming run: same bytes as the in-memory pipeline, resumable after kill -9, killable workers.

With de-duplication on or off: the streaming driver calls the steps of
``cleaner.neardup.dedup_documents`` over the spill, so its output is compared byte for byte with the
in-memory pipeline's under the same options."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from cleaner import stream
from cleaner.pipeline import RunOptions, run_paths

TABLES = ("documents.jsonl", "clusters.jsonl", "rejected.jsonl")


def files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


def make_corpus(path: Path, samples: Path, replicas: int) -> Path:
    """JSONL records made from the samples: replica r swaps the words of long lines (the story) by a
    mapping of its own, so copies within a replica stay near-duplicates and replicas differ."""
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(samples.rglob("*.txt"))]
    vocab = sorted({w for _, t in texts for w in re.findall(r"[A-Za-z]{4,}", t)})
    with open(path, "w", encoding="utf-8") as handle:
        for r in range(replicas):
            def swap(m: re.Match, r: int = r) -> str:
                return vocab[zlib.crc32(f"{r}:{m.group(0)}".encode()) % len(vocab)]

            for k, (name, text) in enumerate(texts):
                lines = [re.sub(r"[A-Za-z]{4,}", swap, ln) if r and ln.count(" ") >= 7 else ln for ln in text.split("\n")]
                for copy in range(2):  # two sites carry each story
                    record = {"id": f"r{r:04d}-{name}-{copy}", "site": f"Site {(k + copy) % 5}", "text": "\n".join(lines)}
                    handle.write(json.dumps(record) + "\n")
    return path


def made_up_words(rng: random.Random) -> list[str]:
    """A vocabulary of made-up words (no language's stopwords, no dev-set text)."""
    syllables = ["ka", "lo", "mi", "ran", "te", "su", "vo", "ne", "pli", "dor", "an", "ex", "qui", "bel", "tor", "ma"]
    return sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3000)})


def made_up_paragraph(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(18, 34))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def make_story_corpus(path: Path, stories: int, seed: int = 7) -> Path:
    """Stories of made-up words, each carried by several sites: full copies (dated and undated, one
    with a site line), a preview (its first paragraphs), and every third story a chain piece (the end
    of one story and the start of the next, an edge to both: the chaining guard splits the two)."""
    rng = random.Random(seed)
    vocab = made_up_words(rng)

    def paragraph() -> str:
        return made_up_paragraph(rng, vocab)

    texts = [[paragraph() for _ in range(12)] for _ in range(stories)]
    with open(path, "w", encoding="utf-8") as handle:
        def put(**record) -> None:
            handle.write(json.dumps(record) + "\n")

        for k, lines in enumerate(texts):
            title = " ".join(rng.choice(vocab) for _ in range(6)).capitalize()
            day = f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}"
            body = "\n\n".join([title, *lines])
            put(id=f"s{k:04d}-a", site=f"Site {k % 5}", date=day, text=body)
            put(id=f"s{k:04d}-b", site=f"Site {(k + 1) % 5}", date=day, text=body + "\n\nFollow us for more news.")
            put(id=f"s{k:04d}-c", site=f"Site {(k + 2) % 5}", text=body)
            put(id=f"s{k:04d}-p", site="Preview Wire", date=day,
                text="\n\n".join([title, *lines[:4], "Read the full story on our site."]))
            if k % 3 == 0 and k + 1 < stories:
                put(id=f"s{k:04d}-x", site="Chain Daily", date=day, text="\n\n".join([title, *lines[6:], *texts[k + 1][:6]]))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[bool, dict[str, bytes]]:
    from conftest import SAMPLES

    out = {}
    for dedup in (True, False):
        folder = tmp_path_factory.mktemp("memory")
        run_paths([str(SAMPLES)], folder, RunOptions(streaming=False, dedup=dedup))
        out[dedup] = files(folder)
    return out


@pytest.mark.parametrize("dedup", [True, False])
@pytest.mark.parametrize("workers", [1, 2])
def test_streaming_run_writes_the_bytes_of_the_in_memory_pipeline(tmp_path: Path, samples: Path, reference, workers: int,
                                                                 dedup: bool) -> None:
    result = run_paths([str(samples)], tmp_path / "out", RunOptions(workers=workers, dedup=dedup))
    assert files(tmp_path / "out") == reference[dedup]
    assert result.manifest["counts"]["inputs"] == 6
    assert "write" in result.manifest["timings_s"]  # the streaming path's
    assert not stream.work_folder_for(tmp_path / "out").exists()  # the work folder goes after success


def test_what_stays_in_memory(tmp_path: Path, samples: Path, monkeypatch) -> None:
    """A de-duplicating run streams; an index, a stage cache or --keep all hold the run in memory."""
    from cleaner.pipeline import streams

    assert streams(RunOptions()) and streams(RunOptions(dedup=False))
    for held in (RunOptions(index=str(tmp_path / "idx")), RunOptions(cache=str(tmp_path / "cache")), RunOptions(keep="all"),
                 RunOptions(streaming=False)):
        assert not streams(held)

    def refuse(*args, **kwargs):
        raise AssertionError("a run with a stage cache took the streaming path")

    monkeypatch.setattr(stream, "run_streaming", refuse)
    run_paths([str(samples)], tmp_path / "cached", RunOptions(cache=str(tmp_path / "cache")))
    run_paths([str(samples)], tmp_path / "memory", RunOptions(streaming=False))
    assert files(tmp_path / "cached") == files(tmp_path / "memory")


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _same_run(streamed: Path, memory: Path) -> None:
    """Same three tables, byte for byte, and the same manifest but for the timings and how it ran."""
    assert files(streamed) == files(memory)
    a, b = _manifest(streamed), _manifest(memory)
    for m in (a, b):
        m.pop("timings_s")
        for how in ("streaming", "workers"):
            m["parameters"].pop(how)
    assert a == b


def test_streaming_de_duplication_of_copies_previews_and_chains(tmp_path: Path, monkeypatch) -> None:
    """Tiny shards, parts and task sizes (every step over many pieces, split components' choices asked for
    one by one), partitions read by the steps, one and two worker processes: the in-memory bytes."""
    corpus = make_story_corpus(tmp_path / "stories.jsonl", 30)
    memory = tmp_path / "memory"
    run_paths([str(corpus)], memory, RunOptions(streaming=False))
    stats = _manifest(memory)["dedup"]
    # the corpus exercises what the stage decides: copies, previews (containment), the chaining guard
    assert stats["clusters_with_copies"] >= 20 and stats["containment_edges"] > 0
    assert stats["split_by_chaining_guard"] > 0 and stats["chaining_guard"]["documents_moved"] > 0

    class PartitionDriver(stream.InlineDriver):
        reads_partitions = True  # as the Dask driver: the steps read byte ranges of the file themselves

    monkeypatch.setattr(stream, "PARTITION_BYTES", 9000)
    monkeypatch.setattr(stream, "PART_DOCUMENTS", 7)
    monkeypatch.setattr(stream, "VERIFY_PAIRS", 13)
    monkeypatch.setattr(stream, "CHOOSE_MEMBERS", 5)
    monkeypatch.setattr(stream, "BUCKET_ENTRIES", 40)  # the band keys shuffled into many bucket parts
    assert stream.bucket_part_count(30, RunOptions().dedup_params) > 5
    for driver, out in ((stream.InlineDriver(), "inline"), (PartitionDriver(), "partitions"), (None, "pool")):
        stream.run_streaming([str(corpus)], tmp_path / out, RunOptions(workers=2), driver=driver, batch=11)
        _same_run(tmp_path / out, memory)


def test_streaming_de_duplication_of_the_syndication_dev_set(tmp_path: Path) -> None:
    from conftest import eval_path

    corpus = eval_path("syndication-dev", "corpus.jsonl")
    if not corpus.is_file():
        pytest.skip("the syndication-dev set is not here")
    run_paths([str(corpus)], tmp_path / "memory", RunOptions(streaming=False, workers=2))
    run_paths([str(corpus)], tmp_path / "stream", RunOptions(workers=2))
    _same_run(tmp_path / "stream", tmp_path / "memory")
    assert _manifest(tmp_path / "memory")["dedup"]["lines_left_out_of_shingles"] > 0


def test_tiny_shards_partitions_and_parts_change_nothing(tmp_path: Path, samples: Path, monkeypatch) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", samples, replicas=6)
    memory = tmp_path / "memory"
    run_paths([str(corpus)], memory, RunOptions(streaming=False, dedup=False))

    class PartitionDriver(stream.InlineDriver):
        reads_partitions = True  # as the Dask driver: the steps read byte ranges of the file themselves

    monkeypatch.setattr(stream, "PARTITION_BYTES", 4000)
    monkeypatch.setattr(stream, "PART_DOCUMENTS", 5)
    for driver, out in ((stream.InlineDriver(), "inline"), (PartitionDriver(), "partitions")):
        stream.run_streaming([str(corpus)], tmp_path / out, RunOptions(dedup=False), driver=driver, batch=9)
        assert files(tmp_path / out) == files(memory), out
    manifest = json.loads((tmp_path / "partitions" / "manifest.json").read_text())
    assert manifest["inputs"] == json.loads((memory / "manifest.json").read_text())["inputs"]


def test_a_duplicate_id_across_partitions_is_rejected_as_a_reader_does(tmp_path: Path) -> None:
    text = "Town opens library\n\nThe town opened its new library on Saturday after two years of work.\n"
    (tmp_path / "in").mkdir()
    for name in ("a", "b"):
        (tmp_path / "in" / f"{name}.jsonl").write_text(json.dumps({"id": "same", "text": text}) + "\n")

    class PartitionDriver(stream.InlineDriver):
        reads_partitions = True

    stream.run_streaming([str(tmp_path / "in")], tmp_path / "out", RunOptions(), driver=PartitionDriver(), batch=1)
    stream.run_streaming([str(tmp_path / "in")], tmp_path / "local", RunOptions(), driver=stream.InlineDriver())
    assert files(tmp_path / "out") == files(tmp_path / "local")
    assert "duplicate id 'same'" in (tmp_path / "out" / "rejected.jsonl").read_text()


def _hang_on(doc_id: str, how: str):
    from cleaner import pipeline

    real = pipeline.apply_stage

    def apply_stage(stage, doc, options, evidence=None):
        if doc.id == doc_id and stage == "extract":
            if how == "hang":
                while True:  # a C parser that never returns cannot be told apart from this
                    time.sleep(1)
            os._exit(3)  # a crash in C code
        return real(stage, doc, options, evidence)

    return apply_stage


@pytest.mark.parametrize("how", ["hang", "crash"])
def test_a_hanging_or_crashing_document_is_rejected_and_the_rest_goes_on(tmp_path: Path, samples: Path, reference,
                                                                          monkeypatch, how: str) -> None:
    from cleaner import pipeline

    extra = tmp_path / "in"
    extra.mkdir()
    (extra / "stuck.txt").write_text("A page that never finishes\n\nIts parse runs for ever in a library written in C.\n")
    # workers are forked from this process, so they run the patched stage
    monkeypatch.setattr(pipeline, "apply_stage", _hang_on("stuck", how))
    started = time.monotonic()
    run_paths([str(samples), str(extra)], tmp_path / "out", RunOptions(workers=2, time_limit=1.0, dedup=False))
    assert time.monotonic() - started < 60
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["stage"]) for r in rejected] == [("stuck", "extract")]
    assert ("time limit of 1 s" if how == "hang" else "worker process died (exit code 3)") in rejected[0]["reason"]
    assert files(tmp_path / "out")["documents.jsonl"] == reference[False]["documents.jsonl"]


@pytest.mark.parametrize("how", ["hang", "crash"])
def test_a_hanging_document_in_a_de_duplicating_run_is_rejected_too(tmp_path: Path, samples: Path, monkeypatch,
                                                                     how: str) -> None:
    """The in-memory pipeline's pool is the streaming run's killable one."""
    from cleaner import pipeline

    run_paths([str(samples)], tmp_path / "reference", RunOptions(streaming=False))
    extra = tmp_path / "in"
    extra.mkdir()
    (extra / "stuck.txt").write_text("A page that never finishes\n\nIts parse runs for ever in a library written in C.\n")
    monkeypatch.setattr(pipeline, "apply_stage", _hang_on("stuck", how))
    started = time.monotonic()
    run_paths([str(samples), str(extra)], tmp_path / "out", RunOptions(workers=2, time_limit=1.0))
    assert time.monotonic() - started < 60
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["stage"]) for r in rejected] == [("stuck", "extract")]
    assert ("time limit of 1 s" if how == "hang" else "worker process died (exit code 3)") in rejected[0]["reason"]
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert files(tmp_path / "out")[name] == files(tmp_path / "reference")[name]


@pytest.mark.parametrize("how", ["hang", "crash"])
def test_one_worker_runs_the_stages_in_a_killable_process_too(tmp_path: Path, samples: Path, monkeypatch,
                                                               how: str) -> None:
    """--workers 1 (the CLI default) with a time limit: one worker process, so a hang in C code is stopped."""
    from cleaner import pipeline

    started = time.monotonic()
    run_paths([str(samples)], tmp_path / "reference", RunOptions(workers=1, time_limit=1.0))
    reference_s = time.monotonic() - started
    extra = tmp_path / "in"
    extra.mkdir()
    (extra / "stuck.txt").write_text("A page that never finishes\n\nIts parse runs for ever in a library written in C.\n")
    monkeypatch.setattr(pipeline, "apply_stage", _hang_on("stuck", how))
    started = time.monotonic()
    run_paths([str(samples), str(extra)], tmp_path / "out", RunOptions(workers=1, time_limit=1.0))
    # the stuck document costs about its limit more than the run without it (slack for a loaded
    # machine: the replacement worker's start scales with the reference run's own time)
    assert time.monotonic() - started < 2 * reference_s + 1.0 + 3.0
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["stage"]) for r in rejected] == [("stuck", "extract")]
    assert ("time limit of 1 s" if how == "hang" else "worker process died (exit code 3)") in rejected[0]["reason"]
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert files(tmp_path / "out")[name] == files(tmp_path / "reference")[name]


def test_without_a_time_limit_one_worker_stays_in_process(tmp_path: Path, samples: Path, monkeypatch) -> None:
    from cleaner.engines import pool

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(pool, "KillablePool", no_pool)
    run_paths([str(samples)], tmp_path / "out", RunOptions(workers=1, time_limit=None))
    assert (tmp_path / "out" / "documents.jsonl").stat().st_size > 0


@pytest.mark.parametrize(("given", "expected"), [(None, 60.0), ("none", None), ("0", None), ("2.5", 2.5)])
def test_the_time_limit_option(given, expected) -> None:
    from cleaner.cli import build_run_options

    assert build_run_options({}, time_limit=given).time_limit == expected
    if given is not None and given != "none":
        assert build_run_options({"time_limit": float(given)}).time_limit == expected


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("dedup", [False, True])
def test_kill_9_then_the_same_command_continues_and_gives_the_same_bytes(tmp_path: Path, samples: Path, dedup: bool) -> None:
    pytest.importorskip("psutil")
    corpus = make_corpus(tmp_path / "corpus.jsonl", samples, replicas=40)
    env = dict(os.environ, CLEANER_SHARD_DOCUMENTS="20")
    flags = ["--workers", "2"] + ([] if dedup else ["--no-dedup"])
    command = [sys.executable, "-m", "cleaner", "run", str(corpus), "-o", str(tmp_path / "out"), *flags]
    subprocess.run([*command[:5], "-o", str(tmp_path / "whole"), *flags], env=env, check=True, capture_output=True)
    if dedup:
        assert _manifest(tmp_path / "whole")["dedup"]["clusters_with_copies"] > 0

    work = stream.work_folder_for(tmp_path / "out")
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(work.glob("b-*.done.json"))) < 2:
        time.sleep(0.05)
    workers = _children(run.pid)
    assert run.poll() is None, "the run ended before it could be killed; make the corpus bigger"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = sorted(p.name for p in work.glob("*.done.json"))
    assert any(name.startswith("b-") for name in done_before)
    assert not (tmp_path / "out").exists()  # nothing half-written where readers look
    # the workers die with their parent (PR_SET_PDEATHSIG / a watch on the parent)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert workers and not any(_alive(p) for p in workers)

    kept = {name: (work / name).stat().st_mtime_ns for name in done_before}
    subprocess.run(command, env=dict(env, CLEANER_KEEP_WORK="1"), check=True, capture_output=True)
    assert files(tmp_path / "out") == files(tmp_path / "whole")
    # the shards done before the kill were not made again
    assert all((work / name).stat().st_mtime_ns == mtime for name, mtime in kept.items())


def test_an_unreachable_scheduler_is_a_quick_error_naming_it(tmp_path: Path, samples: Path) -> None:
    pytest.importorskip("distributed")
    import socket

    from cleaner.errors import ConfigError

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConfigError, match=f"tcp://127.0.0.1:{port}"):
        run_paths([str(samples)], tmp_path / "out", RunOptions(engine="dask", scheduler=f"tcp://127.0.0.1:{port}", dedup=False))
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_with_de_duplication_is_named_before_reading(tmp_path: Path, samples: Path,
                                                                               monkeypatch) -> None:
    """The in-memory (de-duplicating) path checks the scheduler before the inputs are read, as the streaming one does."""
    pytest.importorskip("distributed")
    import socket

    from cleaner import pipeline
    from cleaner.errors import ConfigError

    def no_reading(*args, **kwargs):
        raise AssertionError("the inputs were read before the scheduler was checked")

    monkeypatch.setattr(pipeline, "iter_documents", no_reading)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConfigError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        run_paths([str(samples)], tmp_path / "out", RunOptions(engine="dask", scheduler=f"tcp://127.0.0.1:{port}"))
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


def test_a_shard_changed_since_it_was_written_is_refused(tmp_path: Path) -> None:
    from cleaner.records import Document
    from cleaner.spill import DamagedShard, ShardReader, ShardWriter, _verified, iter_shard

    path = tmp_path / "s.jsonl"
    writer = ShardWriter(path)
    for k in range(3):
        writer.add(Document(id=f"d{k}", content="x", text=f"text {k}", source_text="x"))
    writer.close()
    assert [d.text for d in iter_shard(path)] == ["text 0", "text 1", "text 2"]
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    _verified.discard(str(path))
    with pytest.raises(DamagedShard, match="changed since it was written"):
        list(iter_shard(path))
    with pytest.raises(DamagedShard):
        ShardReader(path)


@pytest.mark.parametrize("dedup", [False, True])
def test_every_output_file_of_a_streaming_run_is_the_in_memory_runs(tmp_path: Path, samples: Path, dedup: bool) -> None:
    """Parquet beside JSONL, txt files, inputs.jsonl and the report: written by the one writer, the
    report inside the committed set (no staging folder or work folder left)."""
    formats = ("jsonl", "parquet", "txt")
    run_paths([str(samples)], tmp_path / "memory", RunOptions(streaming=False, dedup=dedup, formats=formats))
    result = run_paths([str(samples)], tmp_path / "stream", RunOptions(dedup=dedup, formats=formats))

    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    memory, streamed = tree(tmp_path / "memory"), tree(tmp_path / "stream")
    assert sorted(streamed) == sorted(memory)
    assert {"documents.parquet", "documents.jsonl", "inputs.jsonl", "report.html", "examples.jsonl"} <= set(streamed)
    assert any(name.startswith("txt/") for name in streamed)
    for name in streamed:
        if name not in ("manifest.json", "report.html"):  # these two hold the run's timings
            assert streamed[name] == memory[name], name
    manifest = json.loads(streamed["manifest.json"])
    assert manifest["inputs"]["files"]["file"] == "inputs.jsonl" and "txt_names" in manifest
    assert result.written["report"] == str(tmp_path / "stream" / "report.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory", "stream"]


def test_a_line_over_the_limit_in_a_later_partition_keeps_its_file_line_number(tmp_path: Path) -> None:
    from cleaner.io.readers import ReadOptions

    text = "Town opens library\n\nThe town opened its new library on Saturday after two years of work.\n"
    lines = [json.dumps({"text": text + f"Story {k}.\n"}) for k in range(12)]
    lines[8] = json.dumps({"text": "x" * 5000})
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")

    class PartitionDriver(stream.InlineDriver):
        reads_partitions = True

    options = RunOptions(dedup=False, read=ReadOptions(max_document_bytes=3000))
    stream.run_streaming([str(tmp_path / "in.jsonl")], tmp_path / "whole", options, driver=stream.InlineDriver())
    old = stream.PARTITION_BYTES
    stream.PARTITION_BYTES = 500  # line 9 starts in the second range
    try:
        from cleaner.io.readers import ReadReport

        assert len(stream.partition_inputs([str(tmp_path / "in.jsonl")], ReadReport(), 2)) > 2  # the setting applies
        stream.run_streaming([str(tmp_path / "in.jsonl")], tmp_path / "parts", options, driver=PartitionDriver(), batch=2)
    finally:
        stream.PARTITION_BYTES = old
    rejected = [json.loads(line) for line in (tmp_path / "parts" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["id"], r["line"]) for r in rejected] == [("in:9", 9)]
    assert files(tmp_path / "parts") == files(tmp_path / "whole")
