#!/usr/bin/env bash
# Writes, or checks, the three git-ignored files an overlay's generators read:
#
#   secrets.env          Secret cinema-secrets: jwt_secret, ops_token, ticket_secret, kakao_token
#   stores.env           Secret cinema-store-credentials: redis_password, redis_address (the URL
#                        with the password, for the SpinApps), sqld_<db>_jwt_key (the public key
#                        each libSQL server checks tokens with)
#   runtime-config.toml  Secret cinema-runtime-config: the overlay's runtime-config.example.toml
#                        with ${REDIS_PASSWORD} and ${SQLD_TOKEN_<DB>} filled in
#
#   deploy/spinkube/make-secrets.sh <overlay dir>           write them (existing files are kept)
#   deploy/spinkube/make-secrets.sh --force <overlay dir>   write them anew (rotates everything)
#   deploy/spinkube/make-secrets.sh --check <overlay dir>   check them; the release workflow runs this
#
# Values come from the environment when set (JWT_SECRET, OPS_TOKEN, TICKET_SECRET, KAKAO_TOKEN, REDIS_PASSWORD,
# REDIS_HOST = host:port, default cinema-redis:6379), otherwise they are generated:
# `openssl rand -hex 32` for the secrets, one Ed25519 key pair per libSQL database (the private key
# signs that database's token and is then thrown away). Nothing here is ever committed: a value
# published in the repository is refused by the gateway and by --check.
set -euo pipefail

die() {
  echo "make-secrets: $*" >&2
  exit 1
}

mode=write
case "${1:-}" in
  --check) mode=check; shift ;;
  --force) mode=force; shift ;;
esac
[ $# -eq 1 ] || die "usage: $0 [--check|--force] <overlay dir>"
dir=$1
[ -d "$dir" ] || die "$dir: no such directory"
template="$dir/runtime-config.example.toml"
[ -f "$template" ] || die "$template: missing (the runtime config with \${...} placeholders)"
command -v openssl >/dev/null || die "openssl is required (secrets and libSQL keys)"
repo=$(cd "$(dirname "$0")/../.." && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
b64url_decode() {
  local s=${1//-/+}
  s=${s//_//}
  while ((${#s} % 4)); do s+='='; done
  printf '%s' "$s" | openssl base64 -d -A
}
# KEY=VALUE lines of an env file: value of $2 in $1 (empty when absent).
env_get() { sed -n "s/^$2=//p" "$1" | tail -n 1; }
hex32() { openssl rand -hex 32; }
# The placeholders ${SQLD_TOKEN_<DB>} of the template, as lower-case database names.
databases() { grep -o '\${SQLD_TOKEN_[A-Z0-9_]*}' "$template" | sed 's/^\${SQLD_TOKEN_//; s/}$//' | tr 'A-Z' 'a-z' | sort -u; }

# ---------------------------------------------------------------------------------------- check
check() {
  local problems=0
  bad() {
    echo "make-secrets: $*" >&2
    problems=$((problems + 1))
  }
  local f
  for f in secrets.env stores.env runtime-config.toml; do
    [ -f "$dir/$f" ] || die "$dir/$f: missing; write it with: $0 $dir"
  done
  local secrets="$dir/secrets.env" stores="$dir/stores.env" rc="$dir/runtime-config.toml"

  # At least 32 bytes, and not a value published in the repository (git grep: tracked files).
  strong() {
    local name=$1 value=$2
    if [ "${#value}" -lt 32 ]; then
      bad "$name must hold at least 32 bytes (has ${#value}); generate one: openssl rand -hex 32"
    elif git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 && git -C "$repo" grep -qF -e "$value" -- . 2>/dev/null; then
      bad "$name is published in the repository: generate a new one (openssl rand -hex 32)"
    fi
  }
  local jwt ops ticket redis_pw redis_addr
  jwt=$(env_get "$secrets" jwt_secret)
  ops=$(env_get "$secrets" ops_token)
  ticket=$(env_get "$secrets" ticket_secret)
  redis_pw=$(env_get "$stores" redis_password)
  redis_addr=$(env_get "$stores" redis_address)
  grep -q '^kakao_token=' "$secrets" || bad "secrets.env: no kakao_token= line (leave it empty without a chat channel)"
  strong jwt_secret "$jwt"
  strong ops_token "$ops"
  [ -z "$jwt" ] || [ "$jwt" != "$ops" ] || bad "ops_token must differ from jwt_secret"
  strong ticket_secret "$ticket"
  [ -z "$ticket" ] || { [ "$ticket" != "$jwt" ] && [ "$ticket" != "$ops" ]; } ||
    bad "ticket_secret must differ from jwt_secret and ops_token"
  strong redis_password "$redis_pw"
  case "$redis_pw" in *[!A-Za-z0-9._~-]*) bad "redis_password: use URL-safe characters only (it goes into redis:// URLs)" ;; esac
  case "$redis_addr" in
    "redis://:$redis_pw@"* | "rediss://:$redis_pw@"*) ;;
    *) bad "stores.env: redis_address must be redis://:<redis_password>@<host>:<port>" ;;
  esac

  grep -q '\${' "$rc" && bad "runtime-config.toml: unfilled \${...} placeholder"
  # [section] / type / url / token, line by line (the runtime config is flat TOML).
  local section="" type="" url="" token=""
  finish_section() {
    [ -n "$section" ] || return 0
    case "$type" in
      redis)
        case "$url" in
          redis://:?*@* | rediss://:?*@* | redis://?*:?*@* | rediss://?*:?*@*) ;;
          *) bad "runtime-config.toml [$section]: the Redis URL carries no password (redis://:<password>@host:port/<db>)" ;;
        esac
        case "$url" in
          *@cinema-redis:*) [[ "$url" == *":$redis_pw@cinema-redis:"* ]] || bad "runtime-config.toml [$section]: not stores.env's redis_password" ;;
        esac
        ;;
      libsql)
        if [ -z "$token" ] || [ "$(tr -cd '.' <<<"$token")" != ".." ]; then
          bad "runtime-config.toml [$section]: token must be a libSQL JWT"
        else
          local db=${section#sqlite_database.}
          local key
          key=$(env_get "$stores" "sqld_${db}_jwt_key")
          if [[ "$url" == *"//cinema-sqld-$db:"* ]]; then
            if [ -z "$key" ]; then
              bad "stores.env: no sqld_${db}_jwt_key for the in-cluster server of [$section]"
            elif ! verify_token "$token" "$key"; then
              bad "runtime-config.toml [$section]: the token is not signed by the key in stores.env sqld_${db}_jwt_key"
            fi
          fi
        fi
        ;;
    esac
  }
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    if [[ "$line" =~ ^[[:space:]]*\[([^]]+)\] ]]; then
      finish_section
      section=${BASH_REMATCH[1]} type="" url="" token=""
    elif [[ "$line" =~ ^[[:space:]]*(type|url|token)[[:space:]]*=[[:space:]]*\"([^\"]*)\" ]]; then
      printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
    fi
  done <"$rc"
  finish_section
  [ "$problems" -eq 0 ] || die "$problems problem(s) in $dir"
  echo "make-secrets: $dir: secrets.env, stores.env and runtime-config.toml are consistent" >&2
}

# A libSQL JWT (EdDSA) checked against a raw Ed25519 public key in URL-safe base64.
verify_token() {
  local token=$1 key=$2
  b64url_decode "$key" >"$tmp/raw" 2>/dev/null || return 1
  [ "$(wc -c <"$tmp/raw")" -eq 32 ] || return 1
  # SubjectPublicKeyInfo for Ed25519: a fixed 12-byte prefix, then the 32 key bytes.
  { printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; cat "$tmp/raw"; } >"$tmp/pub.der"
  openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem" 2>/dev/null || return 1
  printf '%s' "${token%.*}" >"$tmp/msg"
  b64url_decode "${token##*.}" >"$tmp/sig" 2>/dev/null || return 1
  openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/msg" -sigfile "$tmp/sig" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------- write
write() {
  local jwt=${JWT_SECRET:-$(hex32)} ops=${OPS_TOKEN:-$(hex32)} kakao=${KAKAO_TOKEN:-}
  local ticket=${TICKET_SECRET:-$(hex32)}
  local redis_pw=${REDIS_PASSWORD:-$(hex32)} redis_host=${REDIS_HOST:-cinema-redis:6379}
  local content db upper header payload sig pub
  content=$(cat "$template")
  content=${content//'${REDIS_PASSWORD}'/$redis_pw}
  {
    echo "# Written by deploy/spinkube/make-secrets.sh; never commit it."
    echo "redis_password=$redis_pw"
    echo "redis_address=redis://:$redis_pw@$redis_host"
  } >"$tmp/stores.env"
  header=$(printf '{"alg":"EdDSA","typ":"JWT"}' | b64url)
  payload=$(printf '{"a":"rw"}' | b64url)
  for db in $(databases); do
    upper=$(tr 'a-z' 'A-Z' <<<"$db")
    openssl genpkey -algorithm ed25519 -out "$tmp/$db.pem" 2>/dev/null
    pub=$(openssl pkey -in "$tmp/$db.pem" -pubout -outform DER | tail -c 32 | b64url)
    printf '%s.%s' "$header" "$payload" >"$tmp/msg"
    sig=$(openssl pkeyutl -sign -inkey "$tmp/$db.pem" -rawin -in "$tmp/msg" | b64url)
    rm -f "$tmp/$db.pem"
    content=${content//"\${SQLD_TOKEN_$upper}"/"$header.$payload.$sig"}
    echo "sqld_${db}_jwt_key=$pub" >>"$tmp/stores.env"
  done
  {
    echo "# Written by deploy/spinkube/make-secrets.sh; never commit it."
    echo "jwt_secret=$jwt"
    echo "ops_token=$ops"
    echo "ticket_secret=$ticket"
    echo "kakao_token=$kakao"
  } >"$tmp/secrets.env"
  printf '%s\n' "# Written by deploy/spinkube/make-secrets.sh from runtime-config.example.toml; never commit it." "$content" >"$tmp/runtime-config.toml"
  for f in secrets.env stores.env runtime-config.toml; do
    mv "$tmp/$f" "$dir/$f"
    chmod 600 "$dir/$f"
  done
  echo "make-secrets: wrote $dir/{secrets.env,stores.env,runtime-config.toml}" >&2
}

case "$mode" in
  check) check ;;
  force) write && check ;;
  write)
    if [ -f "$dir/secrets.env" ] && [ -f "$dir/stores.env" ] && [ -f "$dir/runtime-config.toml" ]; then
      echo "make-secrets: $dir: keeping the existing files (--force writes new ones)" >&2
    else
      write
    fi
    check
    ;;
esac
