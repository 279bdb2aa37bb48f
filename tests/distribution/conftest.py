# The scripts are programs run under `mpiexec` by test_mpi.py, not modules to import:
# --doctest-modules would import (and so run) them at collection.
collect_ignore_glob = ["scripts/*"]
