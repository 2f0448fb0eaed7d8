#!/usr/bin/env bash
# Offline end-to-end check of the bring-your-own-model path (docs/train-large.md) on tiny random
# Hugging Face checkpoints built from configs (no downloads):
#   checkpoint folders → import → a few GAC + LoRA steps with L-LM on SCF captions → export (fp16 weights,
#   fp16 KV cache, external data, parity gate against PyTorch) → `ifas check` in the TypeScript runtime.
# Exits 0 only when every exported package gives the PyTorch answer under `ifas check`: liveness within
# the tolerance, the same judgment and the same greedy rationale tokens.
#   bash training/scripts/hf-smoke.sh        (HF_SMOKE_SKIP_BUILD=1: dist/ is already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=training/.venv/bin/python
export PYTHONPATH=training
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
TOKENS=12
started=$SECONDS

[[ -n "${HF_SMOKE_SKIP_BUILD:-}" ]] || npm run build --silent
$PY -m ifas.hf.tiny_checkpoints --out "$WORK/ckpt" > /dev/null 2>&1
$PY -m ifas.data.build_dataset --sources dlib-voc,matplotlib-hopper --live 2 --attacks 1 --size 32 \
  --out "$WORK/data" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
$PY -m ifas.scf.run --data "$WORK/data" > /dev/null

# ifas check must reproduce the exporter's PyTorch reference for package $1.
check_package() {
  local name="$1"
  node dist/src/cli/main.js check "$WORK/$name.png" --explain --json --no-detect --max-tokens "$TOKENS" \
    --model "$WORK/$name" > "$WORK/$name.check.json" 2> /dev/null
  node -e '
    const fs = require("fs");
    const [outcome] = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const golden = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const r = outcome.result;
    if (!r) { console.error(`${process.argv[3]}: check failed`, outcome.error); process.exit(1); }
    const diff = Math.abs(r.liveness - golden.liveness);
    const same = r.judgment === golden.judgment && JSON.stringify(r.rationaleTokenIds) === JSON.stringify(golden.rationaleTokenIds);
    console.log(`${process.argv[3]}: PyTorch liveness ${golden.liveness.toFixed(6)} | ifas check ${r.liveness.toFixed(6)} ` +
      `(|Δ| ${diff.toExponential(2)}), judgment ${r.judgment}, ${r.rationaleTokenIds.length} greedy tokens ${same ? "identical" : "DIFFER"}`);
    if (diff > golden.tolerance || !same) process.exit(1);
  ' "$WORK/$name.check.json" "$WORK/$name.json" "$name"
}

echo "== CLIP + Qwen2: import, 4 steps (GAC, LoRA on the LLM and the last CLIP block, L-LM), export, check"
$PY -m ifas.hf.train --vision "$WORK/ckpt/clip" --llm "$WORK/ckpt/qwen2" --data "$WORK/data" --out "$WORK/run" \
  --steps 4 --batch 4 --num-queries 4 --gac-heads 2 --lora-rank 4 --lora-alpha 8 --lora-vision-blocks 1 \
  --gradient-checkpointing --warmup 1 --lr 1e-3 --save-every 2 > "$WORK/train.log" 2>&1 || { cat "$WORK/train.log"; exit 1; }
$PY -m ifas.hf.export --run "$WORK/run" --out "$WORK/clip-qwen2" --parity-tokens "$TOKENS" \
  --goldens "$WORK/clip-qwen2.json" 2> /dev/null
check_package clip-qwen2

echo "== SigLIP + LLaMA (llama3 rope scaling, Llama-3 template) and a LLaVA VLM: import, export, check"
$PY -m ifas.hf.export --untrained --vision "$WORK/ckpt/siglip" --llm "$WORK/ckpt/llama" --num-queries 4 \
  --out "$WORK/siglip-llama" --parity-tokens "$TOKENS" --goldens "$WORK/siglip-llama.json" 2> /dev/null
check_package siglip-llama
$PY -m ifas.hf.export --untrained --vlm "$WORK/ckpt/llava" --num-queries 4 --weights float32 --kv-cache float32 \
  --out "$WORK/llava" --parity-tokens "$TOKENS" --goldens "$WORK/llava.json" 2> /dev/null
check_package llava
echo "hf-smoke: all packages reproduce PyTorch under ifas check ($((SECONDS - started)) s)"
