#!/bin/sh
# The images' entrypoint. On AWS Lambda (AWS_LAMBDA_RUNTIME_API is set) it hands over to the base
# image's runtime interface client with the handler in CMD. Anywhere else (Cloud Run and other GPU
# container platforms, docker run) it serves HTTP on $PORT in the role IFAS_CONTAINER_MODE names:
#   infer (default)  the infer protocol for the split mode (POST /invoke, GET /healthz)
#   api              the whole service (ifas serve) with the model in-process
set -eu
APP_ROOT="${IFAS_APP_ROOT:-${LAMBDA_TASK_ROOT:-/var/task}}"
cd "$APP_ROOT"
if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec "${IFAS_LAMBDA_ENTRYPOINT:-/lambda-entrypoint.sh}" "$@"
fi
case "${IFAS_CONTAINER_MODE:-infer}" in
  infer)
    exec node dist/functions/infer-http.js
    ;;
  api)
    # The platform routes to $PORT on every interface.
    IFAS_HOST="${IFAS_HOST:-0.0.0.0}"
    IFAS_PORT="${PORT:-8080}"
    export IFAS_HOST IFAS_PORT
    exec node dist/src/cli/main.js serve
    ;;
  *)
    echo "IFAS_CONTAINER_MODE must be infer or api, not '${IFAS_CONTAINER_MODE}'" >&2
    exit 64
    ;;
esac
