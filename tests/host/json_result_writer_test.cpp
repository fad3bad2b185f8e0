// The host's result encoder must emit valid JSON whatever a plugin sends.
#include "json_result_writer.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <cmath>
#include <limits>

namespace weir {
namespace {

struct Fixture {
  JsonResultWriter json{1 << 20};
  weir_value_writer* w = json.writer();
  void* d = w->host_data;
};

TEST(JsonResultWriter, TabularResult) {
  Fixture f;
  f.w->begin_object(f.d);
  f.w->key(f.d, "columns", 7);
  f.w->begin_array(f.d);
  f.w->string_value(f.d, "x", 1);
  f.w->string_value(f.d, "y", 1);
  f.w->end_array(f.d);
  f.w->key(f.d, "rows", 4);
  f.w->begin_array(f.d);
  f.w->begin_array(f.d);
  f.w->int64_value(f.d, -42);
  f.w->double_value(f.d, 1.0);
  f.w->end_array(f.d);
  f.w->begin_array(f.d);
  f.w->null_value(f.d);
  f.w->bool_value(f.d, 1);
  f.w->end_array(f.d);
  f.w->end_array(f.d);
  f.w->end_object(f.d);
  ASSERT_TRUE(f.json.complete());
  EXPECT_EQ(f.json.text(), R"({"columns":["x","y"],"rows":[[-42,1.0],[null,true]]})");
}

TEST(JsonResultWriter, StringsAreEscapedAndInvalidUtf8Replaced) {
  Fixture f;
  const char text[] = "q\"\\\n\x01 \xC3\xA9 \xFF end";
  f.w->string_value(f.d, text, sizeof text - 1);
  ASSERT_TRUE(f.json.complete());
  EXPECT_EQ(f.json.text(), "\"q\\\"\\\\\\u000a\\u0001 \xC3\xA9 \xEF\xBF\xBD end\"");
  EXPECT_NO_THROW(boost::json::parse(f.json.text()));
}

TEST(JsonResultWriter, NonFiniteDoublesBecomeStrings) {
  Fixture f;
  f.w->begin_array(f.d);
  f.w->double_value(f.d, std::numeric_limits<double>::quiet_NaN());
  f.w->double_value(f.d, -std::numeric_limits<double>::infinity());
  f.w->double_value(f.d, 0.1);
  f.w->end_array(f.d);
  EXPECT_EQ(f.json.text(), R"(["NaN","-Infinity",0.1])");
}

TEST(JsonResultWriter, BytesAreBase64Objects) {
  Fixture f;
  f.w->bytes_value(f.d, "\x00\x01\xFEhi", 5);
  EXPECT_EQ(f.json.text(), R"({"$base64":"AAH+aGk="})");
}

TEST(JsonResultWriter, RawJsonIsValidatedAndNormalised) {
  Fixture f;
  f.w->begin_array(f.d);
  EXPECT_EQ(f.w->json_value(f.d, "{ \"a\" : [1, 2] }", 16), 0);
  EXPECT_NE(f.w->json_value(f.d, "{nope", 5), 0);
  EXPECT_FALSE(f.json.complete());
  EXPECT_EQ(f.json.problem(), "the plugin passed invalid JSON text as a value: syntax error");
}

TEST(JsonResultWriter, RawJsonWithExtraTextIsRefused) {
  Fixture f;
  EXPECT_NE(f.w->json_value(f.d, "[1] [2]", 7), 0);
  EXPECT_EQ(f.json.problem(),
            "the plugin passed invalid JSON text as a value: extra data after the JSON value");
}

// Chroma's distances and PostgreSQL's json columns arrive as JSON text: their
// numbers keep the backend's spelling (Boost.JSON would print 0.6531832 as
// 6.531832E-1 and round jsonb's numerics to doubles).
TEST(JsonResultWriter, NumbersInRawJsonKeepTheirDigits) {
  Fixture f;
  const std::string text =
      R"({"distances": [[0.6531832, 1e-7, 2.50]], "big": 123456789012345678901234567890.5,)"
      R"( "n": -9223372036854775808, "u": 18446744073709551615, "s": "\u00e9"})";
  EXPECT_EQ(f.w->json_value(f.d, text.data(), text.size()), 0);
  ASSERT_TRUE(f.json.complete()) << f.json.problem();
  EXPECT_EQ(f.json.text(),
            R"({"distances":[[0.6531832,1e-7,2.50]],"big":123456789012345678901234567890.5,)"
            R"("n":-9223372036854775808,"u":18446744073709551615,"s":"é"})");
}

TEST(JsonResultWriter, DoublesAreShortestRoundTripDecimals) {
  Fixture f;
  f.w->begin_array(f.d);
  for (double v : {0.6531832, 19.765820030757858, 1.0, 0.0, -2.5, 1e300, 1e-7})
    f.w->double_value(f.d, v);
  f.w->end_array(f.d);
  EXPECT_EQ(f.json.text(), "[0.6531832,19.765820030757858,1.0,0.0,-2.5,1e+300,1e-07]");
}

// "int64": "string": what a double cannot hold exactly becomes a string,
// everywhere in the result (nested JSON too); the rest stay numbers.
TEST(JsonResultWriter, Int64BeyondDoubleAsStrings) {
  JsonResultWriter json(1 << 20, Int64Form::kStringBeyondDouble);
  auto* w = json.writer();
  void* d = w->host_data;
  w->begin_array(d);
  for (std::int64_t v : {std::int64_t{9007199254740991}, std::int64_t{-9007199254740991},
                         std::int64_t{9007199254740992}, std::int64_t{-9007199254740993},
                         std::numeric_limits<std::int64_t>::min(), std::int64_t{42}})
    w->int64_value(d, v);
  const std::string nested = R"({"id": 9007199254740993, "u": 18446744073709551615, "x": 1.5})";
  w->json_value(d, nested.data(), nested.size());
  w->end_array(d);
  ASSERT_TRUE(json.complete()) << json.problem();
  EXPECT_EQ(json.text(),
            R"([9007199254740991,-9007199254740991,"9007199254740992","-9007199254740993",)"
            R"("-9223372036854775808",42,{"id":"9007199254740993","u":"18446744073709551615",)"
            R"("x":1.5}])");
}

TEST(JsonResultWriter, Int64AsNumbersByDefault) {
  Fixture f;
  f.w->begin_array(f.d);
  f.w->int64_value(f.d, std::numeric_limits<std::int64_t>::max());
  f.w->int64_value(f.d, std::numeric_limits<std::int64_t>::min());
  f.w->end_array(f.d);
  EXPECT_EQ(f.json.text(), "[9223372036854775807,-9223372036854775808]");
}

TEST(JsonResultWriter, MalformedStructureIsRefused) {
  {
    Fixture f;
    f.w->begin_object(f.d);
    EXPECT_NE(f.w->int64_value(f.d, 1), 0);  // a value without a key
    EXPECT_NE(f.json.problem().find("without a key"), std::string::npos);
  }
  {
    Fixture f;
    EXPECT_NE(f.w->end_array(f.d), 0);
    EXPECT_FALSE(f.json.complete());
  }
  {
    Fixture f;
    f.w->int64_value(f.d, 1);
    EXPECT_NE(f.w->int64_value(f.d, 2), 0);  // two top-level values
  }
  {
    Fixture f;
    f.w->begin_array(f.d);
    EXPECT_FALSE(f.json.complete());  // never closed
  }
}

TEST(JsonResultWriter, StopsThePluginPastTheSizeLimit) {
  JsonResultWriter json(64);
  auto* w = json.writer();
  w->begin_array(w->host_data);
  int rc = 0;
  for (int i = 0; i < 100 && rc == 0; ++i) rc = w->string_value(w->host_data, "0123456789", 10);
  EXPECT_NE(rc, 0);
  EXPECT_TRUE(json.too_large());
  EXPECT_NE(json.problem().find("limits.max_result_bytes (64)"), std::string::npos);
}

// Only the lengths are read before the check: the writer must refuse a value
// that cannot fit without touching (or copying) its data.
TEST(JsonResultWriter, RefusesAValueThatCannotFitBeforeEncodingIt) {
  constexpr std::size_t kHuge = std::size_t{1} << 40;
  const char small[8] = {};
  for (int kind = 0; kind < 3; ++kind) {
    JsonResultWriter json(1024);
    auto* w = json.writer();
    w->begin_object(w->host_data);
    int rc = 0;
    if (kind == 0) rc = w->key(w->host_data, small, kHuge);
    if (kind == 1 && w->key(w->host_data, "b", 1) == 0)
      rc = w->bytes_value(w->host_data, small, kHuge);
    if (kind == 2 && w->key(w->host_data, "s", 1) == 0)
      rc = w->string_value(w->host_data, small, kHuge);
    EXPECT_NE(rc, 0) << kind;
    EXPECT_TRUE(json.too_large()) << kind;
    EXPECT_EQ(json.problem(), "the result is larger than limits.max_result_bytes (1024)") << kind;
    EXPECT_LE(json.text().size(), 5u) << "nothing of the refused value was written";
  }
}

TEST(JsonResultWriter, BytesWhoseEncodingExactlyFitsAreKept) {
  // {"$base64":"AAAA"} is 18 bytes: three bytes fit, four (8 base64 characters) do not.
  JsonResultWriter fits(18);
  auto* w = fits.writer();
  EXPECT_EQ(w->bytes_value(w->host_data, "\0\0\0", 3), 0);
  EXPECT_TRUE(fits.complete());
  EXPECT_EQ(fits.text(), R"({"$base64":"AAAA"})");

  JsonResultWriter too_large(18);
  w = too_large.writer();
  EXPECT_NE(w->bytes_value(w->host_data, "\0\0\0\0", 4), 0);
  EXPECT_TRUE(too_large.too_large());
  EXPECT_EQ(too_large.text(), "");
}

}  // namespace
}  // namespace weir
