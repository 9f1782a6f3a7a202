#!/usr/bin/env bash
# The project's CDK CLI: installs it (package.json/package-lock.json) if missing, quietens
# Node 20's end-of-life banner and the CLI's network calls (version check, telemetry, notices),
# then runs `cdk ARGS...` from the repository root.
#   infra/cdk.sh synth -q          # offline; writes cdk.out/ (the layer's wheels are fetched once)
#   infra/cdk.sh deploy            # needs AWS credentials (and `infra/cdk.sh bootstrap` once)
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 NODE_NO_WARNINGS=1 \
       CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
if [ ! -x .venv/bin/python ]; then
  echo "infra/cdk.sh: .venv is missing: create it and install requirements-dev.txt first" >&2
  exit 1
fi
if [ ! -x node_modules/.bin/cdk ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node_modules/.bin/cdk --no-notices "$@"
