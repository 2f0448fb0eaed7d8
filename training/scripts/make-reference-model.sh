#!/usr/bin/env bash
# The full reference-model pipeline (the documented command behind the default package models/ifas-lite0):
# faces → simulator A and simulator B sets → SCF captions → L-LM training of the pretrained-encoder model on
# each simulator → evaluation on its own test split and cross-simulator (A → B, B → A) → calibration →
# ablations (optional) → model card → package.
#   bash training/scripts/make-reference-model.sh            # everything
#   SKIP_ABLATIONS=1 bash training/scripts/make-reference-model.sh
# With the 2 cores to itself, 1200 steps take ≈ 2 min once the frozen outputs are cached; on the shared,
# loaded build machine the first training took ≈ 11 min (≈ 8 of them computing the frozen
# EfficientNet-Lite0 outputs, which are cached under the data folder, so reruns skip them); each evaluation ≈ 15 min.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python.sh
export PYTHONPATH=training
PY=training/.venv/bin/python
RUNS=training/runs
STEPS="${STEPS:-1200}"
BATCH="${BATCH:-16}"
PACKAGE="${PACKAGE:-models/ifas-lite0}"
VERSION="${VERSION:-2.1.0}"
for SIM in a b; do
  $PY -m ifas.data.build_dataset --simulator "$SIM" --size 224 --live 3 --attacks 2 --out "$RUNS/data/sim-$SIM"
  $PY -m ifas.scf.run --data "$RUNS/data/sim-$SIM"
  $PY -m ifas.train --data "$RUNS/data/sim-$SIM" --out "$RUNS/lite0-$SIM" --preset lite0 --steps "$STEPS" \
    --batch "$BATCH" --eval-every "$STEPS" --threads 1 --quiet
done
# Own test split (A → A), cross-simulator both ways (A → B, B → A).
$PY -m ifas.evaluate --checkpoint "$RUNS/lite0-a/final.pt" --data "$RUNS/data/sim-a" --split test --out "$RUNS/lite0-a/eval"
$PY -m ifas.evaluate --checkpoint "$RUNS/lite0-a/final.pt" --data "$RUNS/data/sim-b" --split test --out "$RUNS/lite0-a/eval-b"
$PY -m ifas.evaluate --checkpoint "$RUNS/lite0-b/final.pt" --data "$RUNS/data/sim-a" --split test --out "$RUNS/lite0-b/eval-a"
ABLATIONS=()
if [[ -z "${SKIP_ABLATIONS:-}" ]]; then
  $PY -m ifas.ablations --data "$RUNS/data/sim-a" --out "$RUNS/ablations" --steps "${ABLATION_STEPS:-250}"
  ABLATIONS=(--ablations "$RUNS/ablations/ablations.md")
fi
cat > "$RUNS/lite0-a/commands.txt" <<COMMANDS
# PYTHONPATH=training training/.venv/bin/python -m …
ifas.data.build_dataset --simulator a|b --size 224 --live 3 --attacks 2 --out $RUNS/data/sim-a|b
ifas.scf.run --data $RUNS/data/sim-a|b
ifas.train --data $RUNS/data/sim-a|b --out $RUNS/lite0-a|b --preset lite0 --steps $STEPS --batch $BATCH --eval-every $STEPS --threads 1
ifas.evaluate --checkpoint $RUNS/lite0-a/final.pt --data $RUNS/data/sim-a --split test --out $RUNS/lite0-a/eval
ifas.evaluate --checkpoint $RUNS/lite0-a/final.pt --data $RUNS/data/sim-b --split test --out $RUNS/lite0-a/eval-b
ifas.evaluate --checkpoint $RUNS/lite0-b/final.pt --data $RUNS/data/sim-a --split test --out $RUNS/lite0-b/eval-a
ifas.export --checkpoint $RUNS/lite0-a/final.pt --out $PACKAGE --version $VERSION --card-extra … --card-asset …
(all of it: bash training/scripts/make-reference-model.sh)
COMMANDS
$PY -m ifas.model_card --data "$RUNS/data/sim-a" --run "$RUNS/lite0-a" "${ABLATIONS[@]}" \
  --protocol "A → A (own test split)=$RUNS/lite0-a/eval/report.json" \
  --protocol "A → B (cross-simulator)=$RUNS/lite0-a/eval-b/report.json" \
  --protocol "B → A (cross-simulator, B-trained twin)=$RUNS/lite0-b/eval-a/report.json" \
  --commands "$RUNS/lite0-a/commands.txt" --out "$RUNS/lite0-a/card.md"
$PY -m ifas.export --checkpoint "$RUNS/lite0-a/final.pt" --out "$PACKAGE" --version "$VERSION" \
  --card-extra "$RUNS/lite0-a/card.md" --card-asset "$RUNS/lite0-a/eval/roc.png" \
  --card-asset "$RUNS/lite0-a/eval/reliability.png"
