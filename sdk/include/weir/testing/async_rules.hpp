// What plugin.h asks of a request started with execute_async, as GoogleTest
// expectations on an AsyncOutcome (PluginLibrary's lease.execute_async): for
// the conformance suite and a plugin's own loop tests.
#pragma once

#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>

namespace weir::testing {

// How a request started with execute_async must end (plugin.h, weir_completion).
inline void expect_ended_by_the_rules(const AsyncOutcome& o) {
  EXPECT_FALSE(o.timed_out) << "complete never came";
  EXPECT_EQ(o.completions, o.started ? 1 : 0)
      << "complete comes exactly once after a start, never after a start that failed";
  EXPECT_FALSE(o.completed_inside) << "complete was called from inside execute_async";
  EXPECT_FALSE(o.completed_off_loop) << "complete was called off the loop's thread";
  EXPECT_EQ(o.watches_at_completion, 0u) << "a watch was still active at complete";
  EXPECT_EQ(o.timers_at_completion, 0u) << "a timer was still pending at complete";
}

// A request the plugin ran on the loop (not handed back to execute), ended by the rules.
inline void expect_ran_on_the_loop(const AsyncOutcome& o) {
  EXPECT_TRUE(o.started) << "execute_async did not start: " << o.message();
  EXPECT_FALSE(o.handed_back) << "handed back: " << o.message();
  expect_ended_by_the_rules(o);
}

}  // namespace weir::testing
