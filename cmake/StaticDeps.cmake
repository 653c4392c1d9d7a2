# The fully static release build (CPROFILER_STATIC=ON): the targets the rest
# of the build links, pointed at static archives, and every executable linked
# with -static (glibc and libstdc++ included).
#
#   target            static build                        shared build (CMakeLists.txt)
#   CURL::libcurl     curl built from Debian's source      libcurl.so
#   yaml-cpp          libyaml-cpp.a (Debian)               yaml-cpp's CMake config
#   PkgConfig::RE2    libre2.a (Debian)                    re2.pc
#   protobuf, OpenSSL: the Find modules, asked for the .a; libdeflate and
#   libxcrypt (libcrypt.a): find_library, which the suffix below makes find the .a
#
# Debian's libcurl.a cannot be linked statically (it needs GSSAPI and SASL,
# which ship no .a), so curl is built from Debian's source package, pinned
# below (cmake/DebianSource.cmake fetches and checks it; CivetWeb is built
# from source in every build: cmake/CivetWeb.cmake). Static glibc: getaddrinfo still reads /etc/hosts and asks DNS
# (checked in an empty chroot holding only the binary, /etc/hosts and
# /etc/resolv.conf); NSS sources that live in other libraries (mdns, ldap,
# systemd) are skipped. The linker's "Using 'getaddrinfo' in statically
# linked applications..." warnings are about those.

include(DebianSource)
include(ExternalProject)
enable_language(C)

# Bump: scripts/debian-source-pins.sh curl
cprof_debian_source(curl VERSION 7.88.1-10+deb12u15 POOL pool/main/c/curl FILES
  curl_7.88.1-10+deb12u15.dsc
    2744f12e3aef161c0361743fa1b318296b122e566e47f381e4a63320fbcc23f4
    d0b8754730adcf1f95bb0d38ef4c8613de276db2
  curl_7.88.1.orig.tar.gz
    cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7
    6ae5229c36badb822641bb14958e7d227c57611d
  curl_7.88.1.orig.tar.gz.asc
    7a5a55d7123149a1b357f298cf895bd0a601e3a2807005ef6c95f3752803485f
    9222035242431a3ef31d33a2ca3d881bcf4572fe
  curl_7.88.1-10+deb12u15.debian.tar.xz
    961b78bc48492c5693e4decb352ddd176f343260a8956f48b2887874048ef23b
    03b665ea82b1f319f6944c9473c8c9fd9980838b)

set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(Protobuf_USE_STATIC_LIBS ON)
set(OPENSSL_USE_STATIC_LIBS ON)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
# Unused functions and data of our code dropped: less text mapped means a
# smaller resident size for short runs (`merge` peaks at ~4.5 MB, most of it
# the binary's own pages).
add_link_options(-static -Wl,--gc-sections)
add_compile_options(-ffunction-sections -fdata-sections)

# --- curl: HTTP and HTTPS over OpenSSL, nothing else ----------------------------
set(CURL_PREFIX "${CMAKE_BINARY_DIR}/_deps/curl-install")
ExternalProject_Add(cprof_curl_build
  SOURCE_DIR "${curl_SOURCE_DIR}"
  BINARY_DIR "${CMAKE_BINARY_DIR}/_deps/curl-build"
  INSTALL_DIR "${CURL_PREFIX}"
  CMAKE_ARGS
    -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
    -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR>
    -DCMAKE_INSTALL_LIBDIR=lib
    -DBUILD_SHARED_LIBS=OFF -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF
    -DENABLE_MANUAL=OFF -DPICKY_COMPILER=OFF
    -DHTTP_ONLY=ON -DCURL_USE_OPENSSL=ON
    -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DCURL_USE_GSSAPI=OFF
    -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_LIBPSL=OFF
    -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF
    -DCURL_ZLIB=OFF -DENABLE_ARES=OFF
    # The static binary has no libcurl.so to ask, so name Debian's CA store.
    -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
    -DCURL_CA_PATH=/etc/ssl/certs
  BUILD_BYPRODUCTS "${CURL_PREFIX}/lib/libcurl.a"
  LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)
file(MAKE_DIRECTORY "${CURL_PREFIX}/include")  # must exist at generate time
# An INTERFACE library, not an IMPORTED one: only the former passes its
# dependency on the curl build to everything that links it.
add_library(cprof_curl INTERFACE)
add_dependencies(cprof_curl cprof_curl_build)
target_include_directories(cprof_curl SYSTEM INTERFACE "${CURL_PREFIX}/include")
target_compile_definitions(cprof_curl INTERFACE CURL_STATICLIB)
target_link_libraries(cprof_curl INTERFACE "${CURL_PREFIX}/lib/libcurl.a"
  OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
add_library(CURL::libcurl ALIAS cprof_curl)

# --- yaml-cpp and RE2: their CMake and pkg-config files name only the .so -------
find_library(YAML_CPP_STATIC_LIBRARY libyaml-cpp.a REQUIRED)
add_library(yaml-cpp STATIC IMPORTED GLOBAL)
set_target_properties(yaml-cpp PROPERTIES IMPORTED_LOCATION "${YAML_CPP_STATIC_LIBRARY}")
find_library(RE2_STATIC_LIBRARY libre2.a REQUIRED)
add_library(PkgConfig::RE2 STATIC IMPORTED GLOBAL)
set_target_properties(PkgConfig::RE2 PROPERTIES
  IMPORTED_LOCATION "${RE2_STATIC_LIBRARY}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)
