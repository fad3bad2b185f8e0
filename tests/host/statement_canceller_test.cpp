// StatementCanceller: a cancel reaches the request it was asked for while that
// request runs, and never a later one on the same connection, nor a connection
// that went back to the pool.
#include "statement_canceller.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace weir {
namespace {

std::atomic<int> cancels{0};
weir_conn* cancelled_conn = nullptr;

weir_status count_cancel(weir_conn* conn) {
  ++cancels;
  cancelled_conn = conn;
  return WEIR_OK;
}

class StatementCancellerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cancels = 0;
    cancelled_conn = nullptr;
    table.cancel = &count_cancel;
  }
  weir_plugin table{};
  weir_conn* conn = reinterpret_cast<weir_conn*>(&table);  // any non-null handle
};

TEST_F(StatementCancellerTest, ACancelReachesTheRequestItWasAskedForWhileItRuns) {
  StatementCanceller canceller(&table, conn);
  const auto request = canceller.start();
  canceller.cancel(request);
  EXPECT_EQ(cancels, 1);
  EXPECT_EQ(cancelled_conn, conn);
}

TEST_F(StatementCancellerTest, ACancelArrivingAfterItsRequestEndedIsDropped) {
  StatementCanceller canceller(&table, conn);
  const auto request = canceller.start();
  canceller.end();
  canceller.cancel(request);
  EXPECT_EQ(cancels, 0) << "the plugin would keep it for the transaction's next statement";
}

TEST_F(StatementCancellerTest, ACancelForOneStatementNeverStopsTheNextOnTheSameConnection) {
  StatementCanceller canceller(&table, conn);
  const auto first = canceller.start();
  const auto second = canceller.start();  // the next statement of the transaction
  canceller.cancel(first);
  EXPECT_EQ(cancels, 0);
  canceller.cancel(second);
  EXPECT_EQ(cancels, 1);
}

TEST_F(StatementCancellerTest, NoCancelReachesAConnectionLetGo) {
  StatementCanceller canceller(&table, conn);
  const auto request = canceller.start();
  canceller.let_go();
  canceller.cancel(request);
  EXPECT_EQ(cancels, 0);
}

}  // namespace
}  // namespace weir
