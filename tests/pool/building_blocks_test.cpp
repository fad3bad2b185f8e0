// The pool's small parts on their own: wait percentiles, inline strings,
// the intrusive list.
#include <weir/sdk/pool/fixed_string.hpp>
#include <weir/sdk/pool/intrusive_list.hpp>
#include <weir/sdk/pool/wait_window.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace weir::pool_test {
namespace {

using sdk::pool::WaitWindow;

TEST(WaitWindowTest, SummarisesNearestRankPercentiles) {
  WaitWindow window;
  for (std::uint32_t us = 100; us >= 1; --us) window.record(us);  // 1..100, shuffled order
  WaitWindow::Samples samples;
  const auto count = window.copy(samples);
  EXPECT_EQ(count, 100u);
  const auto s = WaitWindow::summarize(samples, count);
  EXPECT_EQ(s.p50_us, 50);
  EXPECT_EQ(s.p95_us, 95);
  EXPECT_EQ(s.p99_us, 99);
  EXPECT_EQ(s.max_us, 100);
  EXPECT_DOUBLE_EQ(s.mean_us, 50.5);
}

TEST(WaitWindowTest, KeepsOnlyTheMostRecentSamples) {
  WaitWindow window;
  for (std::size_t i = 0; i < WaitWindow::kSize; ++i) window.record(1000000);
  for (std::size_t i = 0; i < WaitWindow::kSize; ++i) window.record(7);
  WaitWindow::Samples samples;
  const auto count = window.copy(samples);
  EXPECT_EQ(count, WaitWindow::kSize);
  EXPECT_EQ(WaitWindow::summarize(samples, count).max_us, 7);
}

TEST(WaitWindowTest, AnEmptyWindowReadsAsZero) {
  WaitWindow window;
  WaitWindow::Samples samples;
  const auto s = WaitWindow::summarize(samples, window.copy(samples));
  EXPECT_EQ(s.max_us, 0);
  EXPECT_EQ(s.mean_us, 0);
}

TEST(FixedStringTest, TruncatesWithoutSplittingACharacter) {
  sdk::pool::FixedString<4> s;
  s.assign("ab\xc3\xa9z");  // "abéz": é is two bytes and straddles the limit
  EXPECT_EQ(s.view(), "ab\xc3\xa9");
  s.assign("abc\xc3\xa9");
  EXPECT_EQ(s.view(), "abc");
  s.assign("");
  EXPECT_TRUE(s.empty());
}

struct Node {
  int value;
  Node* prev = nullptr;
  Node* next = nullptr;
};

std::vector<int> values(const sdk::pool::IntrusiveList<Node>& list) {
  std::vector<int> out;
  list.for_each([&](const Node& n) { out.push_back(n.value); });
  return out;
}

TEST(IntrusiveListTest, RemovesFromAnyPositionAndKeepsOrder) {
  Node a{1}, b{2}, c{3};
  sdk::pool::IntrusiveList<Node> list;
  list.push_back(&a);
  list.push_back(&b);
  list.push_back(&c);
  list.remove(&b);
  EXPECT_EQ(values(list), (std::vector<int>{1, 3}));
  list.remove(&c);
  list.push_back(&b);
  EXPECT_EQ(values(list), (std::vector<int>{1, 2}));
  EXPECT_EQ(list.pop_front(), &a);
  EXPECT_EQ(list.pop_front(), &b);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.pop_front(), nullptr);
}

}  // namespace
}  // namespace weir::pool_test
