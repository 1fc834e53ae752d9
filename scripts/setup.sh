#!/usr/bin/env bash
# Installs what flowmeter needs on Debian/Ubuntu: libpcap, zlib, zstd and snappy (Parquet pages), nDPI (libndpi-dev
# 4.2, for application detection) and pkg-config from the distribution's -dev packages to build; iproute2, ethtool
# and tcpdump for the live-capture tests (network namespaces and veth pairs); tshark and iperf3 for the
# ingestion-path tests and `flowmeter bench`; nfdump, pmacct and libfixbuf-tools for the IPFIX
# interoperability tests.
# Idempotent; waits while another apt holds the lock. Swift 6.1 or later must already be installed.
set -euo pipefail
packages=(libpcap-dev zlib1g-dev libzstd-dev libsnappy-dev libndpi-dev pkg-config python3 python3-venv nfdump pmacct libfixbuf-tools iproute2 ethtool tcpdump tshark iperf3)
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
# wireshark-common asks whether non-root users may capture: answer no without a prompt.
printf "%s\n" "wireshark-common wireshark-common/install-setuid boolean false" \
    "iperf3 iperf3/start_daemon boolean false" | $SUDO debconf-set-selections
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
