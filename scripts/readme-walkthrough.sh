#!/usr/bin/env bash
# The README's first steps, exactly as a newcomer runs them: `npm start` (reference model, SQLite,
# bootstrap key), then post the sample photo, read the decision back from /v1/audit and verify the
# chain; then create a liveness session, fetch its capture page and read the session back. Uses a scratch data folder and port so it never touches a developer's ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
PORT="${WALKTHROUGH_PORT:-18080}"
LOG="$WORK/server.log"
# npm start writes the key to data/bootstrap-api-key relative to the working directory, so run it
# from a scratch copy of the paths it needs.
ln -s "$PWD/node_modules" "$PWD/dist" "$PWD/models" "$PWD/samples" "$PWD/package.json" "$PWD/tsconfig.json" \
  "$PWD/tsconfig.build.json" "$PWD/src" "$WORK/"
# Its own process group, so stopping it stops npm and the node server below it.
(cd "$WORK" && IFAS_PORT="$PORT" exec setsid npm start --silent >"$LOG" 2>&1) &
SERVER=$!
# npm may exit before the node server below it has finished its shutdown writes to data/: wait for the
# whole group (at most 10 s) before removing the folder, so rm never races a last write.
stop_server() {
  kill -TERM -- -"$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 -- -"$SERVER" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$WORK" 2>/dev/null || { sleep 1; rm -rf "$WORK"; } || echo "walkthrough: could not remove $WORK"
}
trap stop_server EXIT
for _ in $(seq 1 120); do
  grep -q "ready (" "$LOG" 2>/dev/null && break
  kill -0 $SERVER 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.5
done
grep -q "KEY=\$(cat data/bootstrap-api-key)" "$LOG" || { echo "the server did not say how to get a key"; cat "$LOG"; exit 1; }

KEY=$(cat "$WORK/data/bootstrap-api-key")
BASE="http://127.0.0.1:$PORT"
CHECK=$(curl -sf -H "Authorization: Bearer $KEY" -F image=@samples/grace-hopper.jpg -F subject=grace -F explain=always "$BASE/v1/checks")
ID=$(echo "$CHECK" | jq -r .id)
AUDIT=$(curl -sf -H "Authorization: Bearer $KEY" "$BASE/v1/audit?subject=grace")
VERIFY=$(curl -sf -H "Authorization: Bearer $KEY" "$BASE/v1/audit/verify")
echo "$AUDIT" | jq -e --arg id "$ID" '.records | length == 1 and .[0].record.checkId == $id and (.[0].record.rationale | length > 0)' >/dev/null \
  || { echo "audit does not hold the check: $AUDIT"; exit 1; }
echo "$VERIFY" | jq -e '.ok == true and .checked == 1' >/dev/null || { echo "verify failed: $VERIFY"; exit 1; }
UNAUTH=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/audit")
[ "$UNAUTH" = 401 ] || { echo "expected 401 without a key, got $UNAUTH"; exit 1; }
# The session walkthrough: create a session, open its capture page, read the session back.
S=$(curl -sf -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d "{\"subject\":\"grace\",\"purpose\":\"login\",\"returnUrl\":\"$BASE/healthz\"}" "$BASE/v1/sessions")
PAGE_URL=$(echo "$S" | jq -r .captureUrl)
case "$PAGE_URL" in "$BASE/capture/"*"#token=cap_"*) ;; *) echo "unexpected captureUrl: $PAGE_URL"; exit 1 ;; esac
PAGE_HEADERS=$(curl -sf -D - -o "$WORK/capture.html" "${PAGE_URL%%#*}")
echo "$PAGE_HEADERS" | grep -qi "^content-security-policy: default-src 'none'" || { echo "capture page without its CSP"; exit 1; }
grep -q '<ifas-capture' "$WORK/capture.html" || { echo "no capture component on the page"; exit 1; }
curl -sf "$BASE/capture/assets/capture-page.js" -o /dev/null || { echo "capture script not built"; exit 1; }
SESSION=$(curl -sf -H "Authorization: Bearer $KEY" "$BASE/v1/sessions/$(echo "$S" | jq -r .id)")
echo "$SESSION" | jq -e '.status == "created" and .attempts == 0' >/dev/null || { echo "session: $SESSION"; exit 1; }
echo "walkthrough: $(echo "$CHECK" | jq -r '"\(.decision) liveness=\(.liveness) rationale: \(.rationale)"'); audit verify ok; session page served"
