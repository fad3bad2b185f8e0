// PackStream codec: exact bytes for every marker and size class, round trips,
// and malformed input refused with WEIR_E_BROKEN rather than a crash.
#include "packstream.hpp"

#include <weir/sdk/error.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace weir::neo4j {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string encoded(const Value& v) {
  std::string out;
  packstream::encode(v, out);
  return out;
}

// Encodes, checks the marker prefix and total size, and decodes back.
void expect_round_trip(const Value& v, std::string_view prefix_hex, std::size_t total_size) {
  const auto bytes = encoded(v);
  EXPECT_EQ(hex(bytes).substr(0, prefix_hex.size()), prefix_hex);
  EXPECT_EQ(bytes.size(), total_size);
  EXPECT_EQ(packstream::decode(bytes), v);
}

void expect_broken(std::string_view bytes, std::string_view message_part) {
  try {
    packstream::decode(bytes);
    FAIL() << "decoded malformed input " << hex(bytes);
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), WEIR_E_BROKEN);
    EXPECT_NE(e.message().find(message_part), std::string::npos) << e.message();
  }
}

TEST(PackStream, ScalarsUseTheSpecifiedMarkers) {
  EXPECT_EQ(hex(encoded(nullptr)), "C0");
  EXPECT_EQ(hex(encoded(true)), "C3");
  EXPECT_EQ(hex(encoded(false)), "C2");
  EXPECT_EQ(hex(encoded(1.1)), "C1 3F F1 99 99 99 99 99 9A");
  EXPECT_EQ(hex(encoded(-0.0)), "C1 80 00 00 00 00 00 00 00");
  EXPECT_EQ(hex(encoded("A")), "81 41");
  EXPECT_EQ(hex(encoded(Value(Map{{"a", 1}}))), "A1 81 61 01");
  EXPECT_EQ(hex(encoded(Value(List{1, 2, 3}))), "93 01 02 03");
  EXPECT_EQ(hex(encoded(Bytes{"\x01\x02"})), "CC 02 01 02");
  EXPECT_EQ(hex(encoded(Structure{0x44, {19000}})), "B1 44 C9 4A 38");
}

TEST(PackStream, IntegersTakeTheSmallestFormAtEveryBoundary) {
  struct Case {
    std::int64_t value;
    const char* marker;
    std::size_t size;
  };
  const Case cases[] = {
      {0, "00", 1},
      {127, "7F", 1},
      {-16, "F0", 1},
      {-1, "FF", 1},
      {128, "C9", 3},  // 128 does not fit int8, so int16
      {-17, "C8", 2},
      {-128, "C8", 2},
      {-129, "C9", 3},
      {32767, "C9", 3},
      {32768, "CA", 5},
      {-32768, "C9", 3},
      {-32769, "CA", 5},
      {std::numeric_limits<std::int32_t>::max(), "CA", 5},
      {std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1, "CB", 9},
      {std::numeric_limits<std::int32_t>::min(), "CA", 5},
      {std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1, "CB", 9},
      {std::numeric_limits<std::int64_t>::max(), "CB", 9},
      {std::numeric_limits<std::int64_t>::min(), "CB", 9},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    expect_round_trip(c.value, c.marker, c.size);
  }
}

TEST(PackStream, FloatsRoundTripExactly) {
  for (double d : {0.0, -0.0, 1.5, -2.25, 1e308, std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::infinity()}) {
    expect_round_trip(d, "C1", 9);
  }
  const auto nan = packstream::decode(encoded(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(std::isnan(*nan.get_if<double>()));
}

TEST(PackStream, StringSizeClasses) {
  struct Case {
    std::size_t n;
    const char* marker;
    std::size_t header;
  };
  for (const Case& c :
       {Case{0, "80", 1}, Case{15, "8F", 1}, Case{16, "D0 10", 2}, Case{255, "D0 FF", 2},
        Case{256, "D1 01 00", 3}, Case{65535, "D1 FF FF", 3}, Case{65536, "D2 00 01 00 00", 5}}) {
    SCOPED_TRACE(c.n);
    expect_round_trip(std::string(c.n, 'x'), c.marker, c.header + c.n);
  }
  expect_round_trip("grüße ✓", "8B", 12);  // UTF-8 length in bytes, not characters
}

TEST(PackStream, BytesSizeClasses) {
  for (auto [n, marker, header] :
       {std::tuple{0, "CC 00", 2}, std::tuple{255, "CC FF", 2}, std::tuple{256, "CD 01 00", 3},
        std::tuple{65535, "CD FF FF", 3}, std::tuple{65536, "CE 00 01 00 00", 5}}) {
    SCOPED_TRACE(n);
    expect_round_trip(Bytes{std::string(static_cast<std::size_t>(n), '\xAB')}, marker,
                      static_cast<std::size_t>(header + n));
  }
}

TEST(PackStream, ListSizeClasses) {
  for (auto [n, marker, header] :
       {std::tuple{0, "90", 1}, std::tuple{15, "9F", 1}, std::tuple{16, "D4 10", 2},
        std::tuple{255, "D4 FF", 2}, std::tuple{256, "D5 01 00", 3},
        std::tuple{65535, "D5 FF FF", 3}, std::tuple{65536, "D6 00 01 00 00", 5}}) {
    SCOPED_TRACE(n);
    expect_round_trip(List(static_cast<std::size_t>(n), Value(1)), marker,
                      static_cast<std::size_t>(header + n));
  }
}

TEST(PackStream, MapSizeClasses) {
  for (auto [n, marker] : {std::tuple{0, "A0"}, std::tuple{15, "AF"}, std::tuple{16, "D8 10"},
                           std::tuple{255, "D8 FF"}, std::tuple{256, "D9 01 00"},
                           std::tuple{65535, "D9 FF FF"}, std::tuple{65536, "DA 00 01 00 00"}}) {
    SCOPED_TRACE(n);
    Map m;
    std::size_t size = 0;
    for (int i = 0; i < n; ++i) {
      m.emplace_back("k" + std::to_string(i), Value(nullptr));
      size += encoded(m.back().first).size() + 1;
    }
    const std::size_t header = std::string_view(marker).size() / 3 + 1;
    expect_round_trip(Value(m), marker, header + size);
  }
}

TEST(PackStream, NestedStructuresRoundTrip) {
  const Value node =
      Structure{0x4E, {7, List{"Person"}, Map{{"name", "Ada"}, {"born", 1815}}, "4:x:7"}};
  const Value nested =
      Map{{"list", List{node, Bytes{"\0\1"}, nullptr, Map{{"deep", List{List{1.5}}}}}},
          {"empty", Map{}}};
  EXPECT_EQ(packstream::decode(encoded(nested)), nested);
}

TEST(PackStream, EveryTruncationIsRefused) {
  const Value sample = Map{{"a", List{1, 1000, 100000, 1e10, "text", Bytes{"xy"}}},
                           {"n", Structure{0x4E, {1, List{}, Map{}}}},
                           {"big", std::int64_t{1} << 40}};
  const auto bytes = encoded(sample);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE(n);
    expect_broken(std::string_view(bytes).substr(0, n), "more bytes");
  }
}

TEST(PackStream, UnknownMarkersAreRefused) {
  for (int m : {0xC4, 0xC5, 0xC6, 0xC7, 0xCF, 0xD3, 0xD7, 0xDB, 0xDC, 0xDF, 0xE0, 0xEF}) {
    SCOPED_TRACE(m);
    expect_broken(std::string(1, static_cast<char>(m)), "unknown marker");
  }
}

TEST(PackStream, MalformedShapesAreRefused) {
  expect_broken("\xA1\x01\x01", "map key is not a string");
  expect_broken(std::string("\xD6\x7F\xFF\xFF\xFF\x01", 6), "entries needs at least");
  expect_broken(std::string("\xDA\x7F\xFF\xFF\xFF", 5), "entries needs at least");
  expect_broken(std::string("\xD2\xFF\xFF\xFF\xFF", 5), "more bytes");
  expect_broken("\x01\x02", "trailing bytes");
  expect_broken(std::string(100, '\x91') + "\x01", "nesting deeper than 64");
}

TEST(PackStream, EncodingRefusesTooDeepValues) {
  Value v = 1;
  for (int i = 0; i < packstream::kMaxDepth + 2; ++i) v = List{v};
  std::string out;
  EXPECT_THROW(packstream::encode(v, out), sdk::Error);
}

}  // namespace
}  // namespace weir::neo4j
