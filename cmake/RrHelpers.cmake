# Build helpers that make the module dependency graph explicit.
#
#   rr_library(NAME SRCS a.cc b.cc DEPS other_lib PUBLIC_DEPS lib_in_headers)
#   rr_executable(NAME SRCS main.cc DEPS libs...)
#   rr_test(NAME SRCS t.cc DEPS libs... LABELS unit|component|opensearch)
#   rr_bench(NAME SRCS b.cc DEPS libs...)
#
# Libraries link PRIVATE unless their public headers expose the dependency.

set(RR_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wimplicit-fallthrough
    # Not -Wnull-dereference: at -O2 GCC 12 reports it inside Boost.Asio's
    # scheduler and libstdc++'s streambuf, code we cannot change.
    # Designated initializers that rely on member defaults are idiomatic.
    -Wno-missing-field-initializers)
# GCC 12's AVX-512 intrinsics header initializes its "undefined" vectors with
# themselves (GCC bug 105593, fixed in 13), so Eigen kernels built with
# -march=native on an AVX-512 CPU are reported as (maybe-)uninitialized uses
# inside avx512fintrin.h. False positives that -Werror would turn into a failed
# build; newer compilers keep the checks.
# Likewise -Wrestrict on std::string concatenation inlined from libstdc++
# (GCC bug 105329), seen at -O3.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND RR_WARNINGS -Wno-uninitialized -Wno-maybe-uninitialized -Wno-restrict)
endif()

function(rr_apply_common target)
  target_compile_options(${target} PRIVATE ${RR_WARNINGS})
  if(RR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(RR_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

function(rr_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} PUBLIC ${ARG_PUBLIC_DEPS})
  rr_apply_common(${name})
endfunction()

function(rr_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  rr_apply_common(${name})
endfunction()

function(rr_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} rr_catch_main)
  target_compile_definitions(${name} PRIVATE
    RR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  rr_apply_common(${name})
  # --warn NoTests: a CTest entry whose name selects no test case fails
  # instead of passing empty (a ';' in a test name splits it, a leading '-'
  # reads as an option).
  catch_discover_tests(${name}
    TEST_PREFIX "${name}: "
    EXTRA_ARGS --warn NoTests
    PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

function(rr_bench name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  rr_apply_common(${name})
endfunction()
