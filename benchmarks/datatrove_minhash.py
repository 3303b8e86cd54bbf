"""datatrove 0.10's MinHash deduplication pipeline over JSONL files (the anchor of bench_scale.py).

Usage::

    python benchmarks/datatrove_minhash.py INPUT_FOLDER WORK_FOLDER WORKERS

The four stages of datatrove's own example (examples/minhash_deduplication.py):
signatures, buckets, clusters, filter + write, on a LocalPipelineExecutor with
``WORKERS`` processes; default MinhashConfig (5-grams, 14 buckets x 8 hashes) with datatrove's sha1 shingle
hash (its xxhash path fails with xxhash 4: "Strings must be encoded before hashing").
Not a project dependency: ``pip install datatrove`` in the benchmark's venv.
"""
from __future__ import annotations

import sys


def main() -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    source, work, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from datatrove.utils.hashing import HashConfig

    # datatrove 0.10.1's xxhash wrapper passes str, which xxhash 4 (cleaner's) refuses: its sha1 option instead
    config = MinhashConfig(hash_config=HashConfig(hash_fc="sha1", precision=64))
    tasks = workers * 2
    signatures = LocalPipelineExecutor(
        pipeline=[JsonlReader(source, glob_pattern="*.jsonl"), MinhashDedupSignature(output_folder=f"{work}/signatures", config=config)],
        tasks=tasks, workers=workers, logging_dir=f"{work}/logs/signatures",
    )
    buckets = LocalPipelineExecutor(
        pipeline=[MinhashDedupBuckets(input_folder=f"{work}/signatures", output_folder=f"{work}/buckets", config=config)],
        tasks=config.num_buckets, workers=workers, logging_dir=f"{work}/logs/buckets", depends=signatures,
    )
    clusters = LocalPipelineExecutor(
        pipeline=[MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=config)],
        tasks=1, logging_dir=f"{work}/logs/clusters", depends=buckets,
    )
    write = LocalPipelineExecutor(
        pipeline=[JsonlReader(source, glob_pattern="*.jsonl"), MinhashDedupFilter(input_folder=f"{work}/remove_ids"),
                  JsonlWriter(f"{work}/output")],
        tasks=tasks, workers=workers, logging_dir=f"{work}/logs/filter", depends=clusters,
    )
    write.run()


if __name__ == "__main__":
    main()
