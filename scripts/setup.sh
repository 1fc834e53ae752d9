#!/usr/bin/env bash
# Installs what flowmeter needs on Debian/Ubuntu: libpcap, zlib, nDPI (libndpi-dev 4.2, for application detection)
# and pkg-config from the distribution's -dev packages to build; iproute2, ethtool and tcpdump for the live-capture tests (network namespaces and veth pairs).
# Idempotent; waits while another apt holds the lock. Swift 6 must already be installed.
set -euo pipefail
packages=(libpcap-dev zlib1g-dev libndpi-dev pkg-config iproute2 ethtool tcpdump)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_retry() {
    local attempt
    for attempt in $(seq 1 60); do
        if $SUDO apt-get -o DPkg::Lock::Timeout=60 "$@"; then return 0; fi
        echo "apt-get $1 failed (attempt $attempt); retrying in 10 s (another apt may hold the lock)" >&2
        sleep 10
    done
    return 1
}
apt_retry update -qq
apt_retry install -y -q --no-install-recommends "${missing[@]}"
