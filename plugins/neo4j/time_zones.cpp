#include "time_zones.hpp"

#include <date/tz.h>

#include <stdexcept>

namespace weir::neo4j::time_zones {
namespace {

const date::time_zone* find(const std::string& zone) {
  try {
    return date::locate_zone(zone);
  } catch (const std::runtime_error&) {  // not in the database (or no database at all)
    return nullptr;
  }
}

}  // namespace

std::optional<std::int64_t> offset_at_instant(const std::string& zone, std::int64_t utc_seconds) {
  const auto* tz = find(zone);
  if (tz == nullptr) return std::nullopt;
  return tz->get_info(date::sys_seconds(std::chrono::seconds(utc_seconds))).offset.count();
}

std::optional<std::int64_t> instant_of_wall_clock(const std::string& zone,
                                                  std::int64_t local_seconds) {
  const auto* tz = find(zone);
  if (tz == nullptr) return std::nullopt;
  const auto info = tz->get_info(date::local_seconds(std::chrono::seconds(local_seconds)));
  // unique and ambiguous: `first` is the (earlier) offset; nonexistent: the one before the gap.
  return local_seconds - info.first.offset.count();
}

}  // namespace weir::neo4j::time_zones
