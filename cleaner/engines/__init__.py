"""Engines run the per-document stages somewhere other than this process.

The default needs none: ``cleaner.pipeline.local_mapper`` runs in-process or
over a local process pool. An engine only decides *where* a stage runs; the
stage functions and their order stay in :mod:`cleaner.pipeline`.
"""
