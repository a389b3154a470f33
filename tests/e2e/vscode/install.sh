#!/usr/bin/env bash
# Installs the end-to-end suite's npm packages (code-server, playwright-core) exactly as
# pinned in package-lock.json; reinstalls only when the lock file is newer than the install.
#
# code-server's postinstall runs `npm install` in its bundled VS Code, whose @vscode/ripgrep
# would download a ripgrep binary from GitHub, which this project's machines cannot reach:
# we seed the cache it looks in first ($TMPDIR/vscode-ripgrep-cache-<version>/
# ripgrep-<tag>-<target>.tar.gz, a tar.gz with `rg` at its top, see its lib/download.js)
# with Debian's /usr/bin/rg. Native modules (argon2, and in lib/vscode node-pty, spdlog,
# kerberos with Debian's libkrb5-dev, …) build from source against Node's headers; as root,
# code-server's postinstall insists on unsafe-perm, and npm_config_yes answers npm's prompts.
# package.json's allowScripts approves the two install scripts of our own dependencies
# (code-server's postinstall, argon2's build) for npm 11's install-script review.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [ -d node_modules ] && [ -f node_modules/.package-lock.json ] \
    && ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
    exit 0
fi

command -v rg >/dev/null 2>&1 || { echo "install.sh: ripgrep (Debian's package) is needed" >&2; exit 1; }

# @vscode/ripgrep 1.15.11 (in code-server 4.100.3's lib/vscode) wants release v13.0.0-10.
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "install.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
rg_archive="$rg_cache/ripgrep-v13.0.0-10-$rg_target.tar.gz"
if [ ! -s "$rg_archive" ]; then
    mkdir -p "$rg_cache"
    stage="$(mktemp -d)"
    trap 'rm -rf "$stage"' EXIT
    cp "$(command -v rg)" "$stage/rg"
    tar -czf "$rg_archive.tmp" -C "$stage" rg
    mv "$rg_archive.tmp" "$rg_archive"
fi

export npm_config_unsafe_perm=true npm_config_yes=true
npm ci --no-audit --no-fund --loglevel=error
