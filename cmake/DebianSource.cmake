# cprof_debian_source: fetches one pinned version of a Debian source package,
# checks every file against its pinned SHA-256, and unpacks it with Debian's
# patches applied (dpkg-source -x). Runs at configure time; nothing is
# fetched again while the cached files still match their hashes.
#
#   cprof_debian_source(<name> VERSION <debian version> POOL <pool directory>
#                       FILES <file> <sha256> <sha1> [<file> <sha256> <sha1>...])
#
# The first file is the .dsc. Sets <name>_SOURCE_DIR (parent scope).
#
# Where the files come from, in order:
#   1. ${CPROFILER_SOURCE_CACHE}/<file>, if already there with the right hash
#      (drop the files there by hand on an offline machine);
#   2. ${CPROFILER_DEBIAN_MIRROR}/<pool>/<file> (deb.debian.org: only the
#      versions currently in the archive);
#   3. https://snapshot.debian.org/file/<sha1> (every file Debian ever
#      published, addressed by content).
# The pinned hashes were read from Debian's signed Sources index (InRelease
# checked with gpgv against debian-archive-keyring; see
# scripts/debian-source-pins.sh), so any of the three is as good as the other.

set(CPROFILER_DEBIAN_MIRROR "http://deb.debian.org/debian" CACHE STRING
    "Debian mirror the pinned source packages are fetched from")
set(CPROFILER_SOURCE_CACHE "${CMAKE_BINARY_DIR}/_deps/debian" CACHE PATH
    "Directory holding the fetched Debian source files (reused across builds)")

find_program(DPKG_SOURCE_EXECUTABLE dpkg-source)
if(NOT DPKG_SOURCE_EXECUTABLE)
  message(FATAL_ERROR "dpkg-source not found: install dpkg-dev (scripts/install-deps.sh does)")
endif()

# Puts <file> with <sha256> into the cache, or fails naming every URL tried.
function(_cprof_debian_fetch file sha256 sha1 pool)
  set(path "${CPROFILER_SOURCE_CACHE}/${file}")
  if(EXISTS "${path}")
    file(SHA256 "${path}" have)
    if(have STREQUAL sha256)
      return()
    endif()
    file(REMOVE "${path}")
  endif()
  set(tried "")
  foreach(url "${CPROFILER_DEBIAN_MIRROR}/${pool}/${file}"
              "https://snapshot.debian.org/file/${sha1}")
    file(DOWNLOAD "${url}" "${path}.part" STATUS status TIMEOUT 300
         INACTIVITY_TIMEOUT 60)
    list(GET status 0 code)
    if(code EQUAL 0)
      file(SHA256 "${path}.part" have)
      if(have STREQUAL sha256)
        file(RENAME "${path}.part" "${path}")
        message(STATUS "Fetched ${file} from ${url} (sha256 ok)")
        return()
      endif()
      list(APPEND tried "${url}: sha256 ${have}, want ${sha256}")
    else()
      list(GET status 1 why)
      list(APPEND tried "${url}: ${why}")
    endif()
    file(REMOVE "${path}.part")
  endforeach()
  list(JOIN tried "\n  " tried)
  message(FATAL_ERROR
    "Cannot fetch ${file} (pinned sha256 ${sha256}). Tried:\n  ${tried}\n"
    "Either put the file into ${CPROFILER_SOURCE_CACHE}, or bump the pin in "
    "cmake/StaticDeps.cmake to the version Debian has now "
    "(scripts/debian-source-pins.sh prints it, checked against Debian's signature).")
endfunction()

function(cprof_debian_source name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VERSION;POOL" "FILES")
  file(MAKE_DIRECTORY "${CPROFILER_SOURCE_CACHE}")
  list(LENGTH arg_FILES n)
  math(EXPR last "${n} - 1")
  set(files "")
  foreach(i RANGE 0 ${last} 3)
    math(EXPR j "${i} + 1")
    math(EXPR k "${i} + 2")
    list(GET arg_FILES ${i} file)
    list(GET arg_FILES ${j} sha256)
    list(GET arg_FILES ${k} sha1)
    _cprof_debian_fetch("${file}" "${sha256}" "${sha1}" "${arg_POOL}")
    list(APPEND files "${file}")
  endforeach()
  list(GET files 0 dsc)

  # Unpack once per version (dpkg-source also checks the .dsc's checksums).
  set(dir "${CMAKE_BINARY_DIR}/_deps/${name}-${arg_VERSION}")
  if(NOT EXISTS "${dir}/.cprof-unpacked")
    file(REMOVE_RECURSE "${dir}")
    file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/_deps")  # the cache may live elsewhere
    execute_process(
      COMMAND ${DPKG_SOURCE_EXECUTABLE} --no-copy -x "${CPROFILER_SOURCE_CACHE}/${dsc}" "${dir}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "dpkg-source -x ${dsc} failed:\n${out}")
    endif()
    file(TOUCH "${dir}/.cprof-unpacked")
    message(STATUS "Unpacked ${name} ${arg_VERSION} with Debian's patches into ${dir}")
  endif()
  set(${name}_SOURCE_DIR "${dir}" PARENT_SCOPE)
endfunction()
