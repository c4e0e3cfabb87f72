# CPack post-build step for the -dbgsym package. CPack 3.25 writes its
# md5sums with the staging directory's absolute paths (so debsums and
# lintian see files that do not exist) and gives it no documentation
# directory; Debian's own dbgsym packages link theirs to the main
# package's, whose copyright covers them. Both are mended here, by
# unpacking and rebuilding the .ddeb with dpkg-deb.
foreach(ddeb IN LISTS CPACK_PACKAGE_FILES)
  if(NOT ddeb MATCHES "-dbgsym_[^/]*\\.ddeb$")
    continue()
  endif()
  set(dir "${CPACK_TOPLEVEL_DIRECTORY}/dbgsym-fix")
  file(REMOVE_RECURSE "${dir}")
  execute_process(COMMAND dpkg-deb -R "${ddeb}" "${dir}" COMMAND_ERROR_IS_FATAL ANY)
  file(READ "${dir}/DEBIAN/md5sums" sums)
  string(REGEX REPLACE "  /[^\n]*-dbgsym/" "  " sums "${sums}")
  file(WRITE "${dir}/DEBIAN/md5sums" "${sums}")
  file(MAKE_DIRECTORY "${dir}/usr/share/doc")
  file(CREATE_LINK "${CPACK_PACKAGE_NAME}" "${dir}/usr/share/doc/${CPACK_PACKAGE_NAME}-dbgsym" SYMBOLIC)
  execute_process(COMMAND dpkg-deb --root-owner-group --build "${dir}" "${ddeb}"
                  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE_RECURSE "${dir}")
endforeach()
