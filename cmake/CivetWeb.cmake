# CivetWeb, the HTTP server of `cprofiler serve` (touched only by
# src/server/http_server.cc), compiled in from Debian's source in every build:
# the one target the rest of the build links is cprof_civetweb.
#
# Built from source, not Debian's libcivetweb.so, for two reasons:
# - cmake/civetweb-accept-filter.patch: a hook where connections are accepted,
#   so that serve can limit the connections of one client (slowloris);
# - TLS linked in, not dlopen()ed: Debian's library loads libssl.so at run
#   time, which the static binary cannot do.
#
# Compiled with:
#   OPENSSL_API_3_0 NO_SSL_DL  TLS with the OpenSSL 3 the build links (serve
#                              --tls-cert; curl links the same library)
#   NO_CGI                     no CGI scripts
#   NO_FILES                   the server answers only from its request
#     handlers (the UI is embedded), so serving a document_root, PUT/DELETE of
#     files, directory listings and .htpasswd are compiled out; an unhandled
#     URI is a 404. mg_send_file() still works (that is NO_FILESYSTEMS).
# Not USE_IPV6 or USE_WEBSOCKET (neither is used). No USE_STACK_SIZE: worker
# threads get glibc's default stack.
include(DebianSource)
enable_language(C)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
find_program(PATCH_EXECUTABLE patch REQUIRED)

# Bump: scripts/debian-source-pins.sh civetweb (and check that the patch
# still applies).
cprof_debian_source(civetweb VERSION 1.15+dfsg-4 POOL pool/main/c/civetweb FILES
  civetweb_1.15+dfsg-4.dsc
    141ee6bf528e8f33e8a32b5607917609774e80cf842240cffd50e0399755baaf
    b6e187d4f6a3571d83fd6977b8be305437a218a3
  civetweb_1.15+dfsg.orig.tar.xz
    ec372e9737bc820118bbb735f46a07d41f795814ca0f38bc6e67048e7a460f33
    0af8f6c41d6189eea75ecd0b1808866a99ee5d21
  civetweb_1.15+dfsg-4.debian.tar.xz
    2fe67d05a15be93764398275372f41f6228b17497b23d04f149482ffde7b3fb8
    35cb889ca0ce278bd8209ceb514ca9dc890ab723)

# The patched copy lives in the build tree; the unpacked source stays as
# Debian ships it. Made again whenever the patch changes.
set(_cw_patch "${CMAKE_CURRENT_LIST_DIR}/civetweb-accept-filter.patch")
set(_cw_dir "${CMAKE_BINARY_DIR}/civetweb-patched")
file(SHA256 "${_cw_patch}" _cw_patch_hash)
if(NOT EXISTS "${_cw_dir}/${_cw_patch_hash}")
  file(REMOVE_RECURSE "${_cw_dir}")
  file(MAKE_DIRECTORY "${_cw_dir}/src")
  file(COPY "${civetweb_SOURCE_DIR}/src/civetweb.c" DESTINATION "${_cw_dir}/src")
  execute_process(COMMAND "${PATCH_EXECUTABLE}" -p1 --quiet --forward -i "${_cw_patch}"
                  WORKING_DIRECTORY "${_cw_dir}" RESULT_VARIABLE _cw_rc
                  OUTPUT_VARIABLE _cw_out ERROR_VARIABLE _cw_out)
  if(NOT _cw_rc EQUAL 0)
    message(FATAL_ERROR "cmake/civetweb-accept-filter.patch does not apply to "
                        "${civetweb_SOURCE_DIR}/src/civetweb.c:\n${_cw_out}")
  endif()
  file(TOUCH "${_cw_dir}/${_cw_patch_hash}")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_cw_patch}")

add_library(cprof_civetweb STATIC "${_cw_dir}/src/civetweb.c")
target_compile_definitions(cprof_civetweb PRIVATE NO_CGI NO_FILES OPENSSL_API_3_0 NO_SSL_DL)
target_compile_options(cprof_civetweb PRIVATE -w)  # third-party code, as shipped
target_include_directories(cprof_civetweb SYSTEM PUBLIC "${civetweb_SOURCE_DIR}/include")
target_include_directories(cprof_civetweb PRIVATE "${civetweb_SOURCE_DIR}/src")  # its .inl files
target_link_libraries(cprof_civetweb PUBLIC OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
