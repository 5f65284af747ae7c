#!/bin/sh
# Writes the server's /etc/parley/parley.yaml (for the .deb and the Docker
# image) from config/default.yaml on stdin: a header of its own, and the
# store under /var/lib/parley. Fails if default.yaml no longer has the line
# it changes, so the two cannot drift apart unnoticed.
set -eu
cat <<'HEAD'
# Parley's configuration, installed as /etc/parley/parley.yaml. Parley is
# not started on install: set what you need first (sip.domain and
# public_ip, http.public_url, admin_tokens, and above all the rooms, which
# are open here: give them PINs or owners), then check the file:
#   parley check-config /etc/parley/parley.yaml
# and start it: systemctl enable --now parley (or systemctl reload parley
# after a change). Secrets are best kept out of this file: write ${VAR}
# and put VAR=… in /etc/default/parley (mode 0600). Settings you leave out
# take the values shown here; docs/OPERATIONS.md says how to run it.
#
# ${VAR} in any value is read from the environment; write $${ for a literal ${.

HEAD
awk '
	!body && /^[^#]/ { body = 1 }
	!body { next }
	$0 == "  path: ./data/parley.db" { print "  path: /var/lib/parley/parley.db"; done = 1; next }
	{ print }
	END { if (!done) { print "server-config.sh: no \"  path: ./data/parley.db\" line in default.yaml" > "/dev/stderr"; exit 1 } }
'
