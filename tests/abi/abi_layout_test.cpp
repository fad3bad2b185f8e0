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
TEST(AbiLayout, PluginTableV2AppendsValidateConfig) {
  EXPECT_EQ(WEIR_ABI_VERSION, WEIR_ABI_VERSION_2);
  EXPECT_EQ(sizeof(weir_plugin), WEIR_PLUGIN_V1_SIZE + sizeof(void*));
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

TEST(AbiLayout, PoolStatsV1IsFrozen) {
  EXPECT_EQ(sizeof(weir_pool_stats), WEIR_POOL_STATS_V1_SIZE);
  EXPECT_EQ(offsetof(weir_pool_stats, acquired), 40u);
  EXPECT_EQ(offsetof(weir_pool_stats, wait_mean_us), 120u);
}

TEST(AbiLayout, SmallStructsV1AreFrozen) {
  EXPECT_EQ(sizeof(weir_host), 32u);
  EXPECT_EQ(sizeof(weir_value_writer), 112u);
  EXPECT_EQ(sizeof(weir_pool_params), 40u);
  EXPECT_EQ(sizeof(weir_acquire_options), 24u);
  EXPECT_EQ(sizeof(weir_exec_options), 12u);
  EXPECT_EQ(sizeof(weir_health), 264u);
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
