# Example: a workstation that builds nothing itself. Its tally daemon follows three builders and
# serves a local Nix binary cache that exposes a store path only when two thirds of the three logs
# agree on its output. Import it from configuration.nix, or copy what you need.
#
# CI evaluates this file through ./module.nix and validates the TOML it renders with the daemon's
# own config parser (test/deploy/nixos.test.ts); see docs/nixos.md.
{ ... }:
{
  imports = [ ./module.nix ];

  services.tally = {
    enable = true;
    # This machine only follows; it keeps no log of its own.
    publish.enable = false;

    follow = [
      {
        name = "builder-a";
        publicKey = "builder-a:x2kDnTSU5JC8RcVXXyPc435UrE948lmzm+Lhqn6AOsE=";
        address = "builder-a.example.org:9002";
        upstream = "https://cache.builder-a.example.org";
      }
      {
        name = "builder-b";
        publicKey = "builder-b:Dea87T0iqTyJc6hxbiZ5BWutHvBaHOgNVVWbt2DYyvQ=";
        address = "builder-b.example.org:9002";
        upstream = "https://cache.builder-b.example.org";
      }
      {
        name = "builder-c";
        publicKey = "builder-c:sPTfBXfRqALZ6Ubnj1Cum+IR6f1nErOshN7s458L23M=";
        address = "[2001:db8::c]:9002";
        upstream = "https://cache.builder-c.example.org";
        pollIntervalSeconds = 60;
      }
    ];

    # Two of the three logs must hold the same output (66% of ALL followed logs: absent,
    # unreachable and compromised ones count in the denominator), and never fewer than two logs.
    policies = [
      {
        name = "two-thirds";
        builtin = "percentage";
        params.threshold = 66;
        params.min_agreeing = 2;
      }
    ];

    # The proxy's signing key, kept outside the Nix store (e.g. agenix / sops-nix), and its public
    # half for nix.conf. Create both with: tally keygen --name client-tally-cache-1 --out /run/secrets
    cache.keyFile = "/run/secrets/client-tally-cache-1.secret";
    cache.publicKey = "client-tally-cache-1:4xwrmuFrbACD/9S9KuZFGa99Hj+Uxeo18yC5rwiMW0M=";

    # nix.conf: substituters += http://127.0.0.1:9001, trusted-public-keys += cache.publicKey.
    nix.substituter = true;

    settings = {
      log_level = "info";
      decide.cache_ttl_seconds = 60;
    };
  };

  # To make tally the only way paths are substituted, drop the default cache and its key:
  #   nix.settings.substituters = lib.mkForce [ "http://127.0.0.1:9001" ];
  #   nix.settings.trusted-public-keys = lib.mkForce [ "client-tally-cache-1:4xwr...=" ];
}
