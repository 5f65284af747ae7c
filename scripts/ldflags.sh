#!/bin/sh
# Prints the -ldflags that stamp `parley version` with the git commit of the
# tree, for builds the go command cannot stamp itself (a git worktree, whose
# .git is a file, or GOFLAGS=-buildvcs=false). Prints nothing outside a git
# checkout. The binary prefers the go command's own vcs.* stamp when it has
# one. Usage: go build -ldflags "$(scripts/ldflags.sh)" ./cmd/parley
cd "$(dirname "$0")/.." || exit 0
rev=$(git rev-parse HEAD 2>/dev/null) || exit 0
when=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
modified=false
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
	modified=true
fi
echo "-X main.vcsRevision=$rev -X main.vcsTime=$when -X main.vcsModified=$modified"
