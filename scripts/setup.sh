#!/usr/bin/env bash
# Installs what Dockyard needs on a fresh Debian 12 machine (as root), then the npm dependencies.
#   ./scripts/setup.sh          what running Dockyard needs (the README's start command)
#   ./scripts/setup.sh --test   that, plus the tools the tests drive (the README's test command; .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    -h | --help)
      sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown argument '$arg' (use --test to add the test tools)" >&2
      exit 2
      ;;
  esac
done

# Running Dockyard: Docker Engine (task runs), git (git build contexts, source triggers), and the static busybox and
# bash the offline base images are made from (docs/designs/offline-library.md).
RUNTIME_PACKAGES=(git docker.io runc busybox-static bash-static)
# The tests also drive: skopeo/podman and the reference registry (conformance and client e2e), Go + sprig (the template
# differential test), chromium (dashboard e2e), the Azure CLI and openssl (az e2e, TLS certificates), PostgreSQL 15
# (the metadata suites on both engines), haproxy (the load balancer in front of several API nodes in cluster tests)
# and bsdutils (`script`: CLI progress under a pty).
TEST_PACKAGES=(skopeo podman docker-registry golang-go golang-github-masterminds-sprig-dev chromium azure-cli openssl
  postgresql-15 haproxy bsdutils)

APT_PACKAGES=("${RUNTIME_PACKAGES[@]}")
if [ "$with_tests" -eq 1 ]; then APT_PACKAGES+=("${TEST_PACKAGES[@]}"); fi

install_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_npm_packages() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # The lockfile pins everything; `npm ci` refuses it when the registry mirror lacks other platforms' optional
    # packages (e.g. rollup's non-linux binaries), in which case `npm install` installs the same locked tree.
    # Dev dependencies are installed on both paths: start runs TypeScript (tsx/typescript) and builds the dashboard (vite).
    npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
  fi
}

install_apt_packages "${APT_PACKAGES[@]}"

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

install_npm_packages
node scripts/link-bin.mjs # node_modules/.bin/dockyard: `npx dockyard` (npm's prepare does it too, on install)
npm run build --silent -- --if-stale # dist/ for bin/dockyard.js and npm start (scripts/build.mjs)
