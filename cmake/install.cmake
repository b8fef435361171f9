# Installs the proctrail binary, the library and its headers, and a CMake package, so that another
# project can `find_package(proctrail)` and link `proctrail::proctrail`. Included at the end of the
# top-level CMakeLists.txt. Layout under the prefix:
#   bin/proctrail   lib/libproctrail.a   include/proctrail/*.hpp   lib/cmake/proctrail/*.cmake
#   share/man/man1/proctrail.1
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PROCTRAIL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/proctrail)

# The library installs as libproctrail.a and is linked by consumers as proctrail::proctrail. Its
# public include path points at the source tree when building and at <prefix>/include when installed
# (the PRIVATE ${CMAKE_SOURCE_DIR} include is untouched). The headers use C++20.
set_target_properties(proctrail_lib PROPERTIES
  OUTPUT_NAME proctrail
  EXPORT_NAME proctrail
  INTERFACE_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
set_property(TARGET proctrail_lib APPEND PROPERTY INTERFACE_COMPILE_FEATURES cxx_std_20)

# proctrail_logging carries the spdlog usage requirements of the public headers (logging.hpp
# includes spdlog/logger.h). With PROCTRAIL_STATIC_DEPS its include path is the absolute path taken
# from spdlog::spdlog_header_only at configure time; installed, it is taken from the consumer's own
# spdlog package instead (proctrailConfig.cmake finds it), so the package stays relocatable. Its
# SPDLOG_FMT_EXTERNAL definition and fmt::fmt-header-only / Threads::Threads links export as they are.
set_target_properties(proctrail_logging PROPERTIES EXPORT_NAME logging)
if(PROCTRAIL_STATIC_DEPS)
  get_target_property(_proctrail_spdlog_includes proctrail_logging INTERFACE_INCLUDE_DIRECTORIES)
  set_target_properties(proctrail_logging PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
    "$<BUILD_INTERFACE:${_proctrail_spdlog_includes}>;$<INSTALL_INTERFACE:$<TARGET_PROPERTY:spdlog::spdlog_header_only,INTERFACE_INCLUDE_DIRECTORIES>>")
  unset(_proctrail_spdlog_includes)
endif()

# Two components, the two Debian packages of cmake/package.cmake: runtime (the binary and what a user
# of it reads) and dev (the library, its headers and its CMake package).
install(TARGETS proctrail RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES ${CMAKE_BINARY_DIR}/proctrail.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(TARGETS proctrail_lib proctrail_logging
  EXPORT proctrailTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# Every public header, as found at install time.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/proctrail
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev
  FILES_MATCHING PATTERN "*.hpp")

install(EXPORT proctrailTargets
  NAMESPACE proctrail::
  DESTINATION ${PROCTRAIL_CMAKE_DIR}
  COMPONENT dev)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/proctrailConfig.cmake.in
  ${CMAKE_BINARY_DIR}/proctrailConfig.cmake
  INSTALL_DESTINATION ${PROCTRAIL_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/proctrailConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/proctrailConfig.cmake ${CMAKE_BINARY_DIR}/proctrailConfigVersion.cmake
  DESTINATION ${PROCTRAIL_CMAKE_DIR}
  COMPONENT dev)
