"""Beyond one machine: score partitioned datasets on a Dask cluster (``--engine dask``).

Needs the ``dask`` extra (``pip install 'personas[dask]'``: ``dask[dataframe]`` and
``distributed``); nothing here is imported by the in-memory paths.
"""

from personas.scale.assign import PartitionedAssignment, assign_partitioned

__all__ = ["PartitionedAssignment", "assign_partitioned"]
