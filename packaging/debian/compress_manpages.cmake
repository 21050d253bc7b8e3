# CPACK_PRE_BUILD_SCRIPTS: Debian ships manual pages gzipped (policy 12.1), the install rules
# install them plain. Runs on the staged tree before CPack builds the package and its md5sums.
file(GLOB_RECURSE sysring_man_pages "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/man/man*/*.[1-9]")
foreach(page IN LISTS sysring_man_pages)
  # -9 and -n (no name or time stamp): what dh_compress does, what lintian checks.
  execute_process(COMMAND gzip -9 -n -f "${page}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
