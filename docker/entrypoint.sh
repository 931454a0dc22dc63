#!/bin/sh
# Entrypoint of the tally image (docker/Dockerfile). CI runs this same script, with the same
# configs, as a plain process (test/deploy/docker.test.ts).
#
#   (no arguments) | daemon [ARGS]   tally daemon --config $TALLY_CONFIG --state $TALLY_STATE_DIR
#   demo                             the compose demo (demo.sh beside this script)
#   COMMAND [ARGS]                   any other tally command, e.g. `decide KEY --admin-socket S`
#
# TALLY_CONFIG defaults to /etc/tally/tally.toml (the image ships config/standalone.toml there;
# mount your own over it), TALLY_STATE_DIR to /var/lib/tally (the image's volume).
set -eu

config="${TALLY_CONFIG:-/etc/tally/tally.toml}"
state="${TALLY_STATE_DIR:-/var/lib/tally}"

case "${1:-daemon}" in
daemon)
  if [ "$#" -gt 0 ]; then shift; fi
  if [ ! -r "$config" ]; then
    echo "tally-entrypoint: cannot read the config file $config: mount one or set TALLY_CONFIG" >&2
    exit 2
  fi
  # exec: the daemon is PID 1 and gets SIGTERM from `docker stop` itself, so commits in flight
  # finish before it exits.
  exec tally daemon --config "$config" --state "$state" "$@"
  ;;
demo)
  shift
  exec "$(dirname "$0")/demo.sh" "$@"
  ;;
*)
  exec tally "$@"
  ;;
esac
