// Compiles Boost.Process v2's out-of-line parts once, for the whole simulator
// (BOOST_PROCESS_V2_SEPARATE_COMPILATION; Debian ships no library for them).

// clang-format off
// Boost 1.81's Process v2 with BOOST_PROCESS_USE_STD_FS relies on these without including them.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format on

#include <boost/process/v2/src.hpp>
