#!/usr/bin/env bash
# npm run test:stress [-- RUNS]: the tests that drive child processes (provider hosts, CLIs, the
# policy analyzer, nginx/sshd, the workflow steps run with cosign, skopeo and publish-iso, the engine
# tier when STRESS_E2E=1) RUNS times in a row (default 5)
# while busy loops keep every core loaded. A race on a child's output shows up here first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shopt -s globstar nullglob
files=(test/providers/**/*.test.ts test/scripts/**/*.test.ts test/policy/analyzer-server.test.ts test/policy/published-pack.test.ts test/policy/policy-cli.test.ts test/components/edge/*.test.ts test/components/workflows/{signature-steps,publish-ia-step,release-backend,release-notes-jobs,release-notes-build}.test.ts)
if [[ ${STRESS_E2E:-0} == 1 ]]; then files+=(test/e2e/*.test.ts); fi

load=()
cleanup() { ((${#load[@]})) && kill "${load[@]}" 2>/dev/null; true; }
trap cleanup EXIT
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  load+=($!)
done

npm run -s build
for run in $(seq "$runs"); do
  echo "stress: run $run of $runs under load (${#load[@]} busy loops), ${#files[@]} files"
  if ! npx mocha --reporter dot "${files[@]}"; then
    echo "stress: run $run failed"
    exit 1
  fi
done
echo "stress: $runs runs passed"
