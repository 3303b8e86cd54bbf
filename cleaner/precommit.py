"""The pre-commit data step: keep a cleaned corpus in step with its raw inputs.

``cleaner precommit --fix`` (hook ``cleaner-fix``) rebuilds the output folder
from *all* configured raw inputs, so a new file is de-duplicated against the
whole corpus, not only the staged files; it writes only files whose bytes
change and deletes outputs whose inputs are gone. ``--check`` (hook
``cleaner-check``) writes nothing and fails when the folder is stale.

Exit codes follow the fixer convention: 0 nothing to do, 1 wrote (or would
write) something, 2 error. Warm runs are fast because extraction and
stripping results are cached by content (:mod:`cleaner.cache`) in the git
folder, where the cache can never be committed by accident.

Outputs carry no timings and no cache statistics, so a second run over the
same inputs is byte-identical (idempotent) and every file ends with exactly
one newline (``end-of-file-fixer`` and ``trailing-whitespace`` leave them be).

In a git checkout the hook reads only the raw files git knows: tracked or
staged (``git ls-files --cached``), so an untracked or ``.gitignore``d file in a
raw folder never ends up in the committed corpus. Outside git every file is read.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .cache import check_cache_location
from .errors import ConfigError
from .io.writers import apply_outputs, render_outputs
from .pipeline import RunOptions, run_paths


@dataclass
class PrecommitOutcome:
    changed: list[str]  # output files (relative to the output folder) written/deleted, or that would be
    records: int
    rejected: int
    output: Path

    @property
    def exit_code(self) -> int:
        return 1 if self.changed else 0


def default_cache_dir(repo: Path) -> Path:
    """``<git dir>/cleaner-cache`` inside a git checkout, else ``.cleaner-cache``."""
    try:
        git_dir = subprocess.run(
            ["git", "rev-parse", "--git-dir"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        return (repo / git_dir / "cleaner-cache").resolve()
    except (OSError, subprocess.CalledProcessError):
        return repo / ".cleaner-cache"


def git_files(repo: Path) -> frozenset[str] | None:
    """Paths (resolved folder + name) of the files git tracks or has staged, or None outside git.

    ``git ls-files --cached`` lists the index: committed files and staged new ones; untracked
    files (and so every ``.gitignore``d one) are not in it. A file deleted from the work tree but
    still in the index is listed and then simply not found by the walk."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
        listed = subprocess.run(["git", "ls-files", "--cached", "-z", "--full-name"], cwd=top, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    base = os.path.realpath(top)
    folders: dict[str, str] = {}  # each folder resolved once (a corpus is many files in few folders)
    paths = set()
    for raw in listed.split(b"\0"):
        if raw:
            rel = os.fsdecode(raw)
            folder, name = os.path.split(rel)
            real = folders.get(folder)
            if real is None:
                real = folders[folder] = os.path.realpath(os.path.join(base, folder))
            paths.add(os.path.join(real, name))
    return frozenset(paths)


def existing_inputs(patterns: list[str], repo: Path) -> list[str]:
    """The configured inputs that match something now (a deleted folder is an empty corpus, not an error)."""
    import glob

    present = []
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(repo / pattern)
        if glob.has_magic(full):
            if any(Path(p).is_file() for p in glob.glob(full, recursive=True)):
                present.append(full)
        elif Path(full).exists():
            present.append(full)
    return present


def precommit(options: RunOptions, config: dict[str, Any], *, check: bool, repo: Path | None = None) -> PrecommitOutcome:
    """Run the data step; with ``check`` nothing is written."""
    repo = repo or Path.cwd()
    patterns = config.get("inputs")
    output = config.get("output")
    if not patterns or not output:
        raise ConfigError("the pre-commit hook needs `inputs` and `output` in [tool.cleaner] (pyproject.toml) or .cleaner.toml")
    out = Path(output) if Path(output).is_absolute() else repo / output
    # The hook rebuilds the output from the whole corpus every time (the stage cache makes that
    # cheap); a near-duplicate index would hold deleted and edited documents, so it is not used.
    options = replace(options, cache=options.cache or str(default_cache_dir(repo)), index=None)
    inputs = existing_inputs(list(patterns), repo)
    check_cache_location(options.cache, inputs, out)
    for item in inputs:
        if Path(item.split("*", 1)[0] or ".").resolve() == out.resolve():
            raise ConfigError(f"output folder {output} is the input folder {item}: the hook would read its own output")
    read = replace(options.read, exclude=(str(out.resolve()),), only=git_files(repo))
    options = replace(options, read=read)
    memo = RunMemo(options, inputs, repo, out)
    if memo.unchanged():
        return PrecommitOutcome(changed=[], records=memo.last["records"], rejected=memo.last["rejected"], output=out)
    if inputs:
        result = run_paths(inputs, None, options)
        canonicals, clusters, rejected, manifest = result.canonicals, result.clusters, result.rejected, result.manifest
    else:
        canonicals, clusters, rejected, manifest = [], [], [], {"counts": {"inputs": 0}}
    manifest.pop("timings_s", None)  # a clock in the output would make every run "change" it
    read_files = dict(manifest.get("inputs", {}).get("files", {}))  # path -> sha256 of what was read
    if "inputs" in manifest:
        # Paths relative to the repository, so the manifest is the same in every clone.
        manifest["inputs"] = _relative_inputs(manifest["inputs"], repo)
    if "parameters" in manifest:
        manifest["parameters"].pop("cache", None)
    documents = result.documents if inputs and options.keep == "all" else ([] if options.keep == "all" else None)
    files = render_outputs(canonicals, clusters, rejected, manifest, options.formats, documents)
    _, changed = apply_outputs(out, files, dry_run=check)
    # A document a per-document stage rejected is tried again next run, as the stage cache does
    # (the rejection may depend on the moment: a time limit under load).
    retry = any(r.stage in ("extract", "evidence", "strip") for r in rejected)
    if (not check or not changed) and not retry:  # the folder now holds exactly these files
        memo.record(files, read_files, len(canonicals), len(rejected))
    return PrecommitOutcome(changed=changed, records=len(canonicals), rejected=len(rejected), output=out)


class RunMemo:
    """Whether this run's inputs are the last run's, and the output folder still holds what it wrote.

    The outputs are a pure function of the input files' bytes, the options and cleaner's code
    (:func:`cleaner.cache.code_fingerprint`), so when the digest of those equals the last run's
    and every output file still has the bytes that run wrote, a new run would write the same
    bytes: nothing is read, decoded or run. Inputs are compared by sha256; a file whose stat
    (size, mtime, ctime, inode) is unchanged keeps its recorded sha256 without being read
    (:func:`cleaner.cache.file_digests`). Any difference, or anything unusual (stdin, a glob
    matching nothing, a special file), runs the pipeline as usual.
    """

    STAGE = "precommit-run"

    def __init__(self, options: RunOptions, inputs: list[str], repo: Path, out: Path) -> None:
        from .cache import StageCache

        self.options, self.inputs, self.repo, self.out = options, inputs, repo, out
        self.cache = StageCache(options.cache)
        try:
            last = self.cache.get_many(self.STAGE, ["last"]).get("last")
        finally:
            self.cache.close()
        # A value of another shape (an older cleaner, a planted cache) is no record: nothing to trust.
        shape = {"key": str, "outputs": dict, "stats": str, "records": int, "rejected": int}
        ok = isinstance(last, dict) and all(isinstance(last.get(k), t) for k, t in shape.items())
        self.last: dict[str, Any] = last if ok else {}  # type: ignore[assignment]
        self.key: str | None = None
        self.digests: dict[str, str] = {}
        self.stats: dict[str, list[Any]] = {}

    def _inputs_key(self) -> str | None:
        import hashlib
        import time

        from .cache import code_fingerprint, digest, file_digests
        from .io.readers import InputError, expand_inputs, safe_name

        try:
            walked = expand_inputs(self.inputs, self.options.read.exclude, self.options.read.only)
        except InputError:
            return None
        if any(path is None for _, path in walked):
            return None
        now = time.time_ns()
        names = [safe_name(path.as_posix()) for _, path in walked if path is not None]
        if len(set(names)) != len(names):
            return None
        found = file_digests(names, _stats_from_text(self.last.get("stats", "")), now)
        if found is None:
            return None
        self.digests, self.stats = found
        # `only` (the files git lists) is in the walk; the cache folder changes no output byte.
        options = replace(self.options, cache=None, read=replace(self.options.read, only=None))
        files = hashlib.sha256("".join(f"{p}\0{h}\n" for p, h in sorted(self.digests.items())).encode("utf-8", "surrogatepass"))
        return digest("precommit-run", code_fingerprint(), options, self.inputs, str(self.repo), str(self.out), files.hexdigest())

    def unchanged(self) -> bool:
        from .io.writers import set_digests

        self.key = self._inputs_key()
        if self.key is None or self.key != self.last.get("key"):
            return False
        if set_digests(self.out) != self.last["outputs"]:
            return False
        stats = _stats_text(self.stats)
        if stats != self.last.get("stats"):  # files re-hashed (touched, or racily new) get their record
            self._write({**self.last, "stats": stats})
        return True

    def record(self, files: dict[str, bytes], read: dict[str, str], records: int, rejected: int) -> None:
        """Keep this run's key and output digests, unless an input changed while it ran."""
        import hashlib

        if self.key is None or any(self.digests.get(path) != sha for path, sha in read.items()):
            return
        outputs = {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}
        self._write({"key": self.key, "outputs": outputs, "stats": _stats_text(self.stats), "records": records, "rejected": rejected})

    def _write(self, value: dict[str, Any]) -> None:
        from .cache import StageCache

        cache = StageCache(self.options.cache)
        try:
            cache.put_many(self.STAGE, {"last": value})
        finally:
            cache.close()


def _stats_text(stats: dict[str, list[Any]]) -> str:
    # One string, not a tagged tree of 10,000 lists: it decodes in one step on every run.
    # (A path with a line break gets no record: it is hashed every run.)
    return "".join("\t".join(map(str, record)) + "\t" + path + "\n" for path, record in stats.items() if "\n" not in path)


def _stats_from_text(text: str) -> dict[str, list[Any]]:
    stats = {}
    try:
        for line in filter(None, text.split("\n")):
            size, mtime, ctime, ino, sha, path = line.split("\t", 5)
            stats[path] = [int(size), int(mtime), int(ctime), int(ino), sha]
    except ValueError:  # not a record this code wrote: every file is hashed
        return {}
    return stats


def _relative_inputs(inputs: dict[str, Any], repo: Path) -> dict[str, Any]:
    # Inputs were given as repo / pattern, so their paths start with the repo folder: plain string work.
    base = str(repo).rstrip("/") + "/"

    def rel(p: str) -> str:
        return p[len(base):] if p.startswith(base) else p

    return {
        "paths": [rel(p) for p in inputs.get("paths", [])],
        "files": {rel(p): h for p, h in sorted(inputs.get("files", {}).items())},
        "ignored_files": sorted(rel(p) for p in inputs.get("ignored_files", [])),
    }


__all__ = ["precommit", "PrecommitOutcome", "default_cache_dir"]
