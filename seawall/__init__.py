"""Seawall: find, stop and recover from state-sponsored intrusions into carrier networks."""

import os

__version__ = "0.1.0"


def _choose_arrow_memory_pool() -> None:
    """Use the system allocator for Arrow unless the user chose a pool.

    Seawall allocates and frees large column batches one after another; Arrow's default
    (mimalloc) gave them back to the OS and page-faulted them in again on every batch here:
    intel matching of 10M flows ran at 4.8M flows/s with it and 6.9M with the system pool
    (bench/intel_match.py). ARROW_DEFAULT_MEMORY_POOL keeps working as Arrow documents it.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


_choose_arrow_memory_pool()
