# Builder of one npm package's tarball (package.nix, fetchNpmTarball): `npm pack` of the registry
# spec $spec writes the registry's tarball unchanged into $out. The derivation is fixed-output with
# the lock's integrity as its hash, so npm chooses only where the bytes come from, never what they
# are. POSIX sh: test/deploy/npm-pack.test.ts runs it with real Nix and the host's npm.
set -eu
export HOME="$TMPDIR"
mkdir "$TMPDIR/packed"
npm pack --silent --ignore-scripts --cache "$TMPDIR/npm-cache" --pack-destination "$TMPDIR/packed" "$spec" >/dev/null
mv "$TMPDIR"/packed/*.tgz "$out"
