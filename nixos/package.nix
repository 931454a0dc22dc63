# The tally package for NixOS: `pkgs.callPackage ./package.nix { }` (the module's default when
# pkgs has no `tally`). Dependencies come from package-lock.json through importNpmLock, so there is
# no npmDepsHash to keep in step with the lock.
#
# Not built in this repository's CI, which has no nixpkgs: CI only checks that this file parses.
# See docs/nixos.md.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_20,
}:
let
  src = lib.fileset.toSource {
    root = ../.;
    # What `npm run build` (tsconfig.build.json) and the installed package need; no node_modules,
    # dist or local state.
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../tsconfig.build.json
      ../src
      ../bench
      ../test/fixtures
      ../proto
      ../lua-policies
    ];
  };
in
buildNpmPackage {
  pname = "tally";
  version = (lib.importJSON ../package.json).version;
  inherit src;
  nodejs = nodejs_20;

  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;
  # `npm run build` (tsc) is buildNpmPackage's default build step; the install step keeps the
  # package.json "files" (dist, proto, lua-policies), the production dependencies and bin/tally.

  meta = {
    description = "Verifiable, followed and voted-on build logs for Nix binary caches";
    license = lib.licenses.mit;
    mainProgram = "tally";
    platforms = lib.platforms.linux;
  };
}
