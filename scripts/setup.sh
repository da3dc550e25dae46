#!/usr/bin/env bash
# Installs what Dockyard and its tests need on a fresh Debian 12 machine (as root), then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(git docker.io skopeo podman runc busybox-static bash-static docker-registry golang-go golang-github-masterminds-sprig-dev chromium azure-cli openssl)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The private dockerd remaps container root to the subordinate ids of `dockremap` (engineUserns=remap,
# docs/designs/engine-isolation.md): create the user and one 65536-id range (the first free one from 100000)
# in /etc/subuid and /etc/subgid, once.
if [ "$(id -u)" -eq 0 ]; then
  getent passwd dockremap >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin dockremap
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    # After every range already handed out (useradd gives login users 100000+ too), never overlapping one.
    grep -q '^dockremap:' "$f" || awk -F: '$3 > 0 { e = $2 + $3; if (e > m) m = e } END { printf "dockremap:%d:65536\n", (m > 100000 ? m : 100000) }' "$f" >> "$f"
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The lockfile pins everything; `npm ci` refuses it when the registry mirror lacks other platforms' optional
  # packages (e.g. rollup's non-linux binaries), in which case `npm install` installs the same locked tree.
  npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
fi
npm run build --silent -- --if-stale # dist/ for bin/dockyard.js and npm start (scripts/build.mjs)
