// Boost.JSON compiled into weir::sdk_c itself, so a C plugin links no Boost library.
#include <boost/json/src.hpp>
