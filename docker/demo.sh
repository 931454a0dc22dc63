#!/bin/sh
# The compose demo (service "demo" in docker/compose.yaml), run as `entrypoint.sh demo`.
#
# It builds a store path with Nix (demo-path.nix) and copies it into builder-a's and builder-b's
# binary caches, which the `caches` service serves over HTTP; those two builders log it from their
# caches, builder-c logs a different output for the same path. The client daemon, which follows all
# three with a two-thirds policy, decides for builder-a's and builder-b's output, and Nix then
# substitutes the path through the client's proxy: the proxy takes it from an agreeing builder's
# cache, checks it against the vote and signs it with the client's key, the only key Nix trusts.
#
#   TALLY_DEMO_ROOT    each daemon's state volume, at $TALLY_DEMO_ROOT/<service> (admin socket, keys)
#   TALLY_DEMO_CACHES  the builders' binary caches, at $TALLY_DEMO_CACHES/<builder>
#   TALLY_DEMO_PROXY   the client's Nix binary cache
set -eu

root="${TALLY_DEMO_ROOT:-/demo}"
caches="${TALLY_DEMO_CACHES:-/caches}"
proxy="${TALLY_DEMO_PROXY:-http://client:9001}"
tampered="tally-demo-hello: an output with a backdoor"
here="$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Nix's narinfo cache of its own, so an answer of an earlier run is never reused.
export XDG_CACHE_HOME="$work/xdg-cache"

socket() { echo "$root/$1/admin.sock"; }
# Single-user Nix, no sandbox, no build users: what a container (or CI) has.
nix_() { nix --extra-experimental-features nix-command --option sandbox false --option build-users-group '' "$@"; }

# The daemons may still be starting (compose waits for their healthchecks; this also covers a
# daemon whose healthcheck is slow or disabled).
for daemon in builder-a builder-b builder-c client; do
  tries=0
  until [ -S "$(socket "$daemon")" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 60 ]; then
      echo "demo: no admin socket at $(socket "$daemon") after 60 s; is $daemon running?" >&2
      exit 3
    fi
    sleep 1
  done
done

path="$(nix-build "$here/demo-path.nix" --no-out-link --option sandbox false --option build-users-group '' 2>/dev/null)"
echo "== built $path; builder-a and builder-b put it in their binary caches"
for builder in builder-a builder-b; do
  nix_ copy --to "file://$caches/$builder" "$path"
done

echo "== the builders log what they built (builder-c a different output)"
tally publish-cache "$caches/builder-a" --admin-socket "$(socket builder-a)"
tally publish-cache "$caches/builder-b" --admin-socket "$(socket builder-b)"
tally submit "$path" "$tampered" --admin-socket "$(socket builder-c)"

echo "== the client asks all three logs, verifies their proofs and votes (two thirds must agree)"
tally decide "$path" --admin-socket "$(socket client)" --bypass-cache

echo "== Nix substitutes it through the client's proxy, trusting only the client's key"
nix_ copy --from "$proxy" --to "local?root=$work/store" \
  --option trusted-public-keys "$(cat "$root/client/keys/cache.public")" \
  --option narinfo-cache-negative-ttl 0 "$path"
echo "substituted $path: $(cat "$work/store$path")"
