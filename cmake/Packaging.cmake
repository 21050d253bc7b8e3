# System integration and packaging: the systemd units, the broker's conffile and the Debian
# package (CPack DEB) on Linux, the launchd daemon on macOS.
#
# These files go to fixed system paths (/lib/systemd/system, /etc/sysring, /Library/LaunchDaemons)
# whatever the install prefix, so they are in their own component, "system", left out of a plain
# `cmake --install` (which may target a user's prefix): `cmake --install BUILD --component system`
# installs them (as root), and the package holds both (CPACK_INSTALL_CMAKE_PROJECTS below).
include(GNUInstallDirs)

set(SYSRING_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# The launchd daemon, with its first argument rewritten to the installed sysringd of this prefix
# (the source names the default prefix's). Written everywhere, so Linux tests check it too.
file(READ ${SYSRING_PACKAGING_DIR}/launchd/org.sysring.sysringd.plist sysring_plist)
string(REPLACE "<string>/usr/local/sbin/sysringd</string>"
               "<string>${CMAKE_INSTALL_FULL_SBINDIR}/sysringd</string>" sysring_plist "${sysring_plist}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/org.sysring.sysringd.plist "${sysring_plist}")
if(APPLE)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/org.sysring.sysringd.plist DESTINATION /Library/LaunchDaemons
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT system EXCLUDE_FROM_ALL)
  return()
endif()
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  return()
endif()

# bookworm's units live in /lib/systemd/system (lintian: systemd-service-file-outside-lib).
set(SYSRING_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH "Where the systemd units are installed")
install(FILES ${SYSRING_PACKAGING_DIR}/systemd/sysringd.service
              ${SYSRING_PACKAGING_DIR}/systemd/sysring-exporter.service
        DESTINATION ${SYSRING_SYSTEMD_UNIT_DIR} COMPONENT system EXCLUDE_FROM_ALL)

# The conffile: the example with every setting commented out, so an installed broker starts with
# the built-in defaults and the administrator uncomments what they want (docs/CONFIG.md).
file(STRINGS ${PROJECT_SOURCE_DIR}/docs/sysringd.conf.example sysring_conf_lines)
string(CONCAT sysring_conf "# /etc/sysring/sysringd.conf: read by sysringd.service (sysringd --config).\n"
              "# Every line of the example below is commented out: the broker's defaults apply.\n"
              "# Uncomment a section and its keys to use them; systemctl restart sysringd.\n#\n")
foreach(line IN LISTS sysring_conf_lines)
  if(line STREQUAL "" OR line MATCHES "^#")
    string(APPEND sysring_conf "${line}\n")
  else()
    string(APPEND sysring_conf "#${line}\n")
  endif()
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/packaging/sysringd.conf "${sysring_conf}")
install(FILES ${PROJECT_BINARY_DIR}/packaging/sysringd.conf DESTINATION /etc/sysring COMPONENT system
        EXCLUDE_FROM_ALL)

# Debian's copyright file and changelog (policy 12.5 and 12.7; lintian errors without them).
set(SYSRING_DEB_VERSION ${PROJECT_VERSION})
configure_file(${SYSRING_PACKAGING_DIR}/debian/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog.Debian
               @ONLY)
find_program(SYSRING_GZIP gzip)
if(SYSRING_GZIP)
  # -9: lintian wants maximal compression; -n: no name or time stamp, so the file is reproducible.
  execute_process(COMMAND ${SYSRING_GZIP} -9 -n -c ${PROJECT_BINARY_DIR}/packaging/changelog.Debian
                  OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/sysring
          COMPONENT system EXCLUDE_FROM_ALL)
endif()
install(FILES ${SYSRING_PACKAGING_DIR}/debian/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/sysring
        COMPONENT system EXCLUDE_FROM_ALL)
# What lintian reports that is deliberate, each with its reason (the file says why).
install(FILES ${SYSRING_PACKAGING_DIR}/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME sysring COMPONENT system EXCLUDE_FROM_ALL)

# The package. One package, sysring: binaries, library, headers and CMake/pkg-config files
# together (README "Running it as a service" says why not a separate -dev package yet).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sysring)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sysring maintainers <maintainers@users.noreply.b-seed-a68d8606.example>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CPACK_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "shared-memory metrics broker and Prometheus exporter")
# Lines under 80 columns (lintian: extended-description-line-too-long).
set(CPACK_PACKAGE_DESCRIPTION
    "sysringd reads kernel metrics and performance counters and publishes them
into one POSIX shared-memory segment, /dev/shm/sysring. Unprivileged
processes map it read-only through libsysring and read any metric without a
system call. The package holds the broker (run as the system user sysring
with CAP_PERFMON only), the sysring command-line reader, the sysring-exporter
Prometheus exporter (node_exporter's metric names, port 19700), their systemd
units, and libsysring with its headers.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "")
# dpkg-shlibdeps computes the shared-library dependencies (libstdc++, Boost, libpfm4, zlib, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: postinst creates the sysring user; init-system-helpers: deb-systemd-helper/-invoke.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
# libsysring.so.0: a shlibs file, and the ldconfig trigger that comes with it.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_STRIP_FILES ON)
# Manual pages gzipped in the staged tree (Debian policy 12.1).
set(CPACK_PRE_BUILD_SCRIPTS ${SYSRING_PACKAGING_DIR}/debian/compress_manpages.cmake)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
file(WRITE ${PROJECT_BINARY_DIR}/packaging/conffiles "/etc/sysring/sysringd.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SYSRING_PACKAGING_DIR}/debian/postinst ${SYSRING_PACKAGING_DIR}/debian/prerm
    ${SYSRING_PACKAGING_DIR}/debian/postrm ${SYSRING_PACKAGING_DIR}/debian/triggers
    ${PROJECT_BINARY_DIR}/packaging/conffiles)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Everything the project installs, plus the "system" component, which plain installs leave out.
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};${PROJECT_NAME};ALL;/" "${PROJECT_BINARY_DIR};${PROJECT_NAME};system;/")
include(CPack)
