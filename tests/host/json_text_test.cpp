// Numbers a person reads print as numbers: 0.0 and 0.58, not 0E0 and 5.8E-1.
#include "json_text.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <limits>

namespace weir {
namespace {

TEST(JsonText, DoublesPrintAsPlainDecimals) {
  EXPECT_EQ(json_text(0.0), "0.0");
  EXPECT_EQ(json_text(3.0), "3.0");  // still a double for whoever reads it back
  EXPECT_EQ(json_text(0.58), "0.58");
  EXPECT_EQ(json_text(1234.5), "1234.5");
  EXPECT_EQ(json_text(-2.25), "-2.25");
  // Beyond plain notation's reach, still valid JSON that reads back exactly.
  EXPECT_EQ(boost::json::parse(json_text(1e300)).as_double(), 1e300);
}

// As in results: the strings PostgreSQL reads back as float8.
TEST(JsonText, NonFiniteDoublesBecomeStrings) {
  EXPECT_EQ(json_text(std::numeric_limits<double>::quiet_NaN()), "\"NaN\"");
  EXPECT_EQ(json_text(std::numeric_limits<double>::infinity()), "\"Infinity\"");
  EXPECT_EQ(json_text(-std::numeric_limits<double>::infinity()), "\"-Infinity\"");
}

TEST(JsonText, EverythingElseIsWrittenAsBoostWritesIt) {
  const boost::json::value v = {{"wait_us", {{"mean", 0.0}, {"p50", 0.58}}},
                                {"name", "quote \" and \\ and \n"},
                                {"list", {1, -2, true, nullptr, 18446744073709551615ull}}};
  EXPECT_EQ(json_text(v), R"({"wait_us":{"mean":0.0,"p50":0.58},"name":"quote \" and \\ and \n",)"
                          R"("list":[1,-2,true,null,18446744073709551615]})");
}

}  // namespace
}  // namespace weir
