# What `cmake --install` puts where (GNUInstallDirs), in three components a package can split:
#   Runtime      sysringd (sbin), sysring and sysring-exporter (bin: tools/*/CMakeLists.txt),
#                their man pages, the example config under the doc directory
#   Library      libsysring.so.N, what programs linked against libsysring need to run
#   Development  the headers, libsysring.a, the libsysring.so link, the CMake package
#                (find_package(sysring): sysring::sysring, sysring::sysring_static), sysring.pc
# Everything installed is relocatable: the CMake package and sysring.pc find the prefix from
# where they lie, so `cmake --install build --prefix DIR` (or a package's staging) just works.
include(CMakePackageConfigHelpers)

install(TARGETS sysringd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT Runtime)

install(FILES ${PROJECT_SOURCE_DIR}/packaging/man/sysring.1
              ${PROJECT_SOURCE_DIR}/packaging/man/sysring-exporter.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/man/sysringd.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT Runtime)
install(FILES ${PROJECT_SOURCE_DIR}/docs/sysringd.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples RENAME sysringd.conf COMPONENT Runtime)

# --- libsysring ---------------------------------------------------------------------------------
set_target_properties(sysring_client_shared PROPERTIES EXPORT_NAME sysring)
set_target_properties(sysring_client PROPERTIES EXPORT_NAME sysring_static)
install(TARGETS sysring_client_shared sysring_client EXPORT sysringTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Library
                NAMELINK_COMPONENT Development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
if(APPLE)
  # The static library's private `rt` is the empty stand-in target of the top CMakeLists there.
  install(TARGETS rt EXPORT sysringTargets)
endif()

# The public headers, and next to them the generated ones they include ("metric_id_generated.h"
# is found beside the including header), so one -I<prefix>/include is all a user needs.
# registry_data.hpp and the instance and delta-batch schemas are the library's own business.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sysring
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development)
install(FILES ${GEN_DIR}/metric_id_generated.h  # client.hpp, instances.hpp
              ${GEN_DIR}/types_generated.h  # value.hpp, domains.hpp
              ${GEN_DIR}/descriptors_generated.h  # registry_entry.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sysring COMPONENT Development)

set(SYSRING_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sysring)
install(EXPORT sysringTargets NAMESPACE sysring:: DESTINATION ${SYSRING_CMAKE_DIR}
        COMPONENT Development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sysringConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sysringConfig.cmake
                              INSTALL_DESTINATION ${SYSRING_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sysringConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sysringConfig.cmake
              ${PROJECT_BINARY_DIR}/sysringConfigVersion.cmake
        DESTINATION ${SYSRING_CMAKE_DIR} COMPONENT Development)

# sysring.pc: the prefix relative to the .pc file's own directory (pkg-config's ${pcfiledir});
# an absolute CMAKE_INSTALL_LIBDIR pins it to CMAKE_INSTALL_PREFIX instead.
set(SYSRING_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SYSRING_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH pc_dir_to_prefix /${SYSRING_PC_DIR} /)  # lib/pkgconfig -> ../..
  string(REGEX REPLACE "/$" "" pc_dir_to_prefix "${pc_dir_to_prefix}")
  set(SYSRING_PC_PREFIX "\${pcfiledir}/${pc_dir_to_prefix}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(SYSRING_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(SYSRING_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
# Linking libsysring.a into a C program (pkg-config --static) also needs the C++ runtime (what
# the C++ compiler links beyond the C compiler) and, on Linux, librt for shm_open.
set(SYSRING_PC_LIBS_PRIVATE "")
foreach(lib IN LISTS CMAKE_CXX_IMPLICIT_LINK_LIBRARIES)
  if(lib IN_LIST CMAKE_C_IMPLICIT_LINK_LIBRARIES)
    continue()
  endif()
  if(NOT IS_ABSOLUTE "${lib}")
    set(lib "-l${lib}")
  endif()
  if(NOT lib IN_LIST SYSRING_PC_LIBS_PRIVATE)
    list(APPEND SYSRING_PC_LIBS_PRIVATE "${lib}")
  endif()
endforeach()
if(NOT APPLE)
  list(APPEND SYSRING_PC_LIBS_PRIVATE -lrt)
endif()
list(JOIN SYSRING_PC_LIBS_PRIVATE " " SYSRING_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/sysring.pc.in ${PROJECT_BINARY_DIR}/sysring.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sysring.pc DESTINATION ${SYSRING_PC_DIR}
        COMPONENT Development)
