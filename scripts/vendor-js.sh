#!/usr/bin/env bash
# Vendor the front-end library that graph.html inlines, so the page works offline.
#
# Fetches the standalone (UMD) build of vis-network from the npm registry with
# `npm pack`, checks the tarball's integrity against the registry's record, and
# copies the minified script and its licence into kg/static/vendor/. The result
# is committed, so `pip install` and `kg viz` need no network and no CDN.
#
# Usage: scripts/vendor-js.sh [VERSION]   (default: the pinned version below)
set -euo pipefail

VERSION="${1:-10.1.5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/kg/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "vendor-js: npm not found; install Node.js/npm" >&2; exit 1; }

cd "$WORK"
# npm pack verifies the tarball against the registry's integrity hash.
TARBALL="$(npm pack --silent "vis-network@$VERSION")"
tar -xzf "$TARBALL"

SRC="package/standalone/umd/vis-network.min.js"
[ -f "$SRC" ] || { echo "vendor-js: $SRC missing in vis-network@$VERSION" >&2; exit 1; }

mkdir -p "$DEST"
cp "$SRC" "$DEST/vis-network.min.js"
for lic in LICENSE-MIT LICENSE-APACHE-2.0 LICENSE; do
  [ -f "package/$lic" ] && cp "package/$lic" "$DEST/vis-network.$lic"
done
cat > "$DEST/VERSIONS" <<TXT
vis-network $VERSION (npm, standalone/umd/vis-network.min.js), licence (Apache-2.0 OR MIT)
sha256 $(sha256sum "$DEST/vis-network.min.js" | cut -d' ' -f1)  vis-network.min.js
TXT
echo "vendor-js: vis-network@$VERSION -> $DEST"
ls -l "$DEST"
