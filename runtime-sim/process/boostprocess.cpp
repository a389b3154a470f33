// Compiles Boost.Process v2's out-of-line parts once, for the whole simulator
// (BOOST_PROCESS_V2_SEPARATE_COMPILATION; Debian ships no library for them).
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/process/v2/src.hpp>
