"""Beyond one machine: score partitioned datasets on a Dask cluster (``--engine dask``).

Needs the ``dask`` extra (``pip install 'personas[dask]'``: ``dask[dataframe]`` and
``distributed``); nothing here is imported by the in-memory paths.
"""

from personas.scale.assign import PartitionedAssignment, assign_partitioned
from personas.scale.fit import DistributedFit, fit_distributed, labels_distributed
from personas.scale.fit_kmeans import (
    DistributedKMeans,
    fit_kmeans_distributed,
    labels_kmeans_distributed,
)

__all__ = [
    "DistributedFit",
    "DistributedKMeans",
    "PartitionedAssignment",
    "assign_partitioned",
    "fit_distributed",
    "fit_kmeans_distributed",
    "labels_distributed",
    "labels_kmeans_distributed",
]
