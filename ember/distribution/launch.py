"""Start N ranks of a Python command through `mpiexec` (what `ember train --workers N` does).

The ranks run on this machine, or on the hosts of a hostfile (MPICH's `-f`, Open MPI's
`--hostfile`), each with one BLAS/OpenMP thread unless the environment says otherwise. A
rank that fails ends the run: MPI's launcher stops the others, and the exit status of the
launcher is returned with a message naming it.
"""

import os
import shutil
import subprocess
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def find_mpiexec():
    """The `mpiexec` beside this Python (a pip-installed MPICH puts it there), else on PATH,
    else None.

    >>> path = find_mpiexec()
    >>> path is None or os.path.basename(path).startswith("mpiexec")
    True
    """
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


def mpi_flavour(mpiexec):
    """"openmpi", "mpich" or "unknown", from `mpiexec --version`."""
    try:
        text = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if "Open MPI" in text or "OpenRTE" in text or "open-mpi" in text.lower():
        return "openmpi"
    if "HYDRA" in text or "MPICH" in text.upper():
        return "mpich"
    return "unknown"


def mpiexec_command(args, workers, hostfile=None, mpiexec=None):
    """`(argv, env)` running `python *args` on `workers` ranks.

    >>> argv, env = mpiexec_command(["-c", "pass"], 2, mpiexec="mpiexec")
    >>> argv[1:3], env["OMP_NUM_THREADS"]
    (['-n', '2'], '1')
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"launch: `workers` must be a positive integer; received {workers!r}")
    mpiexec = mpiexec or find_mpiexec()
    if mpiexec is None:
        raise FileNotFoundError("launch: no `mpiexec` found; install MPI with "
                                "`pip install 'ember[mpi]'` (mpi4py and mpich)")
    flavour = mpi_flavour(mpiexec) if os.path.sep in mpiexec else "unknown"
    argv = [mpiexec, "-n", str(workers)]
    env = dict(os.environ)
    for key in THREAD_VARIABLES:
        env.setdefault(key, "1")
    if flavour == "openmpi":
        argv.append("--oversubscribe")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    if hostfile is not None:
        if not os.path.isfile(hostfile):
            raise FileNotFoundError(f"launch: hostfile {hostfile} does not exist")
        argv += ["--hostfile" if flavour == "openmpi" else "-f", os.fspath(hostfile)]
    return argv + [sys.executable, *args], env


def launch(args, workers, hostfile=None):
    """Run `python *args` on `workers` MPI ranks and wait; returns the exit status."""
    argv, env = mpiexec_command(args, workers, hostfile)
    code = subprocess.run(argv, env=env).returncode
    if code != 0:
        print(f"ember: the run on {workers} ranks failed (mpiexec exit status {code}); a rank "
              "that raised printed its error above, a rank that died ended the others",
              file=sys.stderr)
    return code
