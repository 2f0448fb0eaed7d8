#!/usr/bin/env bash
# The full reference-model pipeline (the documented command behind the default package models/ifas-lite0):
# faces → simulator A and simulator B sets → SCF captions → L-LM training of the pretrained-encoder model on
# each simulator, 3 seeds → evaluation on its own test split, cross-simulator (A → B, B → A) and
# leave-one-attack-family-out (ifas.protocol, mean ± sd) → ablations (optional) → model card → package
# (the seed-0 model trained on simulator A, calibrated on A's dev split).
#   bash training/scripts/make-reference-model.sh            # everything
#   SKIP_ABLATIONS=1 SEEDS=0 bash training/scripts/make-reference-model.sh   # quicker: one seed, no ablations
# Every step reads its settings from the environment (defaults: the shipped package's recipe): RUNS, STEPS,
# BATCH, PACKAGE, VERSION, SEEDS, LIVE, ATTACKS, FACE_SOURCES (build_dataset --sources, default all),
# SIZE, PRESET, RATIONALES, SKIP_LOFO, SKIP_ABLATIONS, ABLATION_STEPS, ABLATION_SEEDS. scripts/test-all.sh
# runs the whole script on two photo sets at 64² with the lite0-tiny preset (a smoke build, ≈ 40 s).
# Durations are in the model card's "How this package was made" (measured on the 2-core build machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python.sh
export PYTHONPATH=training
PY=training/.venv/bin/python
RUNS="${RUNS:-training/runs}"
STEPS="${STEPS:-1200}"
BATCH="${BATCH:-16}"
PACKAGE="${PACKAGE:-models/ifas-lite0}"
VERSION="${VERSION:-2.2.1}"
SEEDS="${SEEDS:-0 1 2}"
LIVE="${LIVE:-6}"
ATTACKS="${ATTACKS:-4}"
SIZE="${SIZE:-224}"
PRESET="${PRESET:-lite0}"
RATIONALES="${RATIONALES:-300}"
SOURCES=()
if [[ -n "${FACE_SOURCES:-}" ]]; then SOURCES=(--sources "$FACE_SOURCES"); fi
LOFO=()
if [[ -n "${SKIP_LOFO:-}" ]]; then LOFO=(--skip-lofo); fi
for SIM in a b; do
  $PY -m ifas.data.build_dataset --simulator "$SIM" --size "$SIZE" --live "$LIVE" --attacks "$ATTACKS" \
    "${SOURCES[@]}" --out "$RUNS/data/sim-$SIM"
  $PY -m ifas.scf.run --data "$RUNS/data/sim-$SIM"
done
# Per seed: A → A, A → B, B → A and leave-one-family-out on A; runs already on disk are reused.
# shellcheck disable=SC2086 # SEEDS is a list
$PY -m ifas.protocol --data-a "$RUNS/data/sim-a" --data-b "$RUNS/data/sim-b" --out "$RUNS/protocol" \
  --preset "$PRESET" --steps "$STEPS" --batch "$BATCH" --rationales "$RATIONALES" --seeds $SEEDS "${LOFO[@]}"
A="$RUNS/protocol/a-s0"
ABLATIONS=()
if [[ -z "${SKIP_ABLATIONS:-}" ]]; then
  # shellcheck disable=SC2086
  $PY -m ifas.ablations --data "$RUNS/data/sim-a" --data-b "$RUNS/data/sim-b" --out "$RUNS/ablations" \
    --steps "${ABLATION_STEPS:-600}" --seeds ${ABLATION_SEEDS:-$SEEDS}
  ABLATIONS=(--ablations "$RUNS/ablations/ablations.md")
fi
cat > "$A/commands.txt" <<COMMANDS
# PYTHONPATH=training training/.venv/bin/python -m …
ifas.data.build_dataset --simulator a|b --size $SIZE --live $LIVE --attacks $ATTACKS ${SOURCES[*]} --out $RUNS/data/sim-a|b
ifas.scf.run --data $RUNS/data/sim-a|b
ifas.protocol --data-a $RUNS/data/sim-a --data-b $RUNS/data/sim-b --out $RUNS/protocol --preset $PRESET --steps $STEPS --batch $BATCH --rationales $RATIONALES --seeds $SEEDS ${LOFO[*]}
  (per seed: ifas.train --preset $PRESET on A, on B and on A without each attack family; ifas.evaluate on
   A's test split, B's test split, and live + the held-out family)
ifas.ablations --data $RUNS/data/sim-a --data-b $RUNS/data/sim-b --out $RUNS/ablations --steps ${ABLATION_STEPS:-600}
ifas.export --checkpoint $A/final.pt --out $PACKAGE --version $VERSION --card-extra … --card-asset …
(all of it: bash training/scripts/make-reference-model.sh)
COMMANDS
$PY -m ifas.model_card --data "$RUNS/data/sim-a" --run "$A" "${ABLATIONS[@]}" \
  --protocol "A → A (own test split)=$A/eval/report.json" \
  --protocol "A → B (cross-simulator)=$A/eval-b/report.json" \
  --protocol "B → A (cross-simulator, B-trained twin)=$RUNS/protocol/b-s0/eval-a/report.json" \
  --seeds-table "$RUNS/protocol/protocol.md" \
  --commands "$A/commands.txt" --out "$A/card.md"
$PY -m ifas.export --checkpoint "$A/final.pt" --out "$PACKAGE" --version "$VERSION" \
  --card-extra "$A/card.md" --card-asset "$A/eval/roc.png" --card-asset "$A/eval/reliability.png"
