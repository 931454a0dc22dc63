#!/bin/sh
# The compose demo (service "demo" in docker/compose.yaml), run as `entrypoint.sh demo`.
#
# builder-a and builder-b log the same output for one input, builder-c logs a different one; then
# the client daemon, which follows all three with a two-thirds policy, decides: builder-a's and
# builder-b's output wins, builder-c is reported as dissenting. Each daemon's admin socket is
# reached through its state volume, mounted at $TALLY_DEMO_ROOT/<service>/.
set -eu

root="${TALLY_DEMO_ROOT:-/demo}"
# A store path (its hash part is the log key, as the post-build hook would submit it).
key="/nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello-2.12.1"
reproducible="hello-2.12.1: the output every honest builder produces"
tampered="hello-2.12.1: an output with a backdoor"

socket() { echo "$root/$1/admin.sock"; }

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

echo "== the builders log what they built for $key"
tally submit "$key" "$reproducible" --admin-socket "$(socket builder-a)"
tally submit "$key" "$reproducible" --admin-socket "$(socket builder-b)"
tally submit "$key" "$tampered" --admin-socket "$(socket builder-c)"

echo "== the client asks all three logs, verifies their proofs and votes (two thirds must agree)"
tally decide "$key" --admin-socket "$(socket client)" --bypass-cache
