#!/bin/sh
# Install the Debian packages the tests need (listed in tests/system-packages.txt as "package command"),
# when their command is missing (the "command" may also be a file the package installs, such as a font). As root this runs apt-get; otherwise it names what to install and fails.
set -eu
list="${1:-tests/system-packages.txt}"
missing=""
while read -r package command; do
    case "$package" in ''|'#'*) continue ;; esac
    command -v "$command" >/dev/null 2>&1 || [ -e "$command" ] || missing="$missing $package"
done < "$list"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "the tests need these Debian packages: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing Debian packages the tests need:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
