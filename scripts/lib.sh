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
  # The reports context is Python: its build and tests need python3 with venv (scripts/python-env).
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing python3-venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    else
      missing+=("python3 with venv (sudo apt-get install -y python3 python3-venv)")
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

# Puts the `spin`-type key-value store files of runtime config $1 in WAL mode before a host opens
# them (a property of the file: Spin's own connections then use it; see docs/operations.md).
# Uses devhost when built, else Python's sqlite3; without either it says so and goes on (the app
# works either way, only slower and with readers blocking the writer).
kv_stores_wal() {
  local config=$1
  if [ -x target/debug/devhost ]; then
    target/debug/devhost wal --runtime-config-file "$config" >/dev/null
  elif command -v python3 >/dev/null; then
    awk '/^\[key_value_store\./ {kv=1; next} /^\[/ {kv=0} kv && /^path *=/ {gsub(/^path *= *"|"$/, ""); print}' "$config" |
      python3 -c 'import os, sqlite3, sys
for p in sys.stdin.read().split():
    os.makedirs(os.path.dirname(p) or ".", exist_ok=True)
    sqlite3.connect(p).execute("PRAGMA journal_mode=WAL").fetchone()'
  else
    echo "note: key-value stores left in SQLite's default journal mode (no devhost build, no python3)" >&2
  fi
}

# Prints a fresh random 256-bit secret as 64 hex characters (jwt_secret, ops_token).
random_secret() {
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}
