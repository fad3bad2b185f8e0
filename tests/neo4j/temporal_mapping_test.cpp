// Bolt's temporal structures <-> their JSON text, with literal seconds so
// the zone arithmetic is checked against known instants, not against itself:
// 2024-07-01T08:00:00Z is 1719820800 s after the epoch (10:00 wall clock in
// Paris, +02:00, which Bolt 4.4 sends as 1719828000).
#include "json_mapping.hpp"

#include <weir/sdk/error.hpp>
#include <weir/testing/value_builder.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace weir::neo4j {
namespace {

constexpr std::uint8_t kTime = 0x54, kZonedUtc = 0x69, kZonedWallClock = 0x66;
constexpr std::int64_t kJuly1At8Utc = 1719820800;
constexpr std::int64_t kJuly1At10Wall = kJuly1At8Utc + 7200;

std::string text_of(const Value& v) {
  weir::testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  write_value(v, writer);
  const auto& o = builder.value().as_object();
  return std::string(o.begin()->value().as_string());
}

Value zoned(std::uint8_t tag, std::int64_t seconds, std::int64_t nanos, const char* zone) {
  return Structure{tag, {seconds, nanos, zone}};
}

Value param(const std::string& text, bool bolt5) {
  return value_from_json(boost::json::object{{"$datetime", text}}, {bolt5, false}, "params.t");
}

std::string refusal(const std::string& text, bool bolt5) {
  try {
    param(text, bolt5);
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
    return e.what();
  }
  return "accepted";
}

TEST(TemporalMapping, AZonedDateTimeReadsTheSameOverBolt5AndBolt44) {
  const std::string expected = "2024-07-01T10:00:00+02:00[Europe/Paris]";
  EXPECT_EQ(text_of(zoned(kZonedUtc, kJuly1At8Utc, 0, "Europe/Paris")), expected);
  EXPECT_EQ(text_of(zoned(kZonedWallClock, kJuly1At10Wall, 0, "Europe/Paris")), expected);
}

TEST(TemporalMapping, AZeroOffsetBesideAZoneIsNumeric) {
  // RFC 9557 reads "Z" as "local offset unknown"; London's winter offset is known.
  EXPECT_EQ(text_of(zoned(kZonedUtc, 1705312800, 0, "Europe/London")),
            "2024-01-15T10:00:00+00:00[Europe/London]");
}

TEST(TemporalMapping, Bolt44WallClocksInGapsAndOverlapsResolveAsNeo4jDoes) {
  // 02:30 on 2024-03-31 does not exist in Paris: it moves on by the gap's hour.
  EXPECT_EQ(text_of(zoned(kZonedWallClock, 1711852200, 0, "Europe/Paris")),
            "2024-03-31T03:30:00+02:00[Europe/Paris]");
  // 02:30 on 2024-10-27 happens twice: the earlier offset.
  EXPECT_EQ(text_of(zoned(kZonedWallClock, 1729996200, 0, "Europe/Paris")),
            "2024-10-27T02:30:00+02:00[Europe/Paris]");
}

TEST(TemporalMapping, AZoneTheDatabaseDoesNotKnowKeepsWhatBoltSent) {
  EXPECT_EQ(text_of(zoned(kZonedUtc, kJuly1At8Utc, 0, "Mars/Olympus_Mons")),
            "2024-07-01T08:00:00Z[Mars/Olympus_Mons]");
  EXPECT_EQ(text_of(zoned(kZonedWallClock, kJuly1At10Wall, 0, "Mars/Olympus_Mons")),
            "2024-07-01T10:00:00[Mars/Olympus_Mons]");
}

TEST(TemporalMapping, FractionsHaveNoTrailingZeros) {
  EXPECT_EQ(text_of(Structure{kTime, {std::int64_t{45296789000000}, 3600}}), "12:34:56.789+01:00");
  EXPECT_EQ(text_of(zoned(kZonedUtc, kJuly1At8Utc, 500000000, "Europe/Paris")),
            "2024-07-01T10:00:00.5+02:00[Europe/Paris]");
}

TEST(TemporalMapping, TheRfc9557FormIsAParameterOnEveryBoltVersion) {
  for (const char* text :
       {"2024-07-01T10:00:00+02:00[Europe/Paris]", "2024-07-01T08:00:00Z[Europe/Paris]",
        "2024-07-01T10:00:00[Europe/Paris]"}) {
    EXPECT_EQ(param(text, true), zoned(kZonedUtc, kJuly1At8Utc, 0, "Europe/Paris")) << text;
    EXPECT_EQ(param(text, false), zoned(kZonedWallClock, kJuly1At10Wall, 0, "Europe/Paris"))
        << text;
  }
  // What a result reads is a parameter that means the same.
  EXPECT_EQ(text_of(param("2024-07-01T10:00:00.25+02:00[Europe/Paris]", false)),
            "2024-07-01T10:00:00.25+02:00[Europe/Paris]");
}

TEST(TemporalMapping, ZonedParametersTheDatabaseCannotPlaceAreRefused) {
  EXPECT_EQ(refusal("2024-07-01T10:00:00+01:00[Europe/Paris]", true),
            "params.t.$datetime: $datetime's offset +01:00 is not Europe/Paris's offset at that "
            "time (+02:00)");
  const std::string unknown =
      "params.t.$datetime: $datetime's time zone \"Mars/Olympus_Mons\" is not in the time-zone "
      "database; give the wall clock and its offset, e.g. "
      "2024-07-01T10:00:00+02:00[Mars/Olympus_Mons]";
  EXPECT_EQ(refusal("2024-07-01T10:00:00[Mars/Olympus_Mons]", true), unknown);
  EXPECT_EQ(refusal("2024-07-01T08:00:00Z[Mars/Olympus_Mons]", false), unknown);
  // With its offset, an unknown zone still travels on either version.
  EXPECT_EQ(param("2024-07-01T10:00:00+02:00[Mars/Olympus_Mons]", true),
            zoned(kZonedUtc, kJuly1At8Utc, 0, "Mars/Olympus_Mons"));
  EXPECT_EQ(param("2024-07-01T10:00:00+02:00[Mars/Olympus_Mons]", false),
            zoned(kZonedWallClock, kJuly1At10Wall, 0, "Mars/Olympus_Mons"));
}

}  // namespace
}  // namespace weir::neo4j
