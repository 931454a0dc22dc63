# The store path the compose demo (docker/demo.sh) builds, copies into two builders' binary caches
# and then substitutes through the client's proxy. No nixpkgs: /bin/sh writes one file.
builtins.derivation {
  name = "tally-demo-hello";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [
    "-c"
    "echo 'hello from a reproducible build' > $out"
  ];
}
