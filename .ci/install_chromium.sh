#!/bin/sh
# Install headless Chromium for tests/cli/test_report_browser.py (Debian/Ubuntu images with apt).
# Debian's package is "chromium" (/usr/bin/chromium). On Ubuntu "chromium-browser" is only a snap
# wrapper that does not work in containers: use a Debian-based image, or point SPATIALINNO_CHROMIUM
# at another Chromium/Chrome binary.
set -eu
if [ -x /usr/bin/chromium ]; then
    /usr/bin/chromium --version 2>/dev/null || true
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version 2>/dev/null || true
