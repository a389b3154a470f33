// Boost.Asio's and Beast's out-of-line parts, compiled once for every program of ours instead
// of inline in each file that includes them (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION, set for every target in cmake/NimbusBuildSpeed.cmake).

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
