#!/bin/sh
# The infer image's entrypoint. On AWS Lambda (AWS_LAMBDA_RUNTIME_API is set) it hands over to the
# base image's runtime interface client with the handler in CMD; anywhere else (GPU container
# platforms, docker run) it serves the same infer protocol over HTTP on $PORT.
set -eu
APP_ROOT="${IFAS_APP_ROOT:-${LAMBDA_TASK_ROOT:-/var/task}}"
cd "$APP_ROOT"
if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec "${IFAS_LAMBDA_ENTRYPOINT:-/lambda-entrypoint.sh}" "$@"
fi
exec node dist/functions/infer-http.js
