# Shared helpers for scripts/up, scripts/test and scripts/browser-test (sourced, not run).

# Installs what a fresh Debian machine lacks, or says exactly what is missing.
ensure_prerequisites() {
  local missing=()
  command -v cargo >/dev/null || missing+=("Rust (https://rustup.rs: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh)")
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -q '^wasm32-wasip2$'; then
    echo "installing the wasm32-wasip2 Rust target"
    rustup target add wasm32-wasip2
  fi
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing redis-server"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      missing+=("redis-server (sudo apt-get install -y redis-server)")
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'missing: %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on, starting from $1.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}
