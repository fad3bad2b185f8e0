// ISO-8601 text for Bolt's temporal structures, both ways: results are
// written as text and the same text is accepted back in parameters. Fractions
// of a second have no trailing zeros (12:34:56.789). Zone names are only
// split off here; time_zones.hpp knows their offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::neo4j::temporal {

// Days since 1970-01-01 <-> "YYYY-MM-DD" (years outside 0000..9999 get a sign).
std::string format_date(std::int64_t days);
std::optional<std::int64_t> parse_date(std::string_view text);

// Nanoseconds since midnight <-> "HH:MM:SS[.nnnnnnnnn]".
std::string format_time(std::int64_t nanos_of_day);
std::optional<std::int64_t> parse_time(std::string_view text);

// Offset seconds <-> "Z" / "+HH:MM" / "+HH:MM:SS". `zero_as_z` false writes
// "+00:00": next to a zone, RFC 9557 reads "Z" as "local offset unknown".
std::string format_offset(std::int64_t seconds, bool zero_as_z = true);
std::optional<std::int64_t> parse_offset(std::string_view text);

// Seconds + nanoseconds since the epoch (wall clock) <-> "YYYY-MM-DDTHH:MM:SS[.n]".
std::string format_local_datetime(std::int64_t seconds, std::int64_t nanos);
struct LocalDateTime {
  std::int64_t seconds;
  std::int64_t nanos;
};
std::optional<LocalDateTime> parse_local_datetime(std::string_view text);

// A date-time with its zone part split off: "...+01:00", "...Z[Europe/Paris]",
// "...[Europe/Paris]" (wall clock in a named zone) or none.
struct ZonedText {
  std::string_view local;                // the "YYYY-MM-DDTHH:MM:SS[.n]" part
  std::optional<std::int64_t> offset;    // from "+HH:MM" or "Z"
  bool z = false;                        // the offset was written "Z"
  std::optional<std::string_view> zone;  // the name inside [...]
};
std::optional<ZonedText> split_zone(std::string_view text);

// Months, days, seconds, nanoseconds <-> "P<m>M<d>DT<s>[.<n>]S"; parsing also
// accepts years, weeks, hours and minutes ("P1Y2W", "PT1H30M").
struct Duration {
  std::int64_t months = 0;
  std::int64_t days = 0;
  std::int64_t seconds = 0;
  std::int64_t nanos = 0;
};
std::string format_duration(const Duration& d);
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace weir::neo4j::temporal
