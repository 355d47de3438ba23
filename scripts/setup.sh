#!/usr/bin/env bash
# Prepare this machine to build, start and test FlexDesk (Debian 12). Idempotent: each part is
# skipped when already in place, so a second run takes a second or two.
#   - Debian packages for Tauri/WebKitGTK, Xvfb, WebKitWebDriver, Chromium, poppler-utils, zbar-tools (PDF and label checks in the tests),
#     D-Bus and gnome-keyring (the keyring test of the sync key)
#   - tauri-driver 2.1.0 (cargo install), the WebDriver front for the desktop end-to-end test
#   - npm packages of ui/ and e2e/ (npm ci), and the built UI in ui/dist (npm run build)
# Needs root (or sudo) only when Debian packages are missing. Rust (cargo) and Node.js >= 20.19
# must already be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

t0=$SECONDS
say() { echo "[setup $((SECONDS - t0))s] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Debian packages
APT_PKGS=(
  libwebkit2gtk-4.1-dev build-essential pkg-config file curl wget ca-certificates
  libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver chromium poppler-utils zbar-tools
  procps fonts-dejavu-core   # pgrep for the e2e scripts; a font for WebKit and Chromium on a bare system
  dbus-daemon dbus-bin gnome-keyring   # a Secret Service for the sync key's keyring test
)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "run as root (or install sudo) to install: ${missing[*]}"
    SUDO=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  say "Debian packages installed"
else
  say "Debian packages: present"
fi

# ---------------------------------------------------------------------------------------------
# Toolchains that must come with the machine
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs), then run this again"
command -v node >/dev/null && command -v npm >/dev/null || die "node/npm not found: install Node.js 20.19 or newer"
cargo fmt --version >/dev/null 2>&1 || die "rustfmt not found: rustup component add rustfmt (the tests check formatting)"
cargo clippy --version >/dev/null 2>&1 || die "clippy not found: rustup component add clippy (the tests run it)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: the UI build needs 20.19 or newer"

# ---------------------------------------------------------------------------------------------
# tauri-driver (pinned: crates.io's newest is a 3.0 alpha)
if command -v tauri-driver >/dev/null; then
  say "tauri-driver: present ($(command -v tauri-driver))"
else
  say "installing tauri-driver 2.1.0 (cargo install, about 1 min)"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
  say "tauri-driver installed"
fi

# ---------------------------------------------------------------------------------------------
# npm packages: `npm ci` when the lockfile changed since the last install (or nothing is installed)
npm_install() {
  local dir=$1 stamp sum
  [ -f "$dir/package.json" ] || { say "$dir: no package.json yet, skipped"; return 0; }
  stamp="$dir/node_modules/.flexdesk-installed"
  if [ -f "$dir/package-lock.json" ]; then
    sum=$(sha256sum "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
      say "$dir: npm packages present"
      return 0
    fi
    say "$dir: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    sum=none
    say "$dir: no package-lock.json, npm install"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
  echo "$sum" > "$stamp"
}
npm_install ui
npm_install e2e

# ---------------------------------------------------------------------------------------------
# The UI, built into ui/dist (the desktop shell embeds it at compile time). Rebuilt when any input
# is newer than the last successful build.
if [ -f ui/package.json ]; then
  stamp=ui/node_modules/.flexdesk-ui-built
  inputs=(ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts ui/tsconfig.json ui/public)
  existing=()
  for i in "${inputs[@]}"; do [ -e "$i" ] && existing+=("$i"); done
  if [ -f "$stamp" ] && [ -f ui/dist/index.html ] \
     && [ -z "$(find "${existing[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    say "ui/dist: up to date"
  else
    say "ui: npm run build"
    touch "$stamp.new"   # taken before the build, so an edit made during it triggers the next one
    (cd ui && npm run build --silent)
    [ -f ui/dist/index.html ] || die "the UI build did not produce ui/dist/index.html"
    mv "$stamp.new" "$stamp"
    say "ui/dist built"
  fi
else
  [ -f ui/dist/index.html ] || die "ui/package.json is missing and there is no ui/dist: the desktop shell cannot be built"
  say "ui/package.json missing: using the existing ui/dist"
fi

say "done"
