#!/bin/sh
# Slim the runtime image's Debian 12 root (run inside it, as root, after ca-certificates and the
# sparkhouse user are in place). The container runs one program, the sparkhouse binary (it
# needs glibc and zlib only, and carries everything else), plus bash for the health probe and
# whoever execs into it; so it keeps dpkg, its status file (image scanners read it), coreutils,
# bash, PAM/login, ca-certificates and openssl (its /usr/lib/ssl is where the binary's OpenSSL
# looks for the certificates), and drops:
#   - apt and what only apt uses (gnutls and its libraries, gpgv, the archive keyring),
#   - perl and debconf (package maintainer scripts only), adduser,
#   - e2fsprogs (file system tools: a container has no block device to check),
#   - glibc's iconv charset modules (gconv; Python carries its own codecs),
#   - docs, man pages, locales and caches.
# Packages are purged through dpkg (forced: apt and perl-base are essential to Debian), so the
# status file still lists exactly what the image holds; one that is not installed is skipped
# with a warning.
set -eu
dpkg --purge --force-remove-essential --force-depends \
    apt libapt-pkg6.0 gpgv debian-archive-keyring \
    libgnutls30 libp11-kit0 libtasn1-6 libnettle8 libhogweed6 libunistring2 libidn2-0 \
    perl-base debconf adduser \
    e2fsprogs libext2fs2 libss2 logsave
rm -rf /usr/lib/x86_64-linux-gnu/gconv /usr/lib/aarch64-linux-gnu/gconv \
    /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian \
    /var/cache/apt /var/cache/debconf /var/lib/apt /var/log/* /etc/apt
if [ -d /usr/share/locale ]; then
    find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
fi
