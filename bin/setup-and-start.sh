#!/usr/bin/env bash
# Sets CogStudio up on a Debian/Ubuntu machine and starts it. Safe to run again: it installs only
# what is missing and skips `npm ci` when node_modules is already up to date.
#   bash bin/setup-and-start.sh              set up, then start the studio (or the CLI demo)
#   bash bin/setup-and-start.sh --no-start   set up only
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

START=1
for arg in "$@"; do
  case "$arg" in
    --no-start) START=0 ;;
    -h | --help)
      sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-and-start: unknown option $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf '\nsetup-and-start: %s\n' "$*" >&2
  exit 1
}

# Build tools for llvm-bindings (compiled against the system LLVM 14 during npm ci).
PACKAGES=(llvm-14-dev cmake g++ make python3)

say "Checking Node.js (20.10 or newer)"
command -v node >/dev/null 2>&1 || die "Node.js is not installed. Install Node.js 20 (for example from https://nodejs.org or NodeSource) and run this script again."
command -v npm >/dev/null 2>&1 || die "npm is not installed. Install the npm that comes with Node.js 20 and run this script again."
NODE_VERSION="$(node --version)"
NODE_MAJOR="$(echo "${NODE_VERSION#v}" | cut -d. -f1)"
NODE_MINOR="$(echo "${NODE_VERSION#v}" | cut -d. -f2)"
if [ "$NODE_MAJOR" -lt 20 ] || { [ "$NODE_MAJOR" -eq 20 ] && [ "$NODE_MINOR" -lt 10 ]; }; then
  die "CogStudio needs Node.js 20.10 or newer; this machine has $NODE_VERSION."
fi
echo "node $NODE_VERSION, npm $(npm --version)"

say "Checking system packages: ${PACKAGES[*]}"
if command -v dpkg >/dev/null 2>&1; then
  MISSING=()
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || MISSING+=("$p")
  done
  if [ "${#MISSING[@]}" -eq 0 ]; then
    echo "all installed"
  else
    echo "missing: ${MISSING[*]}"
    if [ "$(id -u)" -eq 0 ]; then
      SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      die "these packages are missing and this script is neither root nor able to use sudo.
Install them as root, then run this script again:
    apt-get update && apt-get install -y --no-install-recommends ${MISSING[*]}"
    fi
    echo "running: ${SUDO[*]} apt-get update && ${SUDO[*]} apt-get install -y --no-install-recommends ${MISSING[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${MISSING[@]}"
  fi
else
  echo "no dpkg here (not Debian/Ubuntu): make sure LLVM 14 with its development files, cmake, a C++ compiler, make and python3 are installed."
fi

# llvm-bindings is built by cmake-js, which downloads Node's headers unless npm's nodedir points
# at a Node installation that ships them (NodeSource and nvm builds do).
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

say "Installing npm dependencies"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
  && [ node_modules/.package-lock.json -nt package.json ] && [ -f node_modules/llvm-bindings/build/Release/llvm-bindings.node ]; then
  echo "node_modules is up to date with package-lock.json; skipping npm ci (delete node_modules to reinstall)"
else
  echo "running: npm ci (the first time this builds llvm-bindings against LLVM 14: a few minutes)"
  npm ci
fi

if [ "$START" -eq 0 ]; then
  say "Set up. Start the studio with: npm start"
  exit 0
fi

demo() {
  say "Running the CLI on a bundled example instead: node bin/cogstudio.mjs run examples/stroop.cogmodel.json"
  node bin/cogstudio.mjs run examples/stroop.cogmodel.json
}

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  say "No display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the studio window cannot open"
  demo
  exit $?
fi

say "Starting the studio: npm start"
if npm start; then
  exit 0
else
  status=$?
  echo "setup-and-start: the studio did not start (npm start exited with $status)" >&2
  demo
fi
