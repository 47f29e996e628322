#!/usr/bin/env bash
# Builds two local stand-ins for service/Dockerfile's base images, for machines that cannot
# pull node:24-bookworm-slim or gcr.io/distroless/nodejs24-debian13:nonroot:
#
#   localhost/golden-path/standin-node-build:24       node + npm at /usr/local, /bin/sh (build stage)
#   localhost/golden-path/standin-distroless-node:24  node at /nodejs/bin/node, user 65532, no shell
#
# Both are made with `buildah from scratch` from the host's node binary and the shared libraries
# ldd lists for it, laid out the way the real images are (the distroless image's ENTRYPOINT is
# /nodejs/bin/node and its :nonroot tag runs as 65532). The Node version is the host's, whatever
# the :24 tag says. Idempotent: an image is rebuilt only when the host's node binary changed.
# Prints the two image names, build image first, one per line.
#
# With --python it also builds, and prints on a third line, a stand-in for
# gcr.io/distroless/python3-debian12:nonroot for Python services:
#
#   localhost/golden-path/standin-distroless-python:3  the host's python3 at /usr/bin/python3.X
#                                                      (the ENTRYPOINT), its standard library in
#                                                      /usr/lib/python3.X, user 65532, no shell
#
# Usage: scripts/standin-bases.sh [--force] [--python]
set -euo pipefail

BUILD_IMAGE=localhost/golden-path/standin-node-build:24
RUNTIME_IMAGE=localhost/golden-path/standin-distroless-node:24
PYTHON_IMAGE=localhost/golden-path/standin-distroless-python:3
NONROOT_UID=65532

force=false
python=false
for argument in "$@"; do
  case "$argument" in
    --force) force=true ;;
    --python) python=true ;;
    *)
      echo "standin-bases: unknown argument '$argument' (usage: scripts/standin-bases.sh [--force] [--python])" >&2
      exit 2
      ;;
  esac
done

fail() {
  echo "standin-bases: $1" >&2
  exit 1
}

for tool in buildah ldd sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "missing $tool; run as root: apt-get update && apt-get install -y buildah libc-bin coreutils"
done
[ "$(id -u)" = 0 ] || fail "buildah mount needs root here; run as root (or under 'buildah unshare')"

node_bin="$(readlink -f "$(command -v node)")" || fail "no node on PATH"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
[ -f "$npm_dir/bin/npm-cli.js" ] || fail "cannot find npm's package directory (looked in $npm_dir)"
# The fingerprint labels each image so a changed host node (or npm) triggers a rebuild.
fingerprint="$(cat "$node_bin" "$npm_dir/package.json" | sha256sum | cut -d' ' -f1)"

up_to_date() {
  local current
  current="$(buildah inspect --type image --format '{{index .ImageAnnotations "dev.golden-path.standin.fingerprint"}}' "$1" 2>/dev/null)" || return 1
  [ "$current" = "${2:-$fingerprint}" ]
}

# ldd output lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; this prints the absolute paths only.
libraries_of() {
  ldd "$1" | grep -oE '/[^ ]+\.so[^ ]*' | sort -u
}

install_binary() {
  local root="$1" source="$2" target="$3" lib
  install -D -m 0755 "$(readlink -f "$source")" "$root$target"
  while read -r lib; do
    [ -n "$lib" ] || continue
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done < <(libraries_of "$source")
}

write_accounts() {
  local root="$1"
  mkdir -p "$root/etc" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  {
    echo 'root:x:0:0:root:/root:/sbin/nologin'
    echo "nonroot:x:$NONROOT_UID:$NONROOT_UID:nonroot:/home/nonroot:/sbin/nologin"
  } >"$root/etc/passwd"
  {
    echo 'root:x:0:'
    echo "nonroot:x:$NONROOT_UID:"
  } >"$root/etc/group"
  mkdir -p "$root/home/nonroot"
  chown "$NONROOT_UID:$NONROOT_UID" "$root/home/nonroot"
  # The distroless image ships a CA bundle at this path, so the stand-ins do too.
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  fi
}

# A working container left behind by a failed build is removed on exit.
container=""
trap '[ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || true' EXIT

# Runs "$2 <container> <mountpoint>" on a fresh scratch container and commits it as $1
# (labelled with fingerprint $3, default the host node's).
build_image() {
  local image="$1" populate="$2" stamp="${3:-$fingerprint}" mountpoint previous
  previous="$(buildah inspect --type image --format '{{.FromImageID}}' "$image" 2>/dev/null || true)"
  container="$(buildah from scratch)"
  mountpoint="$(buildah mount "$container")"
  "$populate" "$container" "$mountpoint"
  buildah umount "$container" >/dev/null
  buildah config --annotation "dev.golden-path.standin.fingerprint=$stamp" \
    --label "org.opencontainers.image.description=golden-path stand-in base image (from the host's $4)" \
    "$container"
  buildah commit --quiet --rm "$container" "$image" >/dev/null
  container=""
  # The replaced image, now untagged; kept if a container still uses it.
  if [ -n "$previous" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
}

populate_build() {
  local container="$1" root="$2"
  write_accounts "$root"
  install_binary "$root" "$node_bin" /usr/local/bin/node
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # npm runs package scripts through /bin/sh, and its bin shims start with #!/usr/bin/env node.
  install_binary "$root" /bin/sh /bin/sh
  install_binary "$root" /usr/bin/env /usr/bin/env
  # The host's CA bundle is what lets the host's npm reach its registry (through a TLS-inspecting
  # proxy, where there is one); the build stage's npm trusts the same.
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env HOME=/root \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --workingdir / --cmd node "$container"
}

populate_runtime() {
  local container="$1" root="$2"
  write_accounts "$root"
  install_binary "$root" "$node_bin" /nodejs/bin/node
  buildah config --user "$NONROOT_UID:$NONROOT_UID" --workingdir /home/nonroot \
    --env PATH=/usr/local/bin:/usr/bin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --entrypoint '["/nodejs/bin/node"]' --cmd '' "$container"
}

# The host's python3, where the distroless image has it: interpreter at /usr/bin/python3.X and
# the standard library (without tests, IDLE, Tk, pip's bootstrap or installed packages) at
# /usr/lib/python3.X, so the interpreter finds it from its own location.
populate_python() {
  local container="$1" root="$2" module
  write_accounts "$root"
  install_binary "$root" "$python_bin" "/usr/bin/python$python_version"
  ln -s "python$python_version" "$root/usr/bin/python3"
  mkdir -p "$root/usr/lib/python$python_version"
  (cd "$python_stdlib" && tar --exclude=./site-packages --exclude=./dist-packages --exclude=./test \
    --exclude=./idlelib --exclude=./tkinter --exclude=./turtledemo --exclude=./ensurepip \
    --exclude=./lib2to3 --exclude='./config-*' --exclude='__pycache__' -cf - .) |
    tar -xf - -C "$root/usr/lib/python$python_version"
  # Extension modules link against the host's libraries (libssl, libz, libffi, ...).
  for module in "$python_stdlib"/lib-dynload/*.so; do
    while read -r lib; do
      [ -n "$lib" ] || continue
      [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done < <(libraries_of "$module")
  done
  chmod -R go-w "$root/usr/lib/python$python_version"
  buildah config --user "$NONROOT_UID:$NONROOT_UID" --workingdir /home/nonroot \
    --env PATH=/usr/local/bin:/usr/bin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --entrypoint "[\"/usr/bin/python$python_version\"]" --cmd '' "$container"
}

# Test files running in parallel may call this at once; one builds, the others then find the
# images current.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/golden-path-standin-bases.lock"
  flock 9
fi

node_origin="node $(node --version)"
if $force || ! up_to_date "$BUILD_IMAGE"; then
  build_image "$BUILD_IMAGE" populate_build "$fingerprint" "$node_origin"
fi
if $force || ! up_to_date "$RUNTIME_IMAGE"; then
  build_image "$RUNTIME_IMAGE" populate_runtime "$fingerprint" "$node_origin"
fi
if $python; then
  command -v python3 >/dev/null 2>&1 || fail "no python3 on PATH; run as root: apt-get install -y python3"
  python_bin="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
  python_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  python_stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  python_fingerprint="$(sha256sum <"$python_bin" | cut -d' ' -f1)-$python_version"
  if $force || ! up_to_date "$PYTHON_IMAGE" "$python_fingerprint"; then
    build_image "$PYTHON_IMAGE" populate_python "$python_fingerprint" "python $python_version"
  fi
fi
echo "$BUILD_IMAGE"
echo "$RUNTIME_IMAGE"
if $python; then echo "$PYTHON_IMAGE"; fi
