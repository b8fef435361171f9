# The Debian packages (scripts/package), built by CPack's DEB generator from the install rules:
#   proctrail_<version>_<arch>.deb      /usr/bin/proctrail, its man page, bash and zsh completion, and the
#                                       systemd user units install-timer would write (disabled: enable
#                                       with systemctl --user enable --now proctrail-snap.timer)
#   proctrail-dev_<version>_<arch>.deb  libproctrail.a, include/proctrail/, the CMake package
# Depends of the first is computed from the binary's shared libraries by dpkg-shlibdeps; libcurl,
# which the binary loads with dlopen only to talk to Docker, is a Recommends.

# Files the binary writes about itself, for the runtime package (not built by scripts/demo). The units
# run the package's binary, /usr/bin/proctrail, whatever CMAKE_INSTALL_PREFIX says.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(PROCTRAIL_PACKAGE_DIR ${CMAKE_BINARY_DIR}/package)
set(PROCTRAIL_UNIT_DIR ${PROCTRAIL_PACKAGE_DIR}/config/systemd/user)
add_custom_command(
  OUTPUT ${PROCTRAIL_PACKAGE_DIR}/proctrail.bash ${PROCTRAIL_PACKAGE_DIR}/_proctrail
         ${PROCTRAIL_UNIT_DIR}/proctrail-snap.service ${PROCTRAIL_UNIT_DIR}/proctrail-snap.timer
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROCTRAIL_PACKAGE_DIR}
  COMMAND sh -c "\"$1\" completion bash > \"$2\"/proctrail.bash && \"$1\" completion zsh > \"$2\"/_proctrail" sh
          $<TARGET_FILE:proctrail> ${PROCTRAIL_PACKAGE_DIR}
  COMMAND ${CMAKE_COMMAND} -E env XDG_CONFIG_HOME=${PROCTRAIL_PACKAGE_DIR}/config PROCTRAIL_DB=
          $<TARGET_FILE:proctrail> install-timer --exec ${CPACK_PACKAGING_INSTALL_PREFIX}/bin/proctrail --interval 5m
  DEPENDS proctrail
  COMMENT "Writing the completion scripts and systemd user units for the package"
  VERBATIM)
add_custom_target(proctrail_package_files ALL
  DEPENDS ${PROCTRAIL_PACKAGE_DIR}/proctrail.bash ${PROCTRAIL_PACKAGE_DIR}/_proctrail
          ${PROCTRAIL_UNIT_DIR}/proctrail-snap.service ${PROCTRAIL_UNIT_DIR}/proctrail-snap.timer)

install(FILES ${PROCTRAIL_PACKAGE_DIR}/proctrail.bash RENAME proctrail
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT runtime OPTIONAL)
install(FILES ${PROCTRAIL_PACKAGE_DIR}/_proctrail
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT runtime OPTIONAL)
install(FILES ${PROCTRAIL_UNIT_DIR}/proctrail-snap.service ${PROCTRAIL_UNIT_DIR}/proctrail-snap.timer
        DESTINATION lib/systemd/user COMPONENT runtime OPTIONAL)

set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)  # cpack installs what is built; it does not build the test suites first
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME proctrail)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "proctrail maintainers <proctrail@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "forensics and audit recorder for leaked processes")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "proctrail records processes, their descriptors and sockets (both ends resolved) and containers into a\n"
    "hash-chained SQLite trail, answers leak-history questions (orphans, spawn rate, reachability, memory),\n"
    "and ends leaked processes safely: evidence first, identity checked through a pidfd, every action audited.")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME proctrail)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libcurl4")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME proctrail-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libsqlitecpp-dev, libsqlite3-dev, libspdlog-dev, libfmt-dev, nlohmann-json3-dev, libssl-dev, libre2-dev, pkg-config")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}\n${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_COMPONENT_DEV_DESCRIPTION "proctrail's embeddable library: record and guard from a launcher or test harness")
include(CPack)
