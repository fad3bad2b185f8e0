// UTC offsets of named time zones, from the system's time-zone database
// (Debian's tzdata, read through Howard Hinnant's date library): what turns
// Bolt's two forms of a zoned DateTime, UTC seconds (Bolt 5) or wall-clock
// seconds (4.4) next to a zone id, into one reading with its offset, and back.
// A zone the database does not know gives nullopt: the caller falls back to
// what Bolt carries without an offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace weir::neo4j::time_zones {

// The zone's offset from UTC, in seconds, at an instant.
std::optional<std::int64_t> offset_at_instant(const std::string& zone, std::int64_t utc_seconds);

// The instant of a wall-clock time in the zone, resolved as Neo4j (Java's
// ZonedDateTime) does: in an overlap (clocks going back) the earlier offset;
// in a gap (clocks going forward) the offset before it, so the reading moves
// on by the gap's length.
std::optional<std::int64_t> instant_of_wall_clock(const std::string& zone,
                                                  std::int64_t local_seconds);

}  // namespace weir::neo4j::time_zones
