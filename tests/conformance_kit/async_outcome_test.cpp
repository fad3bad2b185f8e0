// The kit's loop (weir::testing::TestLoop) and what LeaseHandle::execute_async
// reports, against hand-made execute_async functions that keep or break
// plugin.h's rules: the conformance suite's async checks can only fail a
// plugin if these reports see each breach.
#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <thread>

namespace {

using weir::testing::AsyncOutcome;
using weir::testing::LeaseHandle;
using weir::testing::TestLoop;
using namespace std::chrono_literals;

// The host a hand-made plugin calls: TestLoop's services.
const weir_host& host() {
  static const weir_host lent = [] {
    weir_host h{};
    h.struct_size = sizeof h;
    TestLoop::lend_to(h);
    return h;
  }();
  return lent;
}

void write_answer(weir_value_writer* result) {
  result->begin_object(result->host_data);
  result->key(result->host_data, "answer", 6);
  result->int64_value(result->host_data, 42);
  result->end_object(result->host_data);
}

// What a request of a hand-made plugin keeps until it completes.
struct Request {
  weir_value_writer* result;
  const weir_completion* done;
};

// Completes from a timer, as a plugin waiting on its backend would.
weir_status completes_later(weir_conn*, weir_loop* loop, const char*, std::size_t,
                            const weir_exec_options*, weir_value_writer* result,
                            const weir_completion* done, weir_error*) {
  const auto fire = [](void* data) {
    const auto* r = static_cast<Request*>(data);
    write_answer(r->result);
    r->done->complete(r->done->host_data, WEIR_OK, nullptr);
    delete r;
  };
  host().timer_start(loop, 1, fire, new Request{result, done});
  return WEIR_OK;
}

weir_status completes_inside(weir_conn*, weir_loop*, const char*, std::size_t,
                             const weir_exec_options*, weir_value_writer*,
                             const weir_completion* done, weir_error*) {
  done->complete(done->host_data, WEIR_OK, nullptr);
  return WEIR_OK;
}

// Completes, and again from a task it posted before.
weir_status completes_twice(weir_conn*, weir_loop* loop, const char*, std::size_t,
                            const weir_exec_options*, weir_value_writer*,
                            const weir_completion* done, weir_error*) {
  const auto complete = [](void* data) {
    const auto* d = static_cast<const weir_completion*>(data);
    d->complete(d->host_data, WEIR_OK, nullptr);
  };
  host().post(loop, complete, const_cast<weir_completion*>(done));
  host().post(loop, complete, const_cast<weir_completion*>(done));
  return WEIR_OK;
}

// Completes with a timer still pending and a watch still active.
weir_status leaves_things_running(weir_conn*, weir_loop* loop, const char*, std::size_t,
                                  const weir_exec_options*, weir_value_writer*,
                                  const weir_completion* done, weir_error*) {
  // A pipe nobody writes to (kept open for the test process).
  static const int never_ready = [] {
    int fds[2] = {-1, -1};
    return ::pipe(fds) == 0 ? fds[0] : -1;
  }();
  host().watch_add(
      loop, never_ready, WEIR_WATCH_READ, [](void*, std::uint32_t) {}, nullptr);
  host().timer_start(
      loop, 60000, [](void*) {}, nullptr);
  host().post(
      loop,
      [](void* data) {
        const auto* d = static_cast<const weir_completion*>(data);
        d->complete(d->host_data, WEIR_OK, nullptr);
      },
      const_cast<weir_completion*>(done));
  return WEIR_OK;
}

// Completes from a thread of its own.
weir_status completes_off_the_loop(weir_conn*, weir_loop*, const char*, std::size_t,
                                   const weir_exec_options*, weir_value_writer*,
                                   const weir_completion* done, weir_error*) {
  std::thread([done] {
    std::this_thread::sleep_for(5ms);
    done->complete(done->host_data, WEIR_OK, nullptr);
  }).detach();
  return WEIR_OK;
}

weir_status never_completes(weir_conn*, weir_loop*, const char*, std::size_t,
                            const weir_exec_options*, weir_value_writer*, const weir_completion*,
                            weir_error*) {
  return WEIR_OK;
}

weir_status hands_back(weir_conn*, weir_loop*, const char*, std::size_t, const weir_exec_options*,
                       weir_value_writer*, const weir_completion*, weir_error* error) {
  error->status = WEIR_E_WOULD_BLOCK;
  return WEIR_E_WOULD_BLOCK;
}

// execute: the answer, at once (what a request handed back runs).
weir_status executes(weir_conn*, const char*, std::size_t, const weir_exec_options*,
                     weir_value_writer* result, weir_error*) {
  write_answer(result);
  return WEIR_OK;
}

AsyncOutcome run(decltype(weir_plugin::execute_async) execute_async,
                 std::chrono::milliseconds budget = 5s) {
  weir_plugin plugin{};
  plugin.struct_size = sizeof plugin;
  plugin.execute = executes;
  plugin.execute_async = execute_async;
  plugin.release = [](weir_pool*, weir_conn*, std::uint32_t) {};  // a lease over no pool
  TestLoop loop;
  const LeaseHandle lease(&plugin, nullptr, reinterpret_cast<weir_conn*>(&plugin));
  return lease.execute_async(loop, R"({"op": "answer"})", 0, 0, budget);
}

TEST(AsyncOutcome, ARequestThatKeepsTheRulesEndsByThem) {
  const auto o = run(completes_later);
  EXPECT_TRUE(o.ok()) << o.message();
  EXPECT_TRUE(o.started);
  EXPECT_FALSE(o.handed_back);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.completions, 1);
  EXPECT_FALSE(o.completed_inside);
  EXPECT_FALSE(o.completed_off_loop);
  EXPECT_EQ(o.watches_at_completion, 0u);
  EXPECT_EQ(o.timers_at_completion, 0u);
  EXPECT_EQ(o.value, (boost::json::value{{"answer", 42}}));
}

TEST(AsyncOutcome, EachBreachIsSeen) {
  EXPECT_TRUE(run(completes_inside).completed_inside);
  EXPECT_EQ(run(completes_twice).completions, 2);
  const auto left = run(leaves_things_running);
  EXPECT_EQ(left.watches_at_completion, 1u);
  EXPECT_EQ(left.timers_at_completion, 1u);
  EXPECT_TRUE(run(completes_off_the_loop).completed_off_loop);
}

TEST(AsyncOutcome, ARequestThatNeverCompletesTimesOut) {
  const auto o = run(never_completes, 50ms);
  EXPECT_TRUE(o.started);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.completions, 0);
}

TEST(AsyncOutcome, ARequestHandedBackRunsThroughExecute) {
  const auto o = run(hands_back);
  EXPECT_FALSE(o.started);
  EXPECT_TRUE(o.handed_back);
  EXPECT_EQ(o.completions, 0);
  EXPECT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(o.value, (boost::json::value{{"answer", 42}}));
}

TEST(TestLoop, RunsWatchesTimersAndPostsOnItsThread) {
  TestLoop loop;
  weir_host h = host();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int reads = 0;
  weir_watch* watch = h.watch_add(
      loop.get(), fds[0], WEIR_WATCH_READ,
      [](void* data, std::uint32_t) { ++*static_cast<int*>(data); }, &reads);
  ASSERT_NE(watch, nullptr);
  EXPECT_FALSE(loop.run_until([&] { return reads > 0; }, 20ms)) << "ready with nothing to read";
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  EXPECT_TRUE(loop.run_until([&] { return reads > 0; }, 1s));
  h.watch_set(watch, 0);  // paused: the unread byte no longer counts
  reads = 0;
  loop.run_for(20ms);
  EXPECT_EQ(reads, 0);
  EXPECT_EQ(loop.active_watches(), 0u);
  h.watch_remove(watch);

  int fired = 0;
  const auto count = [](void* data) { ++*static_cast<int*>(data); };
  h.timer_start(loop.get(), 10, count, &fired);
  h.timer_cancel(h.timer_start(loop.get(), 10, count, &fired));
  EXPECT_EQ(loop.pending_timers(), 1u);
  loop.run_for(50ms);
  EXPECT_EQ(fired, 1) << "the timer fires once; the cancelled one never";
  EXPECT_EQ(loop.pending_timers(), 0u);

  std::thread::id ran_on;
  std::thread([&] {
    h.post(
        loop.get(),
        [](void* data) { *static_cast<std::thread::id*>(data) = std::this_thread::get_id(); },
        &ran_on);
  }).join();
  EXPECT_TRUE(loop.run_until([&] { return ran_on != std::thread::id(); }, 1s));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
