#!/usr/bin/env bash
# Everything issue 16 asks of a real GPU, in one run of a few minutes:
#   1. the device tests on CuPy (EMBER_TEST_GPU=1): the op table against NumPy at float32
#      tolerances (the fused CuPy kernels first: sigmoid, simple RNN, LSTM, GRU), then every
#      layer, loss, metric, optimizer, callback and the suite models' training steps;
#   2. benchmarks/gpu.py: the six suite models on the GPU against PyTorch CUDA, batch 128 and
#      1024, with peak device memory.
# Needs CuPy matching the machine's CUDA (cupy-cuda12x / cupy-cuda13x) and PyTorch with CUDA.
# Usage: bash benchmarks/gpu_check.sh [results folder]   (default benchmarks/results)
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RESULTS="${1:-${OUT:-benchmarks/results}}"
mkdir -p "$RESULTS"
status=0

nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv \
    | tee "$RESULTS/gpu_name.txt" || status=1
python - <<'PY' | tee "$RESULTS/gpu_versions.txt"
import importlib
for name in ("numpy", "cupy", "torch"):
    try:
        m = importlib.import_module(name)
        extra = ""
        if name == "torch":
            extra = f" cuda={m.version.cuda} available={m.cuda.is_available()}"
        if name == "cupy":
            extra = f" cuda_runtime={m.cuda.runtime.runtimeGetVersion()}"
        print(f"{name} {m.__version__}{extra}")
    except Exception as e:  # report, do not stop: the tests say what is missing
        print(f"{name}: not usable ({type(e).__name__}: {e})")
PY

echo "== 1a. fused CuPy kernels through the op table =="
EMBER_TEST_GPU=1 timeout 240 python -m pytest tests/device/test_op_table_on_device.py -q \
    -p no:cacheprovider -k "sigmoid or simple_rnn or lstm or gru" 2>&1 \
    | tee "$RESULTS/gpu_tests_kernels.txt" | tail -15 || status=1
echo "== 1b. every device test on CuPy =="
EMBER_TEST_GPU=1 timeout 420 python -m pytest tests/device -q -p no:cacheprovider 2>&1 \
    | tee "$RESULTS/gpu_tests.txt" | tail -30 || status=1
echo "== 2. the suite against PyTorch CUDA =="
timeout 600 python benchmarks/gpu.py --quick --batches 128 1024 \
    --json "$RESULTS/gpu.json" 2>&1 | tee "$RESULTS/gpu_bench.txt" || status=1
exit $status
