#!/usr/bin/env bash
# Every test of the project, TypeScript and Python, from a fresh checkout: installs what it needs
# (npm packages, the pinned Python environment, Debian's Chromium, a PostgreSQL server), then lint,
# type-check, build, unit, parity, store and durability tests, browser tests, the deployment artefacts
# (CDK, osls, linters), an end-to-end check that a freshly exported package runs under the TypeScript
# CLI, and the README's API walkthrough.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip   # onnxruntime-node's postinstall would fetch CUDA binaries
REPORTS="$(mktemp -d)"

echo "== install"
npm ci --no-audit --no-fund --loglevel=error
bash scripts/setup-python.sh
bash scripts/fetch-dlib-faces.sh
bash scripts/fetch-embedder-sources.sh
echo "== Chromium for the capture page's browser tests (Debian's package, driven by playwright-core)"
if ! command -v chromium > /dev/null; then
  apt-get install -y chromium > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y chromium > /dev/null; }
fi
chromium --version 2>/dev/null | head -1
echo "== PostgreSQL server for the audit-store tests (installed from Debian's archive when missing)"
bash scripts/start-postgres.sh
trap 'bash scripts/start-postgres.sh --stop' EXIT

echo "== lint and type-check"
npx biome check .
npx tsc -p tsconfig.json --noEmit
npx tsc -p src/capture/browser/tsconfig.json   # the capture page and <ifas-capture>, with the DOM library
npx tsc -p src/console/browser/tsconfig.json   # the operator console, with the DOM library
npm run build --silent                          # tsc, then esbuild bundles the capture page into dist/capture

echo "== TypeScript tests (vitest; the capture page's run in Chromium with a fake camera)"
npx vitest run --reporter=default --reporter=json --outputFile="$REPORTS/vitest.json"

echo "== deployment artefacts: cdk synth, sls package, cfn-lint, hadolint (scripts/check-deploy.sh)"
bash scripts/check-deploy.sh

echo "== reliability, bounded (npm run reliability runs the full one): tamper matrix, bad inputs, kill -9, overload, locked database, PostgreSQL restart"
node dist/bench/reliability/run.js --bounded

echo "== Python tests (pytest)"
(cd training && .venv/bin/python -m pytest -q --junitxml="$REPORTS/pytest.xml")

echo "== end to end: export a tiny package with Python, check it with the TypeScript CLI"
PKG="$REPORTS/ifas-e2e"
PYTHONPATH=training training/.venv/bin/python -m ifas.export --untrained tiny --seed 7 --out "$PKG" 2>/dev/null
node dist/src/cli/main.js check samples/grace-hopper.jpg --explain --json --model "$PKG" > "$REPORTS/e2e.json"
node -e '
  const [outcome] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!outcome.result || outcome.result.model.name !== "ifas-e2e" || outcome.result.rationale === null) {
    console.error("end-to-end check failed", outcome); process.exit(1);
  }
  console.log(`e2e: ${outcome.result.decision} liveness=${outcome.result.liveness.toFixed(4)}`);
' "$REPORTS/e2e.json"
node dist/src/cli/main.js check samples/grace-hopper.jpg > /dev/null

echo "== model factory end to end: public-domain photos → attacks → SCF → L-LM training → export → runtime"
FACTORY="$REPORTS/factory"
PY="training/.venv/bin/python"
export PYTHONPATH=training
$PY -m ifas.data.build_dataset --sources dlib-voc,matplotlib-hopper --live 2 --attacks 1 --size 32 --scene 64 \
  --out "$FACTORY/data" > "$FACTORY.build.log" 2>&1 || { cat "$FACTORY.build.log"; exit 1; }
$PY -m ifas.scf.run --data "$FACTORY/data"
$PY -m ifas.train --data "$FACTORY/data" --out "$FACTORY/run" --preset tiny --steps 30 --batch 16 --vocab 600 \
  --eval-every 15 --quiet > "$FACTORY.train.log"
$PY -m ifas.export --checkpoint "$FACTORY/run/final.pt" --out "$FACTORY/ifas-ci" --version 0.0.1 2>/dev/null
$PY -m ifas.data.export_split --data "$FACTORY/data" --split test --out "$FACTORY/test"
$PY -m ifas.evaluate --checkpoint "$FACTORY/run/final.pt" --data "$FACTORY/data" --split test --rationales 4 \
  --out "$FACTORY/eval" > /dev/null
node dist/src/cli/main.js eval --data "$FACTORY/test" --model "$FACTORY/ifas-ci" --no-detect --json > "$FACTORY/ts-eval.json"
node -e '
  const fs = require("fs");
  const py = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).atDevThreshold;
  const ts = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).atModelThreshold;
  console.log(`factory: Python AUC ${py.auc.toFixed(4)} HTER ${py.hter.toFixed(4)} ECE ${py.ece.toFixed(4)} | TypeScript AUC ${ts.auc.toFixed(4)} HTER ${ts.hter.toFixed(4)} ECE ${ts.ece.toFixed(4)}`);
  if (Math.abs(py.auc - ts.auc) > 0.01 || Math.abs(py.hter - ts.hter) > 0.02 || Math.abs(py.ece - ts.ece) > 0.02) { console.error("Python and TypeScript evaluations disagree"); process.exit(1); }
' "$FACTORY/eval/report.json" "$FACTORY/ts-eval.json"
node dist/src/cli/main.js check samples/grace-hopper.jpg --explain --model "$FACTORY/ifas-ci" --max-tokens 8
unset PYTHONPATH

echo "== the reference-model recipe in one command (training/scripts/make-reference-model.sh), shrunk to a smoke build"
SMOKE="$REPORTS/reference-smoke"
RUNS="$SMOKE/runs" PACKAGE="$SMOKE/ifas-smoke" VERSION=0.0.1 FACE_SOURCES=dlib-voc,matplotlib-hopper SIZE=64 \
  PRESET=lite0-tiny LIVE=1 ATTACKS=1 STEPS=20 SEEDS=0 SKIP_LOFO=1 SKIP_ABLATIONS=1 RATIONALES=4 \
  bash training/scripts/make-reference-model.sh > "$SMOKE.log" 2>&1 || { tail -40 "$SMOKE.log"; exit 1; }
grep -q "^## Generalisation: cross-simulator protocol" "$SMOKE/ifas-smoke/MODEL_CARD.md" || { echo "smoke package card has no cross-simulator table"; exit 1; }
node dist/src/cli/main.js check samples/grace-hopper.jpg --model "$SMOKE/ifas-smoke" --max-tokens 8 --json > "$SMOKE.json"
node -e '
  const [outcome] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!outcome.result || outcome.result.model.name !== "ifas-smoke") { console.error("smoke package check failed", outcome); process.exit(1); }
  console.log(`reference recipe smoke build: ${outcome.result.model.name} ${outcome.result.model.version} → ${outcome.result.decision}`);
' "$SMOKE.json"

echo "== bring your own model: tiny Hugging Face checkpoints → import → LoRA/GAC steps → export → ifas check parity"
HF_SMOKE_SKIP_BUILD=1 bash training/scripts/hf-smoke.sh

echo "== the README's first steps: npm start, post a photo, read it back from /v1/audit, verify"
bash scripts/readme-walkthrough.sh

echo "== Keycloak provider JAR (Maven; needs a JDK)"
if command -v javac >/dev/null && command -v mvn >/dev/null; then
  mvn -q -B -f docs/recipes/keycloak/pom.xml package
  echo "keycloak: built $(ls docs/recipes/keycloak/target/ifas-keycloak-liveness-*.jar)"
else
  echo "keycloak: SKIPPED (no JDK or Maven on this machine)"
fi

echo "== Keycloak end to end: the provider JAR in a real Keycloak, Chromium logs in (scripts/keycloak-e2e.sh)"
if command -v javac >/dev/null && command -v mvn >/dev/null; then
  bash scripts/keycloak-e2e.sh
else
  echo "keycloak e2e: SKIPPED (no JDK or Maven on this machine)"
fi

echo "== face stage on real photos (dlib's public-domain examples)"
node dist/scripts/evaluate-faces.js

echo "== summary"
node -e '
  const fs = require("fs");
  const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const x = fs.readFileSync(process.argv[2], "utf8");
  const attr = (name) => Number((x.match(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`)) || [0, 0])[1]);
  const pyFailed = attr("failures") + attr("errors");
  const pyPassed = attr("tests") - pyFailed - attr("skipped");
  console.log(`vitest ${v.numPassedTests} passed, ${v.numFailedTests} failed; pytest ${pyPassed} passed, ${pyFailed} failed; e2e 2 passed`);
  console.log(`Tests: ${v.numPassedTests + pyPassed + 2} passed, ${v.numFailedTests + pyFailed} failed`);
' "$REPORTS/vitest.json" "$REPORTS/pytest.xml"
