// Frozen layouts of ABI version 1. If one of these fails, a released struct
// changed shape and every v1 plugin in the field would break: append fields
// at the end instead, and add a WEIR_*_V2_SIZE.
#include <weir/plugin.h>

#include <gtest/gtest.h>

#include <cstddef>

namespace {

TEST(AbiLayout, PluginTableV1IsFrozen) {
  // Later versions append after the last v1 slot; the v1 part never moves.
  EXPECT_EQ(offsetof(weir_plugin, validate_config), WEIR_PLUGIN_V1_SIZE);
  EXPECT_EQ(offsetof(weir_plugin, struct_size), 0u);
  EXPECT_EQ(offsetof(weir_plugin, abi_version), 4u);
  EXPECT_EQ(offsetof(weir_plugin, name), 8u);
  EXPECT_EQ(offsetof(weir_plugin, capabilities), 40u);
  EXPECT_EQ(offsetof(weir_plugin, pool_open), 48u);
  EXPECT_EQ(offsetof(weir_plugin, execute), 120u);
  EXPECT_EQ(offsetof(weir_plugin, cancel), 152u);
}

// Version 2 is still open for appends (not frozen): this only pins what it has so far.
TEST(AbiLayout, PluginTableV2AppendsValidateConfigExecuteAsyncAndTheLoopsLeases) {
  EXPECT_EQ(WEIR_ABI_VERSION, WEIR_ABI_VERSION_2);
  EXPECT_EQ(offsetof(weir_plugin, validate_config), WEIR_PLUGIN_V1_SIZE);
  EXPECT_EQ(offsetof(weir_plugin, execute_async), WEIR_PLUGIN_V1_SIZE + sizeof(void*));
  EXPECT_EQ(offsetof(weir_plugin, acquire_ready), WEIR_PLUGIN_V1_SIZE + 2 * sizeof(void*));
  EXPECT_EQ(offsetof(weir_plugin, release_ready), WEIR_PLUGIN_V1_SIZE + 3 * sizeof(void*));
  EXPECT_EQ(offsetof(weir_plugin, acquire_queued), WEIR_PLUGIN_V1_SIZE + 4 * sizeof(void*));
  EXPECT_EQ(sizeof(weir_plugin), WEIR_PLUGIN_V1_SIZE + 5 * sizeof(void*));
}

// Version 2 appends the event loop services after log; a v1 host's struct ends before them.
TEST(AbiLayout, HostV2AppendsTheLoopServices) {
  EXPECT_EQ(offsetof(weir_host, watch_add), WEIR_HOST_V1_SIZE);
  EXPECT_EQ(offsetof(weir_host, post), WEIR_HOST_V1_SIZE + 5 * sizeof(void*));
  EXPECT_EQ(sizeof(weir_host), WEIR_HOST_V1_SIZE + 6 * sizeof(void*));
}

TEST(AbiLayout, ErrorV1IsFrozen) {
  EXPECT_EQ(offsetof(weir_error, code), 12u);
  EXPECT_EQ(offsetof(weir_error, message), 76u);
  EXPECT_EQ(offsetof(weir_error, detail), 1100u);
}

// Version 2 appends retryable_decided; a v1 plugin writes nothing past the v1 size.
TEST(AbiLayout, ErrorV2AppendsTheRetryableVerdict) {
  EXPECT_EQ(offsetof(weir_error, retryable_decided), WEIR_ERROR_V1_SIZE);
  EXPECT_EQ(sizeof(weir_error), WEIR_ERROR_V1_SIZE + sizeof(int32_t));
}

// Version 2 appends deadline_ms; a plugin reads it only when struct_size covers it.
TEST(AbiLayout, AcquireOptionsV2AppendsTheDeadline) {
  EXPECT_EQ(offsetof(weir_acquire_options, timeout_ms), 4u);
  EXPECT_EQ(offsetof(weir_acquire_options, client_id), 8u);
  EXPECT_EQ(offsetof(weir_acquire_options, tag), 16u);
  EXPECT_EQ(offsetof(weir_acquire_options, deadline_ms), WEIR_ACQUIRE_OPTIONS_V1_SIZE);
}

TEST(AbiLayout, PoolStatsV1IsFrozen) {
  EXPECT_EQ(sizeof(weir_pool_stats), WEIR_POOL_STATS_V1_SIZE);
  EXPECT_EQ(offsetof(weir_pool_stats, acquired), 40u);
  EXPECT_EQ(offsetof(weir_pool_stats, wait_mean_us), 120u);
}

// The header names every v1 size; the numbers are the frozen ones, written
// out here so that changing a macro along with its struct still fails. Structs
// that v2 did not extend are still exactly their v1 size.
TEST(AbiLayout, EveryV1SizeIsNamedAndFrozen) {
  struct Frozen {
    const char* name;
    std::size_t named;
    std::size_t number;
    std::size_t now;  // sizeof today; 0 where v2 appended fields
  };
  const Frozen frozen[] = {
      {"weir_plugin", WEIR_PLUGIN_V1_SIZE, 160, 0},
      {"weir_error", WEIR_ERROR_V1_SIZE, 2124, 0},
      {"weir_pool_stats", WEIR_POOL_STATS_V1_SIZE, 160, sizeof(weir_pool_stats)},
      {"weir_host", WEIR_HOST_V1_SIZE, 32, 0},
      {"weir_value_writer", WEIR_VALUE_WRITER_V1_SIZE, 112, sizeof(weir_value_writer)},
      {"weir_pool_params", WEIR_POOL_PARAMS_V1_SIZE, 40, sizeof(weir_pool_params)},
      {"weir_acquire_options", WEIR_ACQUIRE_OPTIONS_V1_SIZE, 24, 0},
      {"weir_health", WEIR_HEALTH_V1_SIZE, 264, sizeof(weir_health)},
      {"weir_exec_options", WEIR_EXEC_OPTIONS_V1_SIZE, 12, sizeof(weir_exec_options)},
  };
  for (const auto& f : frozen) {
    EXPECT_EQ(f.named, f.number) << f.name;
    if (f.now != 0) {
      EXPECT_EQ(f.now, f.named) << f.name;
    }
  }
}

TEST(AbiLayout, StatusCodesAreNeverRenumbered) {
  EXPECT_EQ(WEIR_OK, 0);
  EXPECT_EQ(WEIR_E_INVALID_REQUEST, 3);
  EXPECT_EQ(WEIR_E_UNAVAILABLE, 8);
  EXPECT_EQ(WEIR_E_EXHAUSTED, 9);
  EXPECT_EQ(WEIR_E_TIMEOUT, 10);
  EXPECT_EQ(WEIR_E_BROKEN, 12);
  EXPECT_EQ(WEIR_E_CLOSED, 18);
}

}  // namespace
