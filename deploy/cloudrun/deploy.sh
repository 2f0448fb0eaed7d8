#!/usr/bin/env bash
# Deploys docker/Dockerfile.cuda to Cloud Run with one NVIDIA L4 (docs/deploy.md §4).
#   deploy/cloudrun/deploy.sh --project P --region europe-west4 --image REGION-docker.pkg.dev/P/REPO/ifas-guard@sha256:… \
#     [--service ifas-guard-infer] [--mode infer|api] [--auth iam|token] [--invoker SERVICE_ACCOUNT_EMAIL] \
#     [--max-instances 4] [--min-instances 0] [--batch-max 8] [--batch-wait-ms 4] [--render-only] \
#     [--project-number N | --audience URL]
# --auth iam (default): IAM ingress; only --invoker (the service account AWS federates into) may call,
#   and the container checks the callers' Google ID tokens itself too: audience the service URL
#   (default https://SERVICE-PROJECT_NUMBER.REGION.run.app, Cloud Run's deterministic URL; the
#   project number is looked up with gcloud unless given), e-mail the invoker's.
# --auth token: public ingress; the container's own bearer token (Secret Manager) is the only check.
# --render-only prints the service YAML and touches nothing (CI checks it that way).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

SERVICE=ifas-guard-infer MODE=infer AUTH=iam MIN_INSTANCES=0 MAX_INSTANCES=4 BATCH_MAX=8 BATCH_WAIT_MS=4
MAX_WAITING=32 NO_ZONAL_REDUNDANCY=true TOKEN_SECRET=ifas-infer-token RENDER_ONLY=false
PROJECT='' REGION='' IMAGE='' INVOKER='' RUNTIME_SERVICE_ACCOUNT='' PROJECT_NUMBER='' AUDIENCE=''
while [ $# -gt 0 ]; do
  case "$1" in
    --project) PROJECT="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --image) IMAGE="$2"; shift 2 ;;
    --service) SERVICE="$2"; shift 2 ;;
    --mode) MODE="$2"; shift 2 ;;
    --auth) AUTH="$2"; shift 2 ;;
    --invoker) INVOKER="$2"; shift 2 ;;
    --runtime-service-account) RUNTIME_SERVICE_ACCOUNT="$2"; shift 2 ;;
    --min-instances) MIN_INSTANCES="$2"; shift 2 ;;
    --max-instances) MAX_INSTANCES="$2"; shift 2 ;;
    --batch-max) BATCH_MAX="$2"; shift 2 ;;
    --batch-wait-ms) BATCH_WAIT_MS="$2"; shift 2 ;;
    --zonal-redundancy) NO_ZONAL_REDUNDANCY=false; shift ;;
    --project-number) PROJECT_NUMBER="$2"; shift 2 ;;
    --audience) AUDIENCE="$2"; shift 2 ;;
    --render-only) RENDER_ONLY=true; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 64 ;;
  esac
done

fail() { echo "deploy.sh: $*" >&2; exit 64; }
[ -n "$PROJECT" ] || fail '--project is required'
[[ "$REGION" =~ ^[a-z]+-[a-z]+[0-9]$ ]] || fail '--region is required (e.g. europe-west4, a region with L4 GPUs)'
[[ "$IMAGE" =~ @sha256:[0-9a-f]{64}$ ]] || fail '--image must be digest-pinned (…@sha256:<64 hex>)'
[[ "$MODE" =~ ^(infer|api)$ ]] || fail '--mode is infer or api'
[[ "$AUTH" =~ ^(iam|token)$ ]] || fail '--auth is iam or token'
[ "$AUTH" = token ] || [ -n "$INVOKER" ] || fail '--auth iam needs --invoker (the service account AWS impersonates)'
for n in MIN_INSTANCES MAX_INSTANCES BATCH_MAX BATCH_WAIT_MS; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || fail "$n must be a whole number"
done
[ "$BATCH_MAX" -ge 1 ] && [ "$BATCH_MAX" -le 32 ] || fail '--batch-max is 1..32'
[ "$MAX_INSTANCES" -ge 1 ] || fail '--max-instances is at least 1'
RUNTIME_SERVICE_ACCOUNT="${RUNTIME_SERVICE_ACCOUNT:-ifas-guard-runtime@${PROJECT}.iam.gserviceaccount.com}"
if [ -z "$AUDIENCE" ]; then
  if [ -z "$PROJECT_NUMBER" ] && [ "$RENDER_ONLY" = false ] && command -v gcloud > /dev/null; then
    PROJECT_NUMBER="$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')"
  fi
  if [[ "$PROJECT_NUMBER" =~ ^[0-9]+$ ]]; then
    AUDIENCE="https://${SERVICE}-${PROJECT_NUMBER}.${REGION}.run.app"
  fi
fi
if [ "$AUTH" = iam ]; then
  [[ "$AUDIENCE" =~ ^https://[^/]+$ ]] ||
    fail '--auth iam needs the service URL: --project-number N or --audience https://host'
  ALLOWED_EMAILS="$INVOKER"
else
  AUDIENCE='' ALLOWED_EMAILS='' # the bearer token is the check
fi
CONCURRENCY=$((2 * BATCH_MAX))
MAX_WAITING=$((2 * BATCH_MAX))

render() {
  local text
  text="$(cat "$HERE/service.yaml")"
  for name in SERVICE REGION MIN_INSTANCES MAX_INSTANCES NO_ZONAL_REDUNDANCY CONCURRENCY RUNTIME_SERVICE_ACCOUNT \
              IMAGE MODE AUTH BATCH_MAX BATCH_WAIT_MS MAX_WAITING TOKEN_SECRET AUDIENCE ALLOWED_EMAILS; do
    text="${text//\$\{$name\}/${!name}}"
  done
  if [[ "$text" =~ \$\{[A-Z_]+\} ]]; then fail "unfilled field ${BASH_REMATCH[0]} in service.yaml"; fi
  printf '%s\n' "$text"
}

if [ "$RENDER_ONLY" = true ]; then
  render
  exit 0
fi

command -v gcloud > /dev/null || fail 'gcloud is not installed'
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
render > "$rendered"
gcloud run services replace "$rendered" --project "$PROJECT" --region "$REGION"
if [ "$AUTH" = token ]; then
  # Public ingress: anyone can reach the container; it refuses requests without the token, but an
  # unauthenticated flood still starts instances (max-instances bounds that cost).
  gcloud run services add-iam-policy-binding "$SERVICE" --project "$PROJECT" --region "$REGION" \
    --member=allUsers --role=roles/run.invoker
else
  gcloud run services add-iam-policy-binding "$SERVICE" --project "$PROJECT" --region "$REGION" \
    --member="serviceAccount:${INVOKER}" --role=roles/run.invoker
fi
gcloud run services describe "$SERVICE" --project "$PROJECT" --region "$REGION" --format='value(status.url)'
