#!/usr/bin/env bash
# Checks the committed code (HEAD) against LibTorch 2.x on a Debian machine without a GPU, in a
# chroot of a newer Debian: Debian 13 (trixie, LibTorch and python3-torch 2.6) by default, or with
# ADX_DEBIAN_SUITE=sid Debian unstable (2.14 in November 2026, which needs C++20). Needs root and
# debootstrap.
#
#   bash scripts/libtorch2-check.sh cuda   compile every translation unit the way a CUDA build
#                                          does (ADX_WITH_CUDA, ADX_WITH_CUDA_GRAPHS) against
#                                          Debian's libtorch-cuda-dev (2.6 in both suites), then
#                                          link them against its libraries: every symbol but
#                                          Node-API's must resolve.
#                                          Needs a CUDA toolkit's headers and libcudart.so in
#                                          $CUDA_HOME (default /usr/local/cuda).
#   bash scripts/libtorch2-check.sh cpu    scripts/setup.sh and npm test, on a clone of HEAD inside
#                                          the chroot: the whole suite against its LibTorch.
#   bash scripts/libtorch2-check.sh        both, cuda first (minutes), then cpu (about 15 minutes
#                                          on 2 cores the first time).
#
# The chroot (${ADX_CHROOT:-/var/tmp/adx-SUITE}) is kept, with its clone, node_modules and build,
# so later runs are incremental. The host's extra CA certificates and ~/.npmrc are copied in, so npm
# reaches the registry the way it does here.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=${ADX_DEBIAN_SUITE:-trixie}
root=${ADX_CHROOT:-/var/tmp/adx-$suite}
cuda_home=${CUDA_HOME:-/usr/local/cuda}
mirror=http://deb.debian.org/debian
what=${1:-all}
case "$what" in cpu | cuda | all) ;; *) echo "usage: $0 [cpu|cuda|all]" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "libtorch2-check: needs root (debootstrap, chroot)" >&2; exit 1; }

in_root() { chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "$1"; }

unmount() { umount -R "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || true; }

make_root() {
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
  if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "libtorch2-check: creating the $suite chroot in $root"
    debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror"
  fi
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
  mountpoint -q "$root/sys" || mount --rbind /sys "$root/sys"
  trap unmount EXIT
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    in_root 'update-ca-certificates >/dev/null'
  fi
  [ ! -f "$HOME/.npmrc" ] || cp "$HOME/.npmrc" "$root/root/.npmrc"
  echo "deb $mirror $suite main contrib" > "$root/etc/apt/sources.list"
  # sid's Release files expire within days; a mirror that lags this machine's clock is still fine.
  echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99adx-valid-until"
  in_root 'apt-get update -q >/dev/null'
}

# The clone inside the chroot follows the host repository's HEAD.
sync_clone() {
  [ -d "$root/root/adx/.git" ] || git clone -q "$repo" "$root/root/adx"
  git -C "$root/root/adx" fetch -q "$repo" HEAD
  git -C "$root/root/adx" checkout -q -f FETCH_HEAD
  echo "libtorch2-check: testing $(git -C "$root/root/adx" log -1 --format='%h %s' | cut -c1-80)"
}

check_cpu() {
  # setup.sh installs its Debian packages itself; node and git it expects to find.
  in_root 'command -v node >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm git'
  sync_clone
  in_root 'cd /root/adx && bash scripts/setup.sh && node bin/adautomix.js info | head -8 && npm test'
}

check_cuda() {
  # What check-cuda-build.sh needs of the toolkit, checked before the 480 MB download.
  [ -f "$cuda_home/include/cuda_runtime_api.h" ] && [ -e "$cuda_home/lib64/libcudart.so" ] ||
    { echo "libtorch2-check: no CUDA toolkit (include/cuda_runtime_api.h, lib64/libcudart.so) in $cuda_home (set CUDA_HOME)" >&2; exit 1; }
  local torch=/opt/libtorch-cuda-2.6
  if [ ! -d "$root$torch/usr/include/ATen/cuda" ]; then
    in_root "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends g++ git nodejs npm >/dev/null &&
      mkdir -p /tmp/debs $torch && cd /tmp/debs && apt-get download libtorch-cuda-dev libtorch-cuda-2.6 2>/dev/null &&
      for d in *.deb; do dpkg -x \$d $torch; done && rm -rf /tmp/debs"
  fi
  rm -rf "$root/opt/cuda" && mkdir -p "$root/opt/cuda/lib64"
  cp -r "$cuda_home/include" "$root/opt/cuda/include"
  cp -L "$cuda_home"/lib64/libcudart.so* "$root/opt/cuda/lib64/"
  sync_clone
  [ -d "$root/root/adx/node_modules/node-addon-api" ] ||
    in_root 'cd /root/adx && (npm ci --ignore-scripts --no-audit --no-fund || npm install --ignore-scripts --no-audit --no-fund) >/dev/null'
  in_root "cd /root/adx && bash scripts/check-cuda-build.sh $torch/usr /opt/cuda"
}

make_root
case "$what" in
  cuda) check_cuda ;;
  cpu) check_cpu ;;
  all) check_cuda && check_cpu ;;
esac
