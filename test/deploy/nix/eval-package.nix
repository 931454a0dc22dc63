# Evaluates nixos/package.nix without nixpkgs: each nixpkgs function it calls returns its
# arguments, so the test sees what the package asks of buildNpmPackage, importNpmLock and the
# fetchers. Only what package.nix uses is stubbed; anything else is an evaluation error.
{ package }:
let
  lib = {
    importJSON = file: builtins.fromJSON (builtins.readFile file);
    fileset = {
      toSource = { root, fileset }: { stub = "fileset.toSource"; inherit fileset; };
      unions = files: map toString files;
    };
    fetchers.proxyImpureEnvVars = [ "http_proxy" "https_proxy" ];
    licenses.mit = "mit";
    platforms.linux = [ "x86_64-linux" ];
    makeBinPath = packages: builtins.concatStringsSep ":" (map (p: "${p}/bin") packages);
  };
  pkg = import package {
    inherit lib;
    buildNpmPackage = args: args;
    importNpmLock = {
      __functor = _: args: args;
      npmConfigHook = "importNpmLock.npmConfigHook";
    };
    nodejs_24 = "nodejs_24";
    stdenvNoCC.mkDerivation = args: args;
    cacert = "/cacert";
    xz = "/xz";
    zstd = "/zstd";
    bzip2 = "/bzip2";
  };
in
pkg
// {
  src = pkg.src.fileset;
  npmDeps = pkg.npmDeps // {
    npmRoot = pkg.npmDeps.npmRoot.stub;
  };
}
