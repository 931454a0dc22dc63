# The pure half of the tally NixOS module: turns the values of `services.tally` into the TOML
# document the daemon reads, and derives the few paths and URLs the module wires into systemd and
# nix.conf. It uses builtins only (no nixpkgs, no lib) so that CI, which has no nixpkgs, can
# evaluate it with `nix-instantiate --eval` and hand the result to the daemon's own config parser
# (test/deploy/nixos.test.ts).
let
  inherit (builtins)
    attrNames
    filter
    head
    isAttrs
    length
    listToAttrs
    match
    removeAttrs
    substring
    ;

  # The unit's StateDirectory. Fixed: systemd creates it, and the post-build hook must find the
  # same spool and admin socket the daemon uses.
  stateDir = "/var/lib/tally";

  # Secret files are handed to the unit with LoadCredential (systemd reads them as root, so they
  # may be root-only, e.g. from agenix or sops-nix); the daemon reads its copy here.
  credentialsDir = "/run/credentials/tally.service";
  credentialPath = name: "${credentialsDir}/${name}";

  # null means "the daemon's default": such keys are left out of the file.
  withoutNulls = attrs: removeAttrs attrs (filter (name: attrs.${name} == null) (attrNames attrs));
  nullIfEmpty = attrs: if attrs == { } then null else attrs;

  # Like lib.recursiveUpdate: tables merge key by key, anything else (lists included) is replaced.
  recursiveUpdate =
    base: override:
    base
    // listToAttrs (
      map (name: {
        inherit name;
        value =
          if isAttrs (base.${name} or null) && isAttrs override.${name} then
            recursiveUpdate base.${name} override.${name}
          else
            override.${name};
      }) (attrNames override)
    );

  # Which secret files the unit loads as credentials: credential name -> file on the host.
  credentials =
    cfg:
    withoutNulls {
      publish-key = cfg.publish.keyFile;
      cache-key = cfg.cache.keyFile;
      admin-token = cfg.adminTokenFile;
    };

  credentialOr = cfg: name: if (credentials cfg) ? ${name} then credentialPath name else null;

  metaWithUpstream = meta: upstream: meta // (if upstream == null then { } else { inherit upstream; });

  followEntry =
    follow:
    withoutNulls {
      inherit (follow) name address;
      public_key = follow.publicKey;
      weight = follow.weight;
      origin = follow.origin;
      poll_interval_seconds = follow.pollIntervalSeconds;
      request_timeout_ms = follow.requestTimeoutMs;
      meta = nullIfEmpty (metaWithUpstream follow.meta follow.upstream);
    };

  # A policy is a built-in (lua-policies/<name>.lua) or a Lua file; a Nix path is copied into the
  # store by the interpolation, so the unit reads it from there.
  policySource =
    policy:
    if policy.builtin != null && policy.file == null then
      "builtin:${policy.builtin}"
    else if policy.file != null && policy.builtin == null then
      "${policy.file}"
    else
      throw "services.tally.policies: policy ${policy.name} must set exactly one of builtin and file";

  policyEntry =
    policy:
    withoutNulls {
      inherit (policy) name;
      file = policySource policy;
      params = policy.params;
      limits = nullIfEmpty (withoutNulls {
        instructions = policy.instructions;
        memory_bytes = policy.memoryBytes;
      });
    };

  # What the typed options say, as the TOML document (snake_case keys, docs/example-config.toml).
  typedSettings =
    cfg:
    {
      state_dir = stateDir;
      publish = withoutNulls {
        enabled = cfg.publish.enable;
        name = cfg.publish.name;
        key_file = credentialOr cfg "publish-key";
        meta = nullIfEmpty (metaWithUpstream { } cfg.publish.upstream);
        static = if cfg.publish.staticDir == null then null else { dir = cfg.publish.staticDir; };
      };
      api.listen = cfg.listen.api;
      admin = withoutNulls {
        listen = cfg.listen.admin;
        token_file = credentialOr cfg "admin-token";
      };
      cache = withoutNulls {
        listen = cfg.listen.cache;
        key_file = credentialOr cfg "cache-key";
      };
      follow = map followEntry cfg.follow;
    }
    # No [[policy]] at all gives the daemon's default chain (two thirds must agree).
    // (if cfg.policies == [ ] then { } else { policy = map policyEntry cfg.policies; });

  # The whole file: the typed options, then `settings` on top (anything else the daemon reads),
  # with state_dir always the unit's StateDirectory.
  toSettings = cfg: recursiveUpdate (typedSettings cfg) cfg.settings // { state_dir = stateDir; };

  # Where the daemon puts its admin socket: admin.socket, relative to state_dir, or state_dir/admin.sock.
  adminSocket =
    settings:
    let
      socket = settings.admin.socket or "";
    in
    if socket == "" then
      "${stateDir}/admin.sock"
    else if substring 0 1 socket == "/" then
      socket
    else
      "${stateDir}/${socket}";

  # "host:port" -> [ host port ]; a bracketed IPv6 host keeps its brackets.
  splitAddress =
    address:
    let
      parts = match "(\\[[^]]*]|[^:]*):([0-9]+)" address;
    in
    if parts == null || length parts != 2 then
      throw "services.tally: ${address} is not host:port"
    else
      parts;

  # The URL nix.conf uses for the cache proxy: a wildcard listener is reached on loopback.
  substituterUrl =
    cacheListen:
    let
      parts = splitAddress cacheListen;
      host = head parts;
      port = builtins.elemAt parts 1;
      loopback =
        if host == "0.0.0.0" || host == "" then
          "127.0.0.1"
        else if host == "[::]" then
          "[::1]"
        else
          host;
    in
    "http://${loopback}:${port}";

  addressPort = address: builtins.fromJSON (builtins.elemAt (splitAddress address) 1);

  # Used by the module's assertions: each message names the option to fix.
  problems =
    cfg:
    let
      badPolicies = filter (p: (p.builtin == null) == (p.file == null)) cfg.policies;
    in
    map (p: "services.tally.policies: policy ${p.name} must set exactly one of builtin and file") badPolicies
    ++ (
      if cfg.listen.admin != null && cfg.adminTokenFile == null then
        [ "services.tally.listen.admin needs services.tally.adminTokenFile: a TCP admin listener always needs a token" ]
      else
        [ ]
    )
    ++ (
      if cfg.settings ? state_dir then
        [ "services.tally.settings.state_dir cannot be set: the state lives in the unit's StateDirectory, ${stateDir}" ]
      else
        [ ]
    );
in
{
  inherit
    stateDir
    credentialPath
    credentials
    toSettings
    adminSocket
    substituterUrl
    addressPort
    problems
    ;
}
