# The tally package for NixOS: `pkgs.callPackage ./package.nix { }` (the module's default when
# pkgs has no `tally`). Dependencies come from package-lock.json through importNpmLock, so there is
# no npmDepsHash to keep in step with the lock. The lock carries integrity but no registry URLs, so
# each package is fetched by name and version with `npm pack` (npm-sources.nix), in a
# fixed-output derivation whose hash is the lock's integrity: npm picks the registry (its default,
# or `npm_config_registry` in the nix-daemon's environment), the lock decides the bytes.
#
# Not built in this repository's CI, which has no nixpkgs; see docs/nixos.md for what is checked.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_24,
  stdenvNoCC,
  cacert,
  xz,
  zstd,
  bzip2,
}:
let
  nodejs = nodejs_24;

  fetchNpmTarball =
    {
      spec,
      storeName,
      integrity,
    }:
    stdenvNoCC.mkDerivation {
      name = storeName;
      inherit spec;
      nativeBuildInputs = [ nodejs ];
      NODE_EXTRA_CA_CERTS = "${cacert}/etc/ssl/certs/ca-bundle.crt";
      outputHash = integrity;
      outputHashMode = "flat";
      impureEnvVars = lib.fetchers.proxyImpureEnvVars ++ [ "npm_config_registry" ];
      buildCommand = builtins.readFile ./npm-pack.sh;
    };

  npmSources = import ./npm-sources.nix {
    packageLock = lib.importJSON ../package-lock.json;
    fetchTarball = fetchNpmTarball;
  };

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
  inherit src nodejs;

  npmDeps = importNpmLock {
    npmRoot = src;
    packageSourceOverrides = npmSources;
  };
  npmConfigHook = importNpmLock.npmConfigHook;
  # `npm run build` (tsc) is buildNpmPackage's default build step; the install step keeps the
  # package.json "files" (dist, proto, lua-policies), the production dependencies and bin/tally.
  # The cache proxy decompresses xz, zstd and bzip2 NARs with these (docs/decisions.md).
  makeWrapperArgs = [
    "--prefix"
    "PATH"
    ":"
    (lib.makeBinPath [
      xz
      zstd
      bzip2
    ])
  ];

  meta = {
    description = "Verifiable, followed and voted-on build logs for Nix binary caches";
    license = lib.licenses.mit;
    mainProgram = "tally";
    platforms = lib.platforms.linux;
  };
}
