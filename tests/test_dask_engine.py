"""The Dask engine runs the same steps and gives byte-identical output, on a real scheduler."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner.pipeline import RunOptions, run_paths

pytest.importorskip("distributed")

TABLES = ("documents.jsonl", "clusters.jsonl", "rejected.jsonl")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1 (or CLEANER_DASK_SCHEDULER)."""
    given = os.environ.get("CLEANER_DASK_SCHEDULER")
    if given:
        yield given
        return
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=open(logs / "scheduler.log", "w"), stderr=subprocess.STDOUT)]
    try:
        for k in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                           "--nworkers", "1", "--no-dashboard", "--memory-limit", "0"],
                                          stdout=open(logs / f"worker{k}.log", "w"), stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.parametrize("dedup", [True, False])  # the streaming Dask driver, with and without de-duplication
def test_real_scheduler_output_equals_local(tmp_path: Path, samples: Path, scheduler: str, dedup: bool) -> None:
    run_paths([str(samples)], tmp_path / "local", RunOptions(dedup=dedup))
    result = run_paths([str(samples)], tmp_path / "dask", RunOptions(engine="dask", scheduler=scheduler, dedup=dedup))
    for name in TABLES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert result.manifest["counts"]["inputs"] == 6


@pytest.mark.parametrize("dedup", [True, False])
def test_real_scheduler_on_a_split_jsonl_file(tmp_path: Path, samples: Path, scheduler: str, monkeypatch, dedup: bool) -> None:
    """Workers read byte ranges of one JSONL file; ids and line numbers are those of one reader; the
    de-duplication steps (placing, verification, canonical choices, records) run as tasks on them."""
    from test_stream import make_story_corpus

    from cleaner import stream

    corpus = make_story_corpus(tmp_path / "corpus.jsonl", 30)
    monkeypatch.setattr(stream, "PARTITION_BYTES", 6000)
    monkeypatch.setattr(stream, "VERIFY_PAIRS", 50)
    monkeypatch.setattr(stream, "CHOOSE_MEMBERS", 10)
    monkeypatch.setattr(stream, "BUCKET_ENTRIES", 100)  # band keys shuffled into several bucket parts
    run_paths([str(corpus)], tmp_path / "local", RunOptions(dedup=dedup, streaming=False))
    run_paths([str(corpus)], tmp_path / "dask", RunOptions(engine="dask", scheduler=scheduler, dedup=dedup))
    for name in TABLES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    if dedup:
        manifest = __import__("json").loads((tmp_path / "dask" / "manifest.json").read_text())
        assert manifest["dedup"]["split_by_chaining_guard"] > 0


def test_local_cluster_output_equals_local(tmp_path: Path, samples: Path) -> None:
    run_paths([str(samples)], tmp_path / "local", RunOptions())
    run_paths([str(samples)], tmp_path / "dask", RunOptions(engine="dask", workers=2))
    for name in TABLES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_unknown_engine_is_a_config_error(samples: Path, tmp_path: Path) -> None:
    from cleaner.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine"):
        run_paths([str(samples)], None, RunOptions(engine="spark"))
    with pytest.raises(ConfigError, match="unknown engine"):
        run_paths([str(samples)], tmp_path / "out", RunOptions(engine="spark"))


def test_a_port_that_is_no_dask_scheduler_is_a_quick_error_naming_it(tmp_path: Path, samples: Path) -> None:
    """A service that accepts the connection but never speaks Dask (the client alone would wait for ever)."""
    from cleaner.errors import ConfigError

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ConfigError, match=f"no Dask scheduler answers at {address}"):
            run_paths([str(samples)], tmp_path / "out", RunOptions(engine="dask", scheduler=address))
        assert time.monotonic() - started < 20
    assert not (tmp_path / "out").exists()


def test_a_scheduler_without_workers_is_an_error_naming_it(tmp_path: Path, samples: Path, monkeypatch) -> None:
    """Tasks given to a scheduler that has no worker would wait for ever: refused before any work."""
    from cleaner.engines import dask as engine
    from cleaner.errors import ConfigError

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the scheduler did not start"
                time.sleep(0.3)
        monkeypatch.setattr(engine, "WORKER_WAIT", 1.0)
        for dedup in (True, False):
            with pytest.raises(ConfigError, match=f"the Dask scheduler at {address} has no workers"):
                run_paths([str(samples)], tmp_path / "out", RunOptions(engine="dask", scheduler=address, dedup=dedup))
        assert not (tmp_path / "out").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
