# Locates librdkafka (C API) through pkg-config, as Debian's librdkafka-dev ships no CMake package.
include(FindPackageHandleStandardArgs)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_RDKAFKA QUIET rdkafka)
endif()
find_path(RdKafka_INCLUDE_DIR NAMES librdkafka/rdkafka.h HINTS ${PC_RDKAFKA_INCLUDE_DIRS})
find_library(RdKafka_LIBRARY NAMES rdkafka HINTS ${PC_RDKAFKA_LIBRARY_DIRS})
set(RdKafka_VERSION "${PC_RDKAFKA_VERSION}")
find_package_handle_standard_args(RdKafka
  REQUIRED_VARS RdKafka_INCLUDE_DIR RdKafka_LIBRARY VERSION_VAR RdKafka_VERSION)
if(RdKafka_FOUND AND NOT TARGET RdKafka::rdkafka)
  add_library(RdKafka::rdkafka UNKNOWN IMPORTED)
  set_target_properties(RdKafka::rdkafka PROPERTIES
    IMPORTED_LOCATION "${RdKafka_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${RdKafka_INCLUDE_DIR}")
endif()
mark_as_advanced(RdKafka_INCLUDE_DIR RdKafka_LIBRARY)
