#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100) from the npm registry into a cache folder, once per machine.
# Steps follow ../shared/E2E.md: the postinstall is skipped because it downloads ripgrep from GitHub.
set -euo pipefail
VERSION=4.100.3
DIR="${CODE_SERVER_DIR:-$HOME/.cache/parallel-runner/code-server-$VERSION}"
MARK="$DIR/.installed"
if [ -f "$MARK" ]; then echo "code-server $VERSION cached at $DIR"; exit 0; fi
need_apt=()
for bin in rg chromium; do command -v "$bin" >/dev/null || need_apt+=("$bin"); done
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep chromium libkrb5-dev python3 make g++ >/dev/null
fi
rm -rf "$DIR"; mkdir -p "$DIR"; cd "$DIR"
echo '{"name":"cs-host","private":true}' > package.json
npm install --ignore-scripts --no-audit --no-fund --loglevel=error code-server@$VERSION
npm rebuild argon2 --loglevel=error
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
mkdir -p node_modules/@vscode/ripgrep/bin && ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild --foreground-scripts >/dev/null 2>&1 || true   # node-pty's last step fails harmlessly; checked below
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund --loglevel=error)
node -e "for (const m of ['node-pty','@vscode/spdlog','native-watchdog','kerberos','@parcel/watcher']) require(require.resolve(m,{paths:[process.cwd()]}))"
touch "$MARK"
echo "code-server $VERSION installed at $DIR"
