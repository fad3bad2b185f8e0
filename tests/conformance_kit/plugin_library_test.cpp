// What the test loader (weir::testing::PluginLibrary) reports for each
// rejected-plugin fixture: the same reasons as the host's loader, so an
// operator reads the same words whichever tool refused a plugin.
#include <weir/testing/plugin_library.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using weir::testing::LoadError;
using weir::testing::LoadFailure;
using weir::testing::PluginLibrary;

std::string fixture(const std::string& name) {
  return std::string(WEIR_TEST_PLUGIN_DIR) + "/" + name;
}

// Loads `path`, expecting refusal; returns the error.
LoadError refusal(const std::string& path, std::uint32_t offer = WEIR_ABI_VERSION) {
  try {
    PluginLibrary library(path, offer);
  } catch (const LoadError& error) {
    return error;
  }
  ADD_FAILURE() << path << " loaded, but should have been refused";
  return LoadError(LoadFailure::kCannotLoad, "");
}

TEST(PluginLibrary, TextFileNamedLikeAPluginCannotLoad) {
  const auto error = refusal(fixture("not_a_plugin.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kCannotLoad);
  EXPECT_EQ(std::string(error.what()),
            "not a shared library (" + fixture("not_a_plugin.so") +
                ": invalid ELF header): remove it from the plugin directory, or replace it with "
                "a built plugin");
}

// dlerror's words as glibc says them, for failures a fixture cannot stage portably.
TEST(PluginLibrary, LoaderComplaintsBecomeActionableReasons) {
  EXPECT_EQ(
      weir::sdk::explain_load_failure(
          "/p/x.so", "libfoo.so.1: cannot open shared object file: No such file or directory"),
      "it needs libfoo.so.1, which the system cannot find: install the package that "
      "provides it (or add its directory to LD_LIBRARY_PATH)");
  EXPECT_EQ(weir::sdk::explain_load_failure("/p/x.so", "/p/x.so: undefined symbol: PQpipelineSync"),
            "it needs the symbol PQpipelineSync, which no loaded library provides: it was built "
            "against other library versions; rebuild it against the installed ones");
  EXPECT_EQ(
      weir::sdk::explain_load_failure("/p/x.so", "/p/x.so: wrong ELF class: ELFCLASS32"),
      "built for another machine or architecture (/p/x.so: wrong ELF class: ELFCLASS32): rebuild "
      "the plugin for this one");
  EXPECT_EQ(weir::sdk::explain_load_failure("/p/x.so", "/p/x.so: file too short"),
            "not a shared library (/p/x.so: file too short): remove it from the plugin "
            "directory, or replace it with a built plugin");
}

TEST(PluginLibrary, MissingFileCannotLoad) {
  const auto error = refusal(fixture("absent.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kCannotLoad);
  EXPECT_EQ(std::string(error.what()),
            "cannot be loaded as a shared library: " + fixture("absent.so") +
                ": cannot open shared object file: No such file or directory");
}

TEST(PluginLibrary, LibraryWithoutTheEntrySymbolIsRefused) {
  const auto error = refusal(fixture("no_entry_symbol.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kNoEntrySymbol);
  EXPECT_STREQ(error.what(),
               "not a weir plugin: it does not export the entry symbol weir_plugin_entry");
}

TEST(PluginLibrary, EntryAnsweringAbiErrorIsRefusedWithItsReason) {
  const auto error = refusal(fixture("entry_returns_abi_error.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kNoCommonAbi);
  EXPECT_STREQ(error.what(),
               "no ABI version in common with this host (which speaks version 2): this fixture "
               "implements ABI version 99 only");
}

TEST(PluginLibrary, AnswerNewerThanTheOfferIsRefused) {
  const auto error = refusal(fixture("answers_newer_abi.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kAbiNewerThanOffer);
  EXPECT_STREQ(error.what(),
               "it answered ABI version 3 but this host offered version 2 (a plugin must answer a "
               "version no newer than the offer)");
}

TEST(PluginLibrary, NullRequiredSlotIsRefusedNamingIt) {
  const auto error = refusal(fixture("missing_required_slot.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kMissingRequiredSlot);
  EXPECT_STREQ(error.what(), "its function table lacks the required function execute");
}

TEST(PluginLibrary, EntryErrorIsRefusedWithStatusAndMessage) {
  const auto error = refusal(fixture("entry_returns_error.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kEntryFailed);
  EXPECT_STREQ(error.what(), "its entry function failed with status 15: fixture: cannot start");
}

TEST(PluginLibrary, CDriverWithoutARequiredCallbackIsRefusedNamingIt) {
  const auto error = refusal(fixture("c_driver_lacks_execute.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kEntryFailed);
  EXPECT_STREQ(error.what(),
               "its entry function failed with status 15: the plugin's weir_sdk_driver lacks "
               "execute");
}

TEST(PluginLibrary, CDriverDeclaringCancelWithoutTheCallbackIsRefused) {
  const auto error = refusal(fixture("c_driver_lacks_cancel.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kEntryFailed);
  EXPECT_STREQ(error.what(),
               "its entry function failed with status 15: the plugin's weir_sdk_driver lacks "
               "cancel (it declares WEIR_CAP_CANCEL)");
}

TEST(PluginLibrary, NameOutsideTheAllowedAlphabetIsRefused) {
  const auto error = refusal(fixture("bad_plugin_name.so"));
  EXPECT_EQ(error.failure(), LoadFailure::kBadDescription);
  EXPECT_STREQ(error.what(), "its name is missing or not of the form [a-z0-9_]+");
}

#ifdef WEIR_SQLITE_PLUGIN
TEST(PluginLibrary, RealPluginLoadsWithItsDescription) {
  const PluginLibrary library(WEIR_SQLITE_PLUGIN);
  EXPECT_STREQ(library.table().name, "sqlite");
  EXPECT_EQ(library.table().abi_version, WEIR_ABI_VERSION);
  EXPECT_EQ(library.table().kind, WEIR_KIND_SQL);
}

TEST(PluginLibrary, RealPluginRefusesOfferZeroWithItsOwnReason) {
  const auto error = refusal(WEIR_SQLITE_PLUGIN, 0);
  EXPECT_EQ(error.failure(), LoadFailure::kNoCommonAbi);
  EXPECT_STREQ(error.what(),
               "no ABI version in common with this host (which speaks version 0): host offers ABI "
               "version 0; this plugin needs version 1 or newer");
}
#endif

}  // namespace
