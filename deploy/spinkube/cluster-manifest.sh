#!/usr/bin/env bash
# Writes the manifest that is pushed as the cluster's OCI image: spin.toml with every private HTTP
# trigger (`route = { private = true }`) routed at `/...`.
#
# Why: a private component has no route (Spin drops private endpoints from its router), so in a
# SpinApp that retains only, say, `reservation`, every request would get 404. On SpinKube each
# context's HTTP component runs alone in its own pod (`spec.components`), so `/...` is its only
# route there and nothing collides; the gateway reaches it through its Kubernetes Service
# (`*_url` variables) and a NetworkPolicy keeps everyone else out. Locally (one app, `spin up`)
# spin.toml stays as it is: private, reached by service chaining.
#
#   deploy/spinkube/cluster-manifest.sh [spin.toml] [out]   (default out: spin.cluster.toml beside it)
# The output must sit beside spin.toml: component sources are relative to the manifest.
set -euo pipefail
src=${1:-spin.toml}
out=${2:-$(dirname "$src")/spin.cluster.toml}
count=$(grep -c '^route = { private = true }$' "$src" || true)
if [ "$count" -eq 0 ]; then
  echo "cluster-manifest: no private HTTP trigger in $src" >&2
  exit 1
fi
sed 's|^route = { private = true }$|route = "/..."  # private in spin.toml; routed for SpinKube (one HTTP component per pod)|' \
  "$src" >"$out"
echo "cluster-manifest: $count private triggers routed at /... -> $out" >&2
