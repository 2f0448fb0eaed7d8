#!/usr/bin/env bash
# The full reference-model pipeline (the documented command behind models/ifas-mini):
# data → SCF captions → L-LM training → evaluation → ablations → model card → package.
#   bash training/scripts/make-reference-model.sh            # everything (≈ 20 min training + ≈ 1 h ablations on 2 cores)
#   SKIP_ABLATIONS=1 bash training/scripts/make-reference-model.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python.sh
export PYTHONPATH=training
PY=training/.venv/bin/python
RUNS=training/runs
STEPS="${STEPS:-3000}"
$PY -m ifas.data.build_dataset --out "$RUNS/data/full"
$PY -m ifas.scf.run --data "$RUNS/data/full"
$PY -m ifas.train --data "$RUNS/data/full" --out "$RUNS/mini" --steps "$STEPS"
$PY -m ifas.evaluate --checkpoint "$RUNS/mini/final.pt" --data "$RUNS/data/full" --split test --out "$RUNS/mini/eval"
ABLATIONS=()
if [[ -z "${SKIP_ABLATIONS:-}" ]]; then
  $PY -m ifas.ablations --data "$RUNS/data/full" --out "$RUNS/ablations" --steps "${ABLATION_STEPS:-250}"
  ABLATIONS=(--ablations "$RUNS/ablations/ablations.md")
fi
cat > "$RUNS/mini/commands.txt" <<COMMANDS
# PYTHONPATH=training training/.venv/bin/python -m …
ifas.data.build_dataset --out $RUNS/data/full
ifas.scf.run --data $RUNS/data/full
ifas.train --data $RUNS/data/full --out $RUNS/mini --steps $STEPS
ifas.evaluate --checkpoint $RUNS/mini/final.pt --data $RUNS/data/full --split test --out $RUNS/mini/eval
ifas.ablations --data $RUNS/data/full --out $RUNS/ablations --steps ${ABLATION_STEPS:-250}
ifas.export --checkpoint $RUNS/mini/final.pt --out models/ifas-mini --version 1.0.0 --card-extra … --card-asset …
(all of it: bash training/scripts/make-reference-model.sh)
COMMANDS
$PY -m ifas.model_card --data "$RUNS/data/full" --run "$RUNS/mini" "${ABLATIONS[@]}" \
  --commands "$RUNS/mini/commands.txt" --out "$RUNS/mini/card.md"
$PY -m ifas.export --checkpoint "$RUNS/mini/final.pt" --out models/ifas-mini --version 1.0.0 \
  --card-extra "$RUNS/mini/card.md" --card-asset "$RUNS/mini/eval/roc.png"
