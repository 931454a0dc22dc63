# Which package of package-lock.json comes from the npm registry, and as what: the lock names no
# registry (no `resolved` URLs, only `integrity`), so each such entry is fetched by name and
# version (package.nix: `npm pack`, against npm's configured registry) and pinned by its integrity.
# The result is importNpmLock's `packageSourceOverrides`: lock path -> the fetched tarball.
#
# Builtins only, so test/deploy/nixos.test.ts evaluates it without nixpkgs.
{
  packageLock,
  # { spec, storeName, integrity } -> a path or derivation holding the package's tarball
  fetchTarball,
}:
let
  inherit (builtins)
    filter
    head
    listToAttrs
    match
    replaceStrings
    ;

  # "node_modules/a/node_modules/@s/b" -> "@s/b"; an alias entry carries the real name itself.
  packageName =
    path: entry:
    if entry ? name then entry.name else head (match ".*node_modules/((@[^/]+/)?[^/]+)" path);

  # Nix store names allow [A-Za-z0-9+._?=-]; npm names and versions stay within them once the
  # scope's "@" and "/" go. The ".tgz" ending makes npm treat the `file:` path as a tarball.
  storeName =
    name: version: replaceStrings [ "@" "/" ] [ "" "-" ] name + "-" + version + ".tgz";

  fromRegistry =
    path:
    let
      entry = packageLock.packages.${path};
    in
    path != ""
    && !(entry.link or false)
    && !(entry.inBundle or false)
    && !(entry ? resolved)
    && entry ? integrity
    && entry ? version;
in
listToAttrs (
  map (
    path:
    let
      entry = packageLock.packages.${path};
      name = packageName path entry;
    in
    {
      name = path;
      value = fetchTarball {
        spec = "${name}@${entry.version}";
        storeName = storeName name entry.version;
        inherit (entry) integrity;
      };
    }
  ) (filter fromRegistry (builtins.attrNames packageLock.packages))
)
