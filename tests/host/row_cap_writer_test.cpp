// RowCapWriter in front of the JSON encoder, driven as a plugin drives it:
// only the result's top-level "rows" is cut, a dropped row takes its nested
// values with it, and a stopped result is whole.
#include "row_cap_writer.hpp"
#include "json_result_writer.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace weir {
namespace {

// {"columns":[...],"rows":[[1,[1]],[2,[2]],[3,[3]]],"rows_affected":3}: each row holds an array,
// and "columns" is an array that is not rows. Returns what the writer answered last.
int write_result(weir_value_writer& w) {
  void* d = w.host_data;
  const auto key = [&](std::string_view k) { return w.key(d, k.data(), k.size()); };
  w.begin_object(d);
  key("columns");
  w.begin_array(d);
  for (const char* c : {"a", "b", "c", "d"}) w.string_value(d, c, 1);
  w.end_array(d);
  key("rows");
  w.begin_array(d);
  int rc = 0;
  for (std::int64_t i = 1; i <= 3 && rc == 0; ++i) {
    rc = w.begin_array(d);
    if (rc != 0) break;
    w.int64_value(d, i);
    w.begin_array(d);
    w.int64_value(d, i);
    w.end_array(d);
    w.end_array(d);
  }
  if (rc != 0) return rc;
  w.end_array(d);
  key("rows_affected");
  w.int64_value(d, 3);
  return w.end_object(d);
}

TEST(RowCapWriter, DroppedRowsTakeTheirNestedValuesAndTheTrailerStays) {
  JsonResultWriter json(1 << 20);
  RowCapWriter capped(json, 2, false, false);
  EXPECT_EQ(write_result(*capped.writer()), 0);
  ASSERT_TRUE(capped.complete()) << json.problem();
  EXPECT_TRUE(capped.truncated());
  EXPECT_EQ(json.text(), R"({"columns":["a","b","c","d"],"rows":[[1,[1]],[2,[2]]],)"
                         R"("rows_affected":3,"truncated":true})");
}

TEST(RowCapWriter, StoppingEndsTheResultAtTheCap) {
  JsonResultWriter json(1 << 20);
  RowCapWriter capped(json, 1, true, false);
  EXPECT_NE(write_result(*capped.writer()), 0);  // the plugin is told to stop
  ASSERT_TRUE(capped.complete()) << json.problem();
  EXPECT_TRUE(capped.truncated());
  EXPECT_EQ(json.text(), R"({"columns":["a","b","c","d"],"rows":[[1,[1]]],"truncated":true})");
}

TEST(RowCapWriter, AResultWithinTheCapPassesUnchanged) {
  JsonResultWriter json(1 << 20);
  RowCapWriter capped(json, 3, true, false);
  EXPECT_EQ(write_result(*capped.writer()), 0);
  EXPECT_FALSE(capped.truncated());
  EXPECT_EQ(json.text(), R"({"columns":["a","b","c","d"],"rows":[[1,[1]],[2,[2]],[3,[3]]],)"
                         R"("rows_affected":3})");
}

}  // namespace
}  // namespace weir
