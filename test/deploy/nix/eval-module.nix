# Evaluates an example configuration (nixos/example*.nix) through the module it imports, with the
# stand-in nixpkgs of ./stub-nixos.nix, and returns what the module would produce:
#
#   nix-instantiate --eval --strict --json --readonly-mode eval-module.nix \
#     --arg example ../../../nixos/example.nix [--arg patch '{ ... }']
#
# `patch` replaces top-level attributes of the example's services.tally (to test broken variants).
{
  example,
  patch ? { },
}:
let
  stub = import ./stub-nixos.nix;
  args = {
    inherit (stub) lib pkgs;
    config = {
      services.tally = cfg;
      nix.package = stub.pkgs.nix;
    };
  };
  exampleModule = import example args;
  module = import (builtins.head exampleModule.imports) args;
  cfg = stub.fillOptions "services.tally" module.options.services.tally (
    exampleModule.services.tally // patch
  );
  config = stub.resolve "config" module.config;
  hook = config.nix.settings.post-build-hook or null;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
in
# As on NixOS, failed assertions stop the evaluation before anything is built.
if failedAssertions != [ ] then
  { inherit failedAssertions; }
else
  {
    inherit failedAssertions;
    # What the module hands to pkgs.formats.toml: the daemon's config file.
    settings = cfg.configFile.value;
    configFile = cfg.configFile.outPath;
    service = config.systemd.services.tally;
    users = config.users;
    nixSettings = config.nix.settings or { };
    postBuildHookScript = if hook == null then null else hook.text;
    firewallPorts = config.networking.firewall.allowedTCPPorts or [ ];
    tmpfiles = config.systemd.tmpfiles.rules or [ ];
  }
