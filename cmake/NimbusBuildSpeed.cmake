# What keeps a first build short on two cores (README, "How long a build takes"):
#  - the compiler cache;
#  - mold in place of GNU ld: some ninety executables link the whole simulator with its
#    debug information, and ld spent ten seconds or more on each;
#  - Boost.Asio and Beast compiled once (libs/net/boostsources.cpp) instead of inline in every
#    file that includes them (add_compile_definitions below, for every target alike);
#  - unity builds of the large libraries (nimbus_unity_build);
#  - the test code compiled without optimisation and with line tables only (nimbus_test_code):
#    a suite is one large file that no unity build can share, and GCC spends nearly half its
#    time on it optimising;
#  - one precompiled header for each test folder's suites (tests/CMakeLists.txt);
#  - `scripts/dev run` building the product only (nimbus-apps), not the suites.
# (Precompiled headers were tried and measured for the libraries: GCC's for the standard
# library, json, Asio and Beast is 250 MB, and loading it cost a small file more than the
# headers saved a large one. A suite parses QtTest besides, and gains: see tests/.)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

option(NIMBUS_MOLD "Link with mold when it is installed" ON)
find_program(NIMBUS_MOLD_PROGRAM mold)
if(NIMBUS_MOLD AND NIMBUS_MOLD_PROGRAM)
    add_link_options(-fuse-ld=mold)
endif()

# Every file that includes Asio or Beast must see the same configuration, so it is set for
# all targets here rather than on the libraries that use them.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_SEPARATE_COMPILATION
    BOOST_BEAST_SEPARATE_COMPILATION)

option(NIMBUS_UNITY "Compile each large library's files in batches (unity builds)" ON)

# nimbus_unity_build(TARGET [FILE ...]): TARGET's files compile eight to a batch, so that the
# headers they share (nlohmann/json, Asio, Beast, Qt) are parsed and their templates
# instantiated once a batch rather than once a file. The FILEs define helpers of the same name
# as another file's, in their unnamed namespaces, and compile alone.
function(nimbus_unity_build target)
    if(NOT NIMBUS_UNITY)
        return()
    endif()
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
    if(ARGN)
        set_source_files_properties(${ARGN} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
    endif()
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # Included from the batch's file, a source looks like a header to GCC, which then
        # warns of a coroutine frame holding a lambda's type (-Wsubobject-linkage is about
        # headers shared by several files; a source never is).
        target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
    endif()
endfunction()

# The optimisation level of code that only tests run: the suites, their support library and
# the fuzz targets' replays. The code under test stays at the build type's level.
set(NIMBUS_TEST_OPTIMIZATION "-O0" CACHE STRING
    "Optimisation flag for test code (the suites, their support, the fuzz replays)")
# Its debug information: line tables only (a failing suite's backtrace still names each frame's
# file and line), which took a large suite from 19 s to 15.6 s at -O0.
set(NIMBUS_TEST_DEBUG_INFO "-g1" CACHE STRING
    "Debug information flag for test code (the suites, their support, the fuzz replays)")

# nimbus_test_code(TARGET): TARGET holds test code only (see NIMBUS_TEST_OPTIMIZATION).
function(nimbus_test_code target)
    target_compile_options(${target} PRIVATE ${NIMBUS_TEST_OPTIMIZATION} ${NIMBUS_TEST_DEBUG_INFO})
endfunction()
