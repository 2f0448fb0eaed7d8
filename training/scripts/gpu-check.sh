#!/usr/bin/env bash
# Real-size GPU check (an extra check, not a CI step). It has NOT been run in this repository's
# development: no GPU was available (see docs/benchmarks.md). It
#   1. writes random-initialised real-size checkpoints: CLIP ViT-L/14@336 + a TinyLlama-1.1B-shaped LLaMA;
#   2. exports them as a package (fp16 weights, fp16 KV cache, ONNX external data — the fp32 decoder is
#      over 2 GB), gated on parity with PyTorch under CPU onnxruntime;
#   3. places onnxruntime-node's CUDA provider beside its binding: the provider libraries of the same
#      onnxruntime version from PyPI's onnxruntime-gpu wheel, and the CUDA 13 libraries they link
#      (cuBLAS/cuBLASLt 13, cudart 13, cuRAND, cuFFT, cuDNN 9 for CUDA 13, NVRTC 13) from NVIDIA's wheels;
#   4. runs `ifas check --provider cuda` against the PyTorch reference, then bench/providers.ts:
#      score-only p50/p99 and rationale tokens/s, CUDA vs CPU, in one process.
#
# Host: Linux x86-64, NVIDIA GPU with a driver for CUDA 13 (R580 or newer), ≥ 64 GB RAM, ≥ 40 GB disk,
# `npm ci` and `bash scripts/setup-python.sh` done. The host may be offline: the wheels come from a folder.
#   pip download --no-deps --only-binary=:all: -d wheels onnxruntime-gpu==1.30.0 'nvidia-cublas==13.*' \
#       'nvidia-cuda-runtime==13.*' nvidia-curand nvidia-cufft nvidia-cudnn-cu13 'nvidia-cuda-nvrtc==13.*'
#   GPU_WHEELS=wheels bash training/scripts/gpu-check.sh        (≈ 20–30 min, most of it export)
# Step 3 writes two files into node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ of this checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${GPU_WHEELS:?set GPU_WHEELS to a folder with the wheels listed in the header of this script}"
WORK="${GPU_CHECK_DIR:-$(mktemp -d)}"
PY=training/.venv/bin/python
export PYTHONPATH=training
REPORT="$WORK/gpu-check.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$REPORT"
npm run build --silent

echo "== 1. random real-size checkpoints"
[[ -d "$WORK/ckpt/llama-1b" ]] || $PY -m ifas.hf.tiny_checkpoints --real-size --out "$WORK/ckpt"

echo "== 2. export (fp16 weights and cache, external data) with the PyTorch parity gate"
PKG="$WORK/ifas-large-random"
TIMER=()
[[ -x /usr/bin/time ]] && TIMER=(/usr/bin/time -v)   # peak memory of the export, when GNU time exists
"${TIMER[@]}" $PY -m ifas.hf.export --untrained --vision "$WORK/ckpt/clip-l336" --llm "$WORK/ckpt/llama-1b" \
  --num-queries 64 --out "$PKG" --parity-tokens 8 --goldens "$WORK/large.json" 2> "$WORK/export.log" \
  || { tail -30 "$WORK/export.log"; exit 1; }
grep -E "Maximum resident|Elapsed" "$WORK/export.log" | tee -a "$REPORT" || true
du -sh "$PKG" | tee -a "$REPORT"

echo "== 3. CUDA provider for onnxruntime-node"
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
# Wheels are zip files; Python extracts them (unzip may be missing on a bare host).
$PY - "$BIN" "$WORK/cuda" "$GPU_WHEELS"/onnxruntime_gpu-1.30.0-*.whl "$GPU_WHEELS"/nvidia_*.whl <<'PYTHON'
import sys, zipfile
from pathlib import Path
binding, cuda, ort_wheel, *nvidia = sys.argv[1:]
with zipfile.ZipFile(ort_wheel) as wheel:  # the two provider libraries, beside onnxruntime-node's binding
    for name in ("libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"):
        (Path(binding) / name).write_bytes(wheel.read(f"onnxruntime/capi/{name}"))
for path in nvidia:  # CUDA 13 libraries under cuda/nvidia/*/lib
    zipfile.ZipFile(path).extractall(cuda)
PYTHON
LD_LIBRARY_PATH="$(find "$WORK/cuda/nvidia" -type d -name lib | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

echo "== 4. ifas check on CUDA and on CPU against the PyTorch reference"
for provider in cuda cpu; do
  node dist/src/cli/main.js check "$WORK/large.png" --explain --json --no-detect --max-tokens 8 \
    --provider "$provider" --model "$PKG" > "$WORK/check-$provider.json"
  node -e '
    const fs = require("fs");
    const [o] = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const g = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const r = o.result;
    console.log(`${process.argv[3]} (${r.model.executionProvider}): liveness ${r.liveness} vs PyTorch ${g.liveness} ` +
      `(|Δ| ${Math.abs(r.liveness - g.liveness).toExponential(2)}); tokens ${JSON.stringify(r.rationaleTokenIds)} ` +
      `vs ${JSON.stringify(g.rationaleTokenIds)}`);
    if (r.model.executionProvider !== process.argv[3]) process.exit(1);
  ' "$WORK/check-$provider.json" "$WORK/large.json" "$provider" | tee -a "$REPORT"
done

echo "== 5. score-only p50/p99 and rationale tokens/s, CUDA vs CPU"
node dist/bench/providers.js --model "$PKG" --image "$WORK/large.png" --iterations 50 --tokens 32 | tee -a "$REPORT"
echo "report: $REPORT"
