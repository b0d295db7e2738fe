#!/usr/bin/env bash
# Writes cinema.rules.yml, the plain Prometheus rules file, from prometheus-rule.yaml (the one
# source): the lines under `spec:`, two spaces less indented, comments kept. deploy-check fails
# while the committed file differs; run this after editing the PrometheusRule.
#   deploy/spinkube/monitoring/rules-file.sh            (re)write cinema.rules.yml
#   deploy/spinkube/monitoring/rules-file.sh --stdout   print it instead
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
render() {
  echo "# Generated from prometheus-rule.yaml by rules-file.sh: edit that file, not this one."
  echo "# The Cinema alerts as a plain Prometheus rules file (rule_files:); runbooks in docs/operations.md."
  awk '
    found && /^$/ { print; next }
    found && /^  / { print substr($0, 3); next }
    found { printf "rules-file.sh: line %d is not indented under spec: %s\n", NR, $0 > "/dev/stderr"; exit 1 }
    /^spec:$/ { found = 1 }
    END { if (!found) { print "rules-file.sh: no spec: line" > "/dev/stderr"; exit 1 } }
  ' "$dir/prometheus-rule.yaml"
}
if [ "${1:-}" = "--stdout" ]; then
  render
else
  render >"$dir/cinema.rules.yml.tmp"
  mv "$dir/cinema.rules.yml.tmp" "$dir/cinema.rules.yml"
fi
