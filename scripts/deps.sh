#!/bin/sh
# Install the Debian packages that the build, the tests, the fuzzers and the
# demo need, only when one is missing (idempotent; quick when all are there).
set -eu

PKGS="build-essential pkg-config libssl-dev openssl libsrtp2-dev libnss3-dev libcmocka-dev
libsofia-sip-ua-dev libpcre2-dev clang libclang-rt-14-dev iproute2 python3
libbpf-dev bpftool llvm ethtool
sip-tester baresip tshark gstreamer1.0-tools gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gnuplot-nox valgrind
python3-cryptography python3-aioice
gstreamer1.0-nice gir1.2-gst-plugins-bad-1.0 python3-gi"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
