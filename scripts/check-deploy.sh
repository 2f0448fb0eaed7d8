#!/usr/bin/env bash
# Deployment artefacts, offline: `cdk synth` of infra/ (two context variants), `sls package` of
# serverless.yml (default switches, and inference=lambda network=vpc cognito=on), cfn-lint on every
# emitted template, hadolint on the Dockerfiles, and the Cloud Run service rendering. Installs
# infra/'s npm packages and the pinned linters (infra/requirements-lint.txt) into infra/.venv.
# Container images are not built: there is no container engine on the project's machines.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "== deploy: install the CDK app's packages and the linters"
npm ci --prefix infra --no-audit --no-fund --loglevel=error
if [ ! -x infra/.venv/bin/cfn-lint ] || [ ! -x infra/.venv/bin/hadolint ]; then
  python3 -m venv infra/.venv
  infra/.venv/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-lint.txt
fi
LINT=(infra/.venv/bin/cfn-lint)

echo "== deploy: cdk synth (no AWS account needed) + cfn-lint"
npm run --prefix infra build --silent
(cd infra && npx cdk synth --quiet --output "$OUT/cdk-default" > /dev/null)
(cd infra && npx cdk synth --quiet --output "$OUT/cdk-full" -c stage=prod -c rdsProxy=true -c dbMultiAz=true \
  -c natGateways=2 -c alarmEmail=ops@example.com \
  -c functions=api,infer,notify,anchor,retention,cognitoDefine,cognitoCreate,cognitoVerify > /dev/null)
"${LINT[@]}" "$OUT"/cdk-default/*.template.json "$OUT"/cdk-full/*.template.json
ls "$OUT"/cdk-default/*.template.json "$OUT"/cdk-full/*.template.json | sed 's|.*/|  synthesised and linted: |'

echo "== deploy: sls package (osls, offline) + cfn-lint"
npm run build --silent
package() {
  local name="$1"; shift
  AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
    SLS_TELEMETRY_DISABLED=1 npx sls package --stage ci --package "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1 \
    || { cat "$OUT/$name.log"; exit 1; }
  # W3005: osls adds DependsOn entries that a GetAtt already implies; harmless, and not ours to edit.
  "${LINT[@]}" --ignore-checks W3005 -- "$OUT/$name/cloudformation-template-update-stack.json"
  python3 - "$OUT/$name/cloudformation-template-update-stack.json" "$name" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
fns = {k: v["Properties"] for k, v in t["Resources"].items() if v["Type"] == "AWS::Lambda::Function"}
zips = {k: p["Runtime"] for k, p in fns.items() if p.get("PackageType") != "Image"}
assert all(r == "nodejs24.x" for r in zips.values()), zips
assert not any(v["Type"] == "AWS::Cognito::UserPool" for v in t["Resources"].values()), "creates a user pool"
print(f"  packaged and linted: {sys.argv[2]} ({len(fns)} functions, runtimes {sorted(set(zips.values()))}, no user pool)")
PY
}
package default
package split-vpc-cognito --param=inference=lambda \
  "--param=inferImageUri=123456789012.dkr.ecr.eu-west-1.amazonaws.com/ifas-guard-ci-infer@sha256:$(printf 'ab%.0s' {1..32})" \
  --param=network=vpc --param=cognito=on --param=cognitoUserPool=acme-users
package http-domain --param=inference=http --param=domainName=liveness.example.com \
  --param=certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000

echo "== deploy: hadolint"
infra/.venv/bin/hadolint docker/Dockerfile docker/Dockerfile.cuda
echo "  linted: docker/Dockerfile docker/Dockerfile.cuda"

echo "== deploy: Cloud Run service rendering"
deploy/cloudrun/deploy.sh --project ci-project --region europe-west4 --render-only \
  --image "europe-west4-docker.pkg.dev/ci-project/ifas/ifas-guard@sha256:$(printf 'cd%.0s' {1..32})" \
  --invoker ifas-aws@ci-project.iam.gserviceaccount.com --project-number 123456789012 > "$OUT/service.yaml"
grep -q 'run.googleapis.com/accelerator: nvidia-l4' "$OUT/service.yaml"
grep -q 'https://ifas-guard-infer-123456789012.europe-west4.run.app' "$OUT/service.yaml"
echo "  rendered: deploy/cloudrun/service.yaml"
