#!/usr/bin/env bash
# Creates training/.venv with the pinned requirements (once; again when requirements.txt changes).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=training/.venv
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum training/requirements.txt | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  exit 0
fi
echo "setting up $VENV (PyTorch and friends; first run downloads a few GB)"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r training/requirements.txt
echo "$WANT" > "$STAMP"
