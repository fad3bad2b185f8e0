// How a result becomes NDJSON lines: the header before "rows", one line per
// row, the trailer after; and every way a plugin or a client can end it early.
#include "ndjson_result_writer.hpp"

#include <weir/sdk/error.hpp>
#include <weir/sdk/value_writer.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weir {
namespace {

struct Lines {
  std::vector<std::string> sent;
  bool reading = true;  // false: the client is gone
  NdjsonResultWriter writer;
  sdk::ValueWriter out{writer.writer()};

  explicit Lines(std::size_t max_bytes = 1 << 20)
      : writer(max_bytes, Int64Form::kNumber, [this](std::string_view line) {
          if (reading) sent.emplace_back(line);
          return reading;
        }) {}
};

void write_rows(sdk::ValueWriter& out, int rows) {
  out.begin_array();
  for (int i = 0; i < rows; ++i) {
    out.begin_array();
    out.int64(i);
    out.string("row\n" + std::to_string(i));  // a newline inside a value stays escaped
    out.end_array();
  }
  out.end_array();
}

TEST(NdjsonResultWriter, HeaderThenOneLinePerRowThenTrailer) {
  Lines lines;
  lines.out.begin_object();
  lines.out.key("columns");
  lines.out.begin_array();
  lines.out.string("id");
  lines.out.string("name");
  lines.out.end_array();
  lines.out.key("rows");
  write_rows(lines.out, 2);
  lines.out.member("rows_affected", 0);
  lines.out.end_object();
  ASSERT_TRUE(lines.writer.complete()) << lines.writer.problem();
  EXPECT_EQ(lines.sent,
            (std::vector<std::string>{R"({"columns":["id","name"]})", R"([0,"row\u000a0"])",
                                      R"([1,"row\u000a1"])", R"({"rows_affected":0})"}));
}

TEST(NdjsonResultWriter, RowsOfOneValueAndNestedValues) {
  Lines lines;
  lines.out.begin_object();
  lines.out.key("rows");
  lines.out.begin_array();
  lines.out.int64(7);
  lines.out.begin_object();
  lines.out.key("tags");
  lines.out.begin_array();
  lines.out.string("a");
  lines.out.end_array();
  lines.out.end_object();
  lines.out.end_array();
  lines.out.end_object();
  ASSERT_TRUE(lines.writer.complete()) << lines.writer.problem();
  EXPECT_EQ(lines.sent, (std::vector<std::string>{"{}", "7", R"({"tags":["a"]})", "{}"}));
}

TEST(NdjsonResultWriter, AResultWithoutRowsIsAllHeaderWithAnEmptyTrailer) {
  Lines lines;
  lines.out.begin_object();
  lines.out.member("count", 3);
  lines.out.end_object();
  ASSERT_TRUE(lines.writer.complete());
  EXPECT_EQ(lines.sent, (std::vector<std::string>{R"({"count":3})", "{}"}));
}

TEST(NdjsonResultWriter, RefusesWhatCannotBeCutIntoLines) {
  Lines array;
  EXPECT_THROW(array.out.begin_array(), sdk::Error);
  EXPECT_EQ(array.writer.problem(), "a streamed result must be a JSON object");

  Lines scalar_rows;
  scalar_rows.out.begin_object();
  scalar_rows.out.key("rows");
  EXPECT_THROW(scalar_rows.out.int64(1), sdk::Error);
  EXPECT_EQ(scalar_rows.writer.problem(), "the result's \"rows\" must be an array");
  EXPECT_FALSE(scalar_rows.writer.complete());
  EXPECT_FALSE(scalar_rows.writer.too_large());
}

TEST(NdjsonResultWriter, TheByteLimitHoldsForAllLinesTogether) {
  // Header {"columns":[]} (14 + 1) and rows [i,"row\u000ai"] (18 + 1 each): the third passes 60.
  Lines lines(60);
  lines.out.begin_object();
  lines.out.key("columns");
  lines.out.begin_array();
  lines.out.end_array();
  lines.out.key("rows");
  EXPECT_THROW(write_rows(lines.out, 5), sdk::Error);
  EXPECT_TRUE(lines.writer.too_large());
  EXPECT_FALSE(lines.writer.complete());
  EXPECT_EQ(lines.sent.size(), 3u);  // the header and two rows
  std::size_t bytes = 0;
  for (const auto& line : lines.sent) bytes += line.size() + 1;
  EXPECT_LE(bytes, 60u);
}

TEST(NdjsonResultWriter, AClientThatLeavesStopsThePluginForGood) {
  Lines lines;
  lines.out.begin_object();
  lines.out.key("rows");
  lines.out.begin_array();
  lines.reading = false;
  EXPECT_THROW(lines.out.int64(1), sdk::Error);
  EXPECT_EQ(lines.writer.problem(), "the client no longer receives the result");
  // A plugin that does not stop gets nowhere.
  EXPECT_THROW(lines.out.int64(2), sdk::Error);
  EXPECT_THROW(lines.out.end_array(), sdk::Error);
  EXPECT_FALSE(lines.writer.complete());
  EXPECT_TRUE(lines.writer.started());
}

}  // namespace
}  // namespace weir
