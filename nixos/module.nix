# NixOS module for tally: `services.tally`. Usage and what CI checks: docs/nixos.md.
#
# The TOML the daemon reads is rendered by ./settings.nix (pure, builtins only), so CI can evaluate
# exactly what this module writes and validate it with the daemon's own config parser.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkIf mkOption types;

  cfg = config.services.tally;
  render = import ./settings.nix;
  settingsFormat = pkgs.formats.toml { };

  inherit (render) stateDir;
  finalSettings = render.toSettings cfg;
  configFile = settingsFormat.generate "tally.toml" finalSettings;
  adminSocket = render.adminSocket finalSettings;

  cachePublicKey =
    if cfg.cache.publicKey != null then
      cfg.cache.publicKey
    else if cfg.cache.publicKeyFile != null then
      lib.removeSuffix "\n" (builtins.readFile cfg.cache.publicKeyFile)
    else
      null;

  # nix-daemon runs post-build-hook as root. The hook drops to the tally user before it does
  # anything: the admin socket is the daemon's (tally:tally, mode 0600, fixed by the daemon), and
  # when the daemon is down the hook spools into /var/lib/tally/spool, which the daemon must be
  # able to read and delete. Run as root, the hook would still reach the socket (root bypasses its
  # mode) but would leave root-owned 0600 spool files the daemon cannot read. As tally, the hook's
  # `nix path-info` goes through nix-daemon like any other user's.
  postBuildHook = pkgs.writeShellScript "tally-post-build-hook" ''
    export HOME=${stateDir}
    export PATH=${config.nix.package}/bin:$PATH
    exec ${pkgs.util-linux}/bin/setpriv --reuid=tally --regid=tally --init-groups -- \
      ${cfg.package}/bin/tally post-build-hook \
        --state ${lib.escapeShellArg stateDir} --admin-socket ${lib.escapeShellArg adminSocket}
  '';

  nullOr = types.nullOr;

  followModule = types.submodule {
    options = {
      name = mkOption {
        type = types.str;
        description = "This node's name for the log, used in policies and status. `local` is reserved.";
      };
      publicKey = mkOption {
        type = types.str;
        example = "builder-a:x2kDnTSU5JC8RcVXXyPc435UrE948lmzm+Lhqn6AOsE=";
        description = "The builder's log public key, Nix key-file format (`name:base64`).";
      };
      address = mkOption {
        type = types.str;
        example = "builder-a.example.org:9002";
        description = "The builder's public gRPC API (its `api.listen`), `host:port`.";
      };
      upstream = mkOption {
        type = nullOr types.str;
        default = null;
        example = "https://cache.builder-a.example.org";
        description = "The builder's binary cache (`meta.upstream`): where the cache proxy fetches narinfos and NARs.";
      };
      weight = mkOption {
        type = nullOr (types.either types.int types.float);
        default = null;
        description = "Vote weight for `builtin:weighted`; null: the daemon's default, 1.";
      };
      origin = mkOption {
        type = nullOr types.str;
        default = null;
        description = "Checkpoint origin to expect; null: derived from the log ID.";
      };
      pollIntervalSeconds = mkOption {
        type = nullOr types.int;
        default = null;
        description = "How often the head is fetched; null: `follow_defaults`.";
      };
      requestTimeoutMs = mkOption {
        type = nullOr types.int;
        default = null;
        description = "Deadline of each request to this log; null: `follow_defaults`.";
      };
      meta = mkOption {
        type = types.attrsOf types.str;
        default = { };
        description = "Other `meta` strings for this log.";
      };
    };
  };

  policyModule = types.submodule {
    options = {
      name = mkOption {
        type = types.str;
        description = "The policy's name in logs and status; unique in the chain.";
      };
      builtin = mkOption {
        type = nullOr (
          types.enum [
            "percentage"
            "name-match"
            "weighted"
          ]
        );
        default = null;
        description = "A built-in policy (lua-policies/). Set this or `file`.";
      };
      file = mkOption {
        type = nullOr (types.either types.path types.str);
        default = null;
        example = lib.literalExpression "./policies/my-policy.lua";
        description = "A Lua policy file (a Nix path is copied into the store). Set this or `builtin`.";
      };
      params = mkOption {
        type = settingsFormat.type;
        default = { };
        example = {
          threshold = 66;
          min_agreeing = 2;
        };
        description = "Passed to the script as `params`.";
      };
      instructions = mkOption {
        type = nullOr types.int;
        default = null;
        description = "Most Lua instructions per evaluation; null: the daemon's default.";
      };
      memoryBytes = mkOption {
        type = nullOr types.int;
        default = null;
        description = "Most memory per evaluation; null: the daemon's default.";
      };
    };
  };

  secretFileOption =
    what:
    mkOption {
      type = nullOr types.str;
      default = null;
      example = "/run/secrets/tally-key";
      description = ''
        ${what}, read by systemd with LoadCredential (so it may be readable by root only). A string,
        not a Nix path, so the secret never lands in the world-readable Nix store.
      '';
    };
in
{
  options.services.tally = {
    enable = lib.mkEnableOption "tally, verifiable and voted-on build logs for Nix binary caches";

    package = mkOption {
      type = types.package;
      default = pkgs.tally or (pkgs.callPackage ./package.nix { });
      defaultText = lib.literalExpression "pkgs.tally or (pkgs.callPackage ./package.nix { })";
      description = "The tally package; it must provide `bin/tally`.";
    };

    settings = mkOption {
      type = settingsFormat.type;
      default = { };
      example = {
        log_level = "debug";
        decide.cache_ttl_seconds = 30;
        cache.priority = 30;
      };
      description = ''
        Anything else of the config file (README.md, "Configuration reference"), written on top of
        what the typed options produce. `state_dir` is fixed to ${stateDir}.
      '';
    };

    publish = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether this node keeps and publishes a log (a builder). A machine that only follows sets false.";
      };
      name = mkOption {
        type = types.str;
        default = "tally";
        description = "The log's name and its key's name.";
      };
      keyFile = secretFileOption "The log's Ed25519 secret key (`tally keygen`); null: generated in ${stateDir}/keys on first start";
      upstream = mkOption {
        type = nullOr types.str;
        default = null;
        description = "This builder's binary cache, shown to followers as `meta.upstream`.";
      };
      staticDir = mkOption {
        type = nullOr types.str;
        default = null;
        example = "/var/www/tally";
        description = ''
          `[publish.static] dir`: a directory the daemon keeps a static copy of its log in, under
          `logs/<log id>/`, for a web server rooted there (docs/nginx-tally-log.conf). The module
          creates it (owned by tally, world-readable) and makes it writable for the hardened unit.
        '';
      };
    };

    cache = {
      keyFile = secretFileOption "The secret key the cache proxy signs narinfos with; null: generated in ${stateDir}/keys/cache.secret on first start";
      publicKey = mkOption {
        type = nullOr types.str;
        default = null;
        example = "myhost-tally-cache-1:AbCd...=";
        description = "The cache proxy's public key (`name:base64`), put into nix.conf's trusted-public-keys by `nix.substituter`.";
      };
      publicKeyFile = mkOption {
        type = nullOr types.path;
        default = null;
        description = "A file holding the cache proxy's public key, read at evaluation time; instead of `publicKey`.";
      };
    };

    listen = {
      api = mkOption {
        type = types.str;
        default = "127.0.0.1:9002";
        description = ''The public read-only gRPC API followers poll, `host:port`; "" turns it off.'';
      };
      cache = mkOption {
        type = types.str;
        default = "127.0.0.1:9001";
        description = ''The Nix binary cache proxy, `host:port`; "" turns it off.'';
      };
      admin = mkOption {
        type = nullOr types.str;
        default = null;
        description = "An optional TCP listener for the admin API (needs `adminTokenFile`). The Unix socket is always there.";
      };
    };

    adminTokenFile = secretFileOption "The bearer token TCP admin clients must send";

    follow = mkOption {
      type = types.listOf followModule;
      default = [ ];
      description = "Logs of other builders this node follows (`[[follow]]`).";
    };

    policies = mkOption {
      type = types.listOf policyModule;
      default = [ ];
      description = "The voting policy chain (`[[policy]]`), tried in order; empty: two thirds of all followed logs, and at least two, must agree.";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open the port of `listen.api` so followers can reach this builder's log.";
    };

    nix = {
      substituter = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Add the cache proxy to nix.settings.substituters and its public key (`cache.publicKey` or
          `cache.publicKeyFile`) to trusted-public-keys.
        '';
      };
      postBuildHook = mkOption {
        type = types.bool;
        default = false;
        description = "Set nix.settings.post-build-hook so every local build is published to this node's log.";
      };
    };

    configFile = mkOption {
      type = types.path;
      default = configFile;
      defaultText = lib.literalExpression "the TOML rendered from the options above";
      readOnly = true;
      description = "The generated config file the daemon runs with.";
    };
  };

  config = mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions =
          map (message: {
            assertion = false;
            inherit message;
          }) (render.problems cfg)
          ++ [
            {
              assertion = !cfg.nix.substituter || cachePublicKey != null;
              message = "services.tally.nix.substituter needs services.tally.cache.publicKey or cache.publicKeyFile (the public half of the cache key) for trusted-public-keys.";
            }
            {
              assertion = !cfg.nix.substituter || cfg.listen.cache != "";
              message = "services.tally.nix.substituter needs the cache proxy: listen.cache is off.";
            }
            {
              assertion = !cfg.nix.postBuildHook || cfg.publish.enable;
              message = "services.tally.nix.postBuildHook needs publish.enable: there is no log to publish builds to.";
            }
          ];

        users.users.tally = {
          isSystemUser = true;
          group = "tally";
          home = stateDir;
          description = "tally daemon";
        };
        users.groups.tally = { };

        systemd.services.tally = {
          description = "tally: verifiable, followed and voted-on Nix build logs";
          wantedBy = [ "multi-user.target" ];
          wants = [ "network-online.target" ];
          after = [ "network-online.target" ];
          serviceConfig = {
            Type = "simple";
            ExecStart = "${cfg.package}/bin/tally daemon --config ${configFile}";
            User = "tally";
            Group = "tally";
            # A static user, not DynamicUser: the post-build hook must switch to the same uid to
            # use the socket and the spool (see postBuildHook above).
            StateDirectory = "tally";
            StateDirectoryMode = "0750";
            WorkingDirectory = stateDir;
            LoadCredential = lib.mapAttrsToList (name: file: "${name}:${file}") (render.credentials cfg);
            UMask = "0077";
            Restart = "on-failure";
            RestartSec = "5s";
            # SIGTERM lets commits in flight finish; the gRPC servers force-close after 5 s.
            TimeoutStopSec = "30s";

            # Hardening. MemoryDenyWriteExecute is deliberately absent: V8's JIT needs W+X memory.
            ProtectSystem = "strict";
            ProtectHome = true;
            PrivateTmp = true;
            PrivateDevices = true;
            PrivateUsers = true;
            NoNewPrivileges = true;
            CapabilityBoundingSet = "";
            AmbientCapabilities = "";
            ProtectKernelTunables = true;
            ProtectKernelModules = true;
            ProtectKernelLogs = true;
            ProtectControlGroups = true;
            ProtectClock = true;
            ProtectHostname = true;
            ProtectProc = "invisible";
            ProcSubset = "pid";
            RestrictAddressFamilies = [
              "AF_UNIX"
              "AF_INET"
              "AF_INET6"
            ];
            RestrictNamespaces = true;
            RestrictRealtime = true;
            RestrictSUIDSGID = true;
            LockPersonality = true;
            RemoveIPC = true;
            SystemCallArchitectures = "native";
            SystemCallFilter = [
              "@system-service"
              "~@privileged"
            ];
            DevicePolicy = "closed";
          };
        };
      }

      (mkIf (cfg.publish.staticDir != null) {
        # ProtectSystem = "strict" makes everything outside the StateDirectory read-only.
        systemd.services.tally.serviceConfig.ReadWritePaths = [ cfg.publish.staticDir ];
        systemd.tmpfiles.rules = [ "d ${cfg.publish.staticDir} 0755 tally tally -" ];
      })

      (mkIf cfg.openFirewall {
        networking.firewall.allowedTCPPorts = [ (render.addressPort cfg.listen.api) ];
      })

      (mkIf cfg.nix.substituter {
        nix.settings.substituters = [ (render.substituterUrl cfg.listen.cache) ];
        nix.settings.trusted-public-keys = [ cachePublicKey ];
      })

      (mkIf cfg.nix.postBuildHook {
        nix.settings.post-build-hook = postBuildHook;
        # The hook, running as tally, spools here when the daemon is down; it must exist even
        # before the daemon's first start.
        systemd.tmpfiles.rules = [
          "d ${stateDir} 0750 tally tally -"
          "d ${stateDir}/spool 0700 tally tally -"
        ];
      })
    ]
  );
}
