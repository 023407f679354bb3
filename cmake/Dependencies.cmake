# Third-party dependencies (DESIGN.md §1).
#
# OpenSSL >= 3.5 is linked statically. scripts/bootstrap.sh prints the prefix;
# pass it as -DCRATON_OPENSSL_ROOT=... (the presets read $CRATON_OPENSSL_ROOT).
set(_default_ossl "$ENV{CRATON_OPENSSL_ROOT}")
if(NOT _default_ossl)
  set(_default_ossl "$ENV{HOME}/.cache/craton-hsm/openssl-3.5")
endif()
set(CRATON_OPENSSL_ROOT "${_default_ossl}" CACHE PATH "Prefix of OpenSSL >= 3.5 with a static libcrypto")
if(NOT CRATON_OPENSSL_ROOT)  # a preset passes "" when the variable is unset
  set(CRATON_OPENSSL_ROOT "${_default_ossl}" CACHE PATH "Prefix of OpenSSL >= 3.5 with a static libcrypto" FORCE)
endif()

find_library(CRATON_LIBCRYPTO_A NAMES libcrypto.a PATHS "${CRATON_OPENSSL_ROOT}/lib" "${CRATON_OPENSSL_ROOT}/lib64" NO_DEFAULT_PATH)
find_path(CRATON_OPENSSL_INCLUDE openssl/opensslv.h PATHS "${CRATON_OPENSSL_ROOT}/include" NO_DEFAULT_PATH)
if(NOT CRATON_LIBCRYPTO_A OR NOT CRATON_OPENSSL_INCLUDE)
  message(FATAL_ERROR "No static libcrypto >= 3.5 under CRATON_OPENSSL_ROOT='${CRATON_OPENSSL_ROOT}'. Run scripts/bootstrap.sh first.")
endif()
file(STRINGS "${CRATON_OPENSSL_INCLUDE}/openssl/opensslv.h" _ossl_ver REGEX "^# *define OPENSSL_VERSION_TEXT")
message(STATUS "OpenSSL: ${CRATON_LIBCRYPTO_A} (${_ossl_ver})")

find_package(Threads REQUIRED)
add_library(OpenSSL35::Crypto STATIC IMPORTED GLOBAL)
set_target_properties(OpenSSL35::Crypto PROPERTIES
  IMPORTED_LOCATION "${CRATON_LIBCRYPTO_A}"
  INTERFACE_INCLUDE_DIRECTORIES "${CRATON_OPENSSL_INCLUDE}"
  INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS}")

find_package(SQLite3 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json REQUIRED)
if(CRATON_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
