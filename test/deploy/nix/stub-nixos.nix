# A stand-in for the small part of nixpkgs that nixos/module.nix uses: a few lib functions, option
# types that check values and fill in defaults, mkIf / mkMerge, and pkgs stubs whose results record
# what the module passed them. CI has no nixpkgs; with this, test/deploy/nixos.test.ts evaluates the
# module's real `config` (systemd unit, nix.settings, the settings handed to the TOML generator).
#
# It is deliberately strict where the module system is: undeclared options, values of the wrong
# type, writes to read-only options and conflicting definitions are errors.
let
  inherit (builtins)
    all
    attrNames
    attrValues
    concatStringsSep
    elem
    filter
    foldl'
    isAttrs
    isBool
    isFloat
    isInt
    isList
    isPath
    isString
    mapAttrs
    match
    replaceStrings
    stringLength
    substring
    toJSON
    typeOf
    ;

  # A type: its name, a check, and how to fill a checked value (submodules get their defaults).
  mkType = name: check: extra: { inherit name check; fill = _loc: value: value; } // extra;

  # Anything the TOML format can hold (pkgs.formats.toml's type); the daemon's parser judges it.
  tomlValue = mkType "TOML value" (_: true) { };

  types = {
    bool = mkType "bool" isBool { };
    str = mkType "str" isString { };
    int = mkType "int" isInt { };
    float = mkType "float" isFloat { };
    package = mkType "package" (v: isAttrs v && v ? outPath) { };
    path = mkType "path" (
      v: isPath v || (isString v && substring 0 1 v == "/") || (isAttrs v && v ? outPath)
    ) { };
    enum = values: mkType "one of ${toJSON values}" (v: elem v values) { };
    nullOr =
      t:
      mkType "null or ${t.name}" (v: v == null || t.check v) {
        fill = loc: v: if v == null then null else t.fill loc v;
      };
    either =
      a: b:
      mkType "${a.name} or ${b.name}" (v: a.check v || b.check v) {
        fill = loc: v: if a.check v then a.fill loc v else b.fill loc v;
      };
    listOf =
      t:
      mkType "list of ${t.name}" (v: isList v && all t.check v) {
        fill = loc: map (t.fill "${loc}[]");
      };
    attrsOf =
      t:
      mkType "attribute set of ${t.name}" (v: isAttrs v && all t.check (attrValues v)) {
        fill = loc: mapAttrs (name: t.fill "${loc}.${name}");
      };
    submodule =
      module:
      mkType "submodule" isAttrs {
        fill = loc: fillOptions loc module.options;
      };
  };

  isOption = v: isAttrs v && (v._type or null) == "option";

  # The module system's job for one option tree: every value checked against its type, every
  # missing value taken from the default.
  fillOptions =
    loc: options: value:
    let
      undeclared = filter (name: !(options ? ${name})) (attrNames value);
    in
    if !(isAttrs value) then
      throw "${loc}: expected an attribute set, got ${typeOf value}"
    else if undeclared != [ ] then
      throw "${loc}: no such option(s): ${concatStringsSep ", " undeclared}"
    else
      mapAttrs (
        name: option:
        let
          at = "${loc}.${name}";
          given = value.${name};
        in
        if !(isOption option) then
          fillOptions at option (value.${name} or { })
        else if value ? ${name} then
          if option.readOnly or false then
            throw "${at} is read-only"
          else if option.type.check given then
            option.type.fill at given
          else
            throw "${at}: ${typeOf given} ${toJSON given} is not a ${option.type.name}"
        else if option ? default then
          option.default
        else
          throw "${at} is used but has no value and no default"
      ) options;

  # mkIf / mkMerge are recorded, then resolved: a false mkIf defines nothing, definitions merge
  # (attribute sets by key, lists concatenated, anything else must be equal).
  absent = {
    _type = "absent";
  };
  isAbsent = v: isAttrs v && (v._type or null) == "absent";
  isPlainAttrs = v: isAttrs v && !(v ? outPath) && !(v ? _type);

  mergeTwo =
    at: a: b:
    if isAbsent a then
      b
    else if isAbsent b then
      a
    else if isPlainAttrs a && isPlainAttrs b then
      a
      // mapAttrs (name: bValue: if a ? ${name} then mergeTwo "${at}.${name}" a.${name} bValue else bValue) b
    else if isList a && isList b then
      a ++ b
    else if a == b then
      a
    else
      throw "conflicting definitions of ${at}";

  resolve =
    at: v:
    if isAttrs v && (v._type or null) == "if" then
      (if v.condition then resolve at v.content else absent)
    else if isAttrs v && (v._type or null) == "merge" then
      foldl' (mergeTwo at) absent (map (resolve at) v.contents)
    else if isPlainAttrs v then
      let
        resolved = mapAttrs (name: resolve "${at}.${name}") v;
      in
      removeAttrs resolved (filter (name: isAbsent resolved.${name}) (attrNames resolved))
    else if isList v then
      map (resolve at) v
    else
      v;

  lib = {
    inherit types;
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption =
      name:
      lib.mkOption {
        type = types.bool;
        default = false;
        description = "Whether to enable ${name}.";
      };
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkMerge = contents: {
      _type = "merge";
      inherit contents;
    };
    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    removeSuffix =
      suffix: s:
      let
        cut = stringLength s - stringLength suffix;
      in
      if cut >= 0 && substring cut (stringLength suffix) s == suffix then substring 0 cut s else s;
    # As nixpkgs' lib.escapeShellArg: safe words stay bare, anything else is single-quoted.
    escapeShellArg =
      arg:
      let
        s = toString arg;
      in
      if match "[[:alnum:],._+:@%/-]+" s != null then s else "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
  };

  # Store objects are records of what they were made from, with a fake store path.
  storeObject = name: attrs: { outPath = "/nix/store/00000000000000000000000000000000-${name}"; } // attrs;

  pkgs = {
    formats.toml = _: {
      type = tomlValue;
      generate = name: value: storeObject name { inherit value; };
    };
    writeShellScript = name: text: storeObject name { inherit text; };
    util-linux = storeObject "util-linux" { };
    nix = storeObject "nix" { };
    callPackage = file: _args: storeObject "callPackage-${baseNameOf file}" { };
  };
in
{
  inherit
    lib
    pkgs
    fillOptions
    resolve
    ;
}
