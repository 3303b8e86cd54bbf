"""Issue 13: errors that must be messages, outputs other tools must trust, and the small things."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cleaner
from cleaner.cli import app
from cleaner.errors import ConfigError, InputError

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _story(n: int) -> str:
    return (f"Story {n} headline about the harbour\n\n"
            f"The council of town {n} met on Tuesday to discuss the new budget, which includes funds for road repairs "
            "and a library. Officials said the plan would be put to a public vote in the spring after residents spoke.\n")


# -- messages, not tracebacks ------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--num-perm", "100000000"], "--num-perm must be from 2 to 4096"),
    (["--num-perm", "1"], "--num-perm must be from 2 to 4096"),
    (["--threshold", "0"], "--threshold must be in (0, 1]"),
    (["--workers", "0"], "--workers must be from 1"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
    (["--language", "xx"], "language 'xx'"),
    (["--keep", "some"], "--keep must be one of"),
    (["--index", "redis://localhost:port/0"], "port must be a number"),
    (["--index", "http://example.com/x"], "a folder, or a redis://"),
])
def test_bad_options_are_messages(tmp_path: Path, samples: Path, args: list[str], message: str) -> None:
    result = cli("run", str(samples), "-o", str(tmp_path / "o"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists() and not Path("rediss:").exists()


def test_unreachable_redis_is_reported_before_any_work(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    raw = tmp_path / "raw"
    raw.mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(raw / "never-read.txt")  # the run would be rejected, not hang; but it must not even start
    t0 = time.perf_counter()
    result = cli("run", str(raw), "-o", str(tmp_path / "o"), "--index", f"redis://127.0.0.1:{_free_port()}/0")
    assert result.exit_code == 2 and "cannot reach redis" in result.output
    assert time.perf_counter() - t0 < 10 and not (tmp_path / "o").exists()


def test_unreachable_dask_scheduler_is_named_quickly(tmp_path: Path, samples: Path) -> None:
    t0 = time.perf_counter()
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = cli("run", str(samples), "-o", str(tmp_path / "o"), "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 2 and f"cannot reach the Dask scheduler at {address}" in result.output
    assert time.perf_counter() - t0 < 10 and not (tmp_path / "o").exists()


def test_library_errors() -> None:
    with pytest.raises(InputError, match="cleaned Documents"):
        cleaner.dedup(["text"])
    with pytest.raises(InputError, match="iterable of cleaned Documents"):
        cleaner.dedup("text")
    with pytest.raises(ConfigError, match="language 'xx'"):
        cleaner.clean_text("Some text.", language="xx")
    assert cleaner.clean_text("Some text of an article that is long enough.", language="pt-BR").text
    with pytest.raises(ConfigError, match="num-perm"):
        cleaner.dedup([], num_perm=10**8)


def test_dir_shows_the_api() -> None:
    shown = dir(cleaner)
    assert {"clean_text", "clean_html", "dedup", "run", "iter_clean", "iter_run"} <= set(shown)
    assert "TYPE_CHECKING" not in shown


def test_help_keeps_toml_table_names() -> None:
    assert "[tool.cleaner]" in cli("precommit", "--help").output
    assert "[tool.cleaner]" in cli("run", "--help").output or "config" in cli("run", "--help").output


def test_explain_prints_no_python_reprs(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text(_story(1) + "\n(Except for the headline, this story has not been edited by Valley Times staff "
                    "and is published from a syndicated feed.)\n")
    out = cli("explain", str(page)).output
    line = next((x for x in out.splitlines() if x.startswith("# attribution")), "")
    assert "None" not in line and "['" not in line


# -- output locations ---------------------------------------------------------------

def test_output_folder_equal_to_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(_story(1))
    result = cli("run", str(tmp_path), "-o", str(tmp_path))
    assert result.exit_code == 2 and "is the input folder" in result.output


def test_output_folder_inside_input_is_not_read_back(tmp_path: Path) -> None:
    for n in range(2):
        (tmp_path / f"s{n}.txt").write_text(_story(n))
    for _ in range(3):
        result = cli("run", str(tmp_path), "-o", str(tmp_path / "out"))
        assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["inputs"] == 2


def test_stdout_streaming(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(_story(1))
    (tmp_path / "b.txt").write_text("Markets close higher\n\nShares rose on Friday as investors weighed fresh data on "
                                    "inflation and jobs, and traders said the mood had turned after a difficult month.\n")
    proc = subprocess.run([sys.executable, "-m", "cleaner", "run", str(tmp_path), "-o", "-"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert "2 inputs" in proc.stderr and not (tmp_path / "-").exists()
    result = cli("run", str(tmp_path), "-o", "-", "--format", "parquet")
    assert result.exit_code == 2 and "need an output folder" in result.output


def test_non_utf8_names_and_surrogate_ids_do_not_end_the_run(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path / "raw")
    os.mkdir(raw)
    with open(os.path.join(raw, b"caf\xe9.txt"), "wb") as fh:
        fh.write(_story(1).encode())
    lines = (json.dumps({"id": "ok", "text": _story(2)}) + "\n" + '{"id": "bad\\udc80", "site": "S\\ud800", "text": "x"}\n')
    result = cli("run", str(tmp_path / "raw"), "-", "-o", str(tmp_path / "out"), input=lines)
    assert result.exit_code == 0, result.output
    clusters = [json.loads(x)["id"] for x in (tmp_path / "out" / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(clusters) == ["caf\\xe9", "ok"]
    assert [r["id"] for r in rejected] == ["bad\ufffd"] and "lone surrogate" in rejected[0]["reason"]


def test_input_hashes_have_their_own_file(tmp_path: Path, samples: Path) -> None:
    assert cli("run", str(samples), "-o", str(tmp_path / "o")).exit_code == 0
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    listed = [json.loads(x) for x in (tmp_path / "o" / "inputs.jsonl").read_text().splitlines()]
    assert manifest["inputs"]["files"]["file"] == "inputs.jsonl" and manifest["inputs"]["files"]["count"] == len(listed) >= 4
    assert all(len(r["sha256"]) == 64 for r in listed)


# -- txt names --------------------------------------------------------------------

def test_txt_names_are_one_to_one(tmp_path: Path) -> None:
    ids = ["file", "file.txt/inner", "File", "a" * 300, "nul\x00id", "x/../../y", "sp ace", "é/ü", ".", "..", "a/b/c/d/e/f/g/h/i/j/k/l"]
    lines = "".join(json.dumps({"id": i, "text": _story(n)}) + "\n" for n, i in enumerate(ids))
    result = cli("run", "-", "-o", str(tmp_path / "o"), "--format", "jsonl", "--format", "txt", "--no-dedup", input=lines)
    assert result.exit_code == 0, result.output
    files = sorted(p for p in (tmp_path / "o" / "txt").rglob("*.txt") if p.is_file())
    assert len(files) == len(ids)
    assert all(len(p.name.encode()) <= 255 for p in files)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert "sha256(id)" in manifest["txt_names"]
    from cleaner.io.formats import txt_file_name

    assert (tmp_path / "o" / "txt" / txt_file_name("file.txt/inner")).read_text().startswith("Story 1")


# -- keep all -------------------------------------------------------------------------

def test_keep_all_annotates_every_input(tmp_path: Path, samples: Path) -> None:
    assert cli("run", str(samples), "-o", str(tmp_path / "o"), "--keep", "all").exit_code == 0
    rows = [json.loads(x) for x in (tmp_path / "o" / "documents.jsonl").read_text().splitlines()]
    clusters = [json.loads(x) for x in (tmp_path / "o" / "clusters.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [c["id"] for c in clusters]
    by_id = {c["id"]: c for c in clusters}
    for row in rows:
        assert row["canonical_id"] == by_id[row["id"]]["canonical_id"] and row["cluster"]["id"] == by_id[row["id"]]["cluster"]
        assert row["duplicate"] is (row["id"] != row["canonical_id"])
        assert row["similarity"] == by_id[row["id"]]["similarity"]
    assert any(r["duplicate"] for r in rows) and any(not r["duplicate"] for r in rows)
    assert cli("run", str(samples), "-o", str(tmp_path / "p"), "--keep", "all", "--no-dedup").exit_code == 2


# -- parquet ------------------------------------------------------------------------

def _normal(value):
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    one, two = tmp_path / "in1", tmp_path / "in2"
    one.mkdir()
    two.mkdir()
    (one / "a.jsonl").write_text(json.dumps({"id": "a", "text": _story(1), "tag": {"x": [1, 2]}, "standfirst_src": None}) + "\n")
    (two / "b.jsonl").write_text(json.dumps({"id": "b", "text": _story(2), "site": "S", "url": "https://s.example/b"}) + "\n"
                                 + '{"id": "broken"\n')
    for src, out in ((one, "o1"), (two, "o2")):
        result = cli("run", str(src), "-o", str(tmp_path / out), "--format", "parquet", "--format", "jsonl")
        assert result.exit_code == 0, result.output
    return tmp_path / "o1", tmp_path / "o2"


def test_parquet_round_trips_and_two_runs_load_together(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from cleaner.io.formats import rows_from_parquet, schemas

    o1, o2 = _two_runs(tmp_path)
    for out in (o1, o2):
        for kind in ("documents", "clusters", "rejected"):
            table = pq.read_table(out / f"{kind}.parquet")
            assert table.schema.equals(schemas()[kind], check_metadata=False)
            jsonl = [json.loads(x) for x in (out / f"{kind}.jsonl").read_text().splitlines()]
            assert [_normal(r) for r in rows_from_parquet(kind, table)] == [_normal(r) for r in jsonl]
    assert pq.read_table(o1 / "rejected.parquet").num_rows == 0  # empty, with every column
    assert pq.read_table(o1 / "rejected.parquet").schema.names == schemas()["rejected"].names
    import pyarrow.dataset as ds

    both = ds.dataset([str(o1 / "documents.parquet"), str(o2 / "documents.parquet")], format="parquet").to_table()
    assert sorted(both.column("id").to_pylist()) == ["a", "b"]


def test_parquet_with_duckdb(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    o1, o2 = _two_runs(tmp_path)
    con = duckdb.connect()
    rows = con.execute(
        f"select id, url, cluster.size, len(provenance), metadata from read_parquet(['{o1}/documents.parquet', '{o2}/documents.parquet']) order by id"
    ).fetchall()
    assert [r[0] for r in rows] == ["a", "b"] and rows[1][1] == "https://s.example/b" and rows[0][2] == 1
    meta = {kv["key"]: json.loads(kv["value"]) for kv in rows[0][4]}
    assert meta["tag"] == {"x": [1, 2]}
    (count,) = con.execute(f"select count(*) from read_parquet(['{o1}/rejected.parquet', '{o2}/rejected.parquet'])").fetchone()
    assert count == 1


def test_parquet_with_hugging_face_datasets(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    o1, o2 = _two_runs(tmp_path)
    for kind in ("documents", "rejected"):
        loaded = datasets.load_dataset("parquet", data_files=[str(o1 / f"{kind}.parquet"), str(o2 / f"{kind}.parquet")],
                                       split="train", cache_dir=str(tmp_path / "hf"))
        assert len(loaded) == {"documents": 2, "rejected": 1}[kind]
    assert sorted(loaded.column_names) == ["id", "line", "path", "reason", "stage"]


# -- datatrove round trip -------------------------------------------------------------

def test_datatrove_round_trip(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    record = {"text": _story(1), "id": "dt/1", "media": [], "metadata": {"url": "https://a.example/1", "dump": "CC-1"}}
    (tmp_path / "in" / "00000.jsonl").write_text(json.dumps(record) + "\n")
    assert cli("run", str(tmp_path / "in"), "-o", str(tmp_path / "o")).exit_code == 0
    (row,) = [json.loads(x) for x in (tmp_path / "o" / "documents.jsonl").read_text().splitlines()]
    assert row["url"] == "https://a.example/1" and row["metadata"] == {"dump": "CC-1"}
    # read back the way datatrove's JsonlReader adapter does: metadata is merged, never nested twice
    (tmp_path / "again").mkdir()
    shutil.copy(tmp_path / "o" / "documents.jsonl", tmp_path / "again" / "x.jsonl")
    assert cli("run", str(tmp_path / "again"), "-o", str(tmp_path / "o2")).exit_code == 0
    (row2,) = [json.loads(x) for x in (tmp_path / "o2" / "documents.jsonl").read_text().splitlines()]
    assert row2["url"] == "https://a.example/1" and "metadata" not in row2.get("metadata", {})
    assert row2["metadata"]["dump"] == "CC-1"


def test_a_damaged_cache_is_a_warning_on_the_command_line(tmp_path: Path, samples: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "stages.sqlite").write_bytes(b"garbage" * 1000)
    proc = subprocess.run([sys.executable, "-m", "cleaner", "run", str(samples), "-o", str(tmp_path / "o"), "--cache", str(tmp_path / "cache")],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "cleaner: WARNING: stage cache" in proc.stderr and "started a new one" in proc.stderr
