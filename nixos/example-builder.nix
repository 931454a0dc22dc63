# Example: a builder. Every local build is published to this machine's log through Nix's
# post-build-hook, and the log's public gRPC API is open to followers. Pair it with a binary cache
# serving the same store (e.g. services.harmonia or nix-serve) and give followers its URL.
#
# CI evaluates this file through ./module.nix and validates the TOML it renders with the daemon's
# own config parser (test/deploy/nixos.test.ts); see docs/nixos.md.
{ ... }:
{
  imports = [ ./module.nix ];

  services.tally = {
    enable = true;

    publish = {
      name = "builder-a";
      # Created with: tally keygen --name builder-a --out /run/secrets
      # Followers configure the public half (builder-a.public). null: generated on first start.
      keyFile = "/run/secrets/builder-a.secret";
      upstream = "https://cache.builder-a.example.org";
      # A static copy of the log for nginx to serve (root /var/www/tally; include
      # docs/nginx-tally-log.conf). null: none.
      staticDir = "/var/www/tally";
    };

    # Followers poll this address; openFirewall opens its port.
    listen.api = "0.0.0.0:9002";
    openFirewall = true;
    # A builder usually does not substitute through its own proxy.
    listen.cache = "";

    # nix.conf: post-build-hook = a script running `tally post-build-hook` as the tally user.
    nix.postBuildHook = true;
  };
}
