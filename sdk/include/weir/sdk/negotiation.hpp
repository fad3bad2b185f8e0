// weir::sdk::negotiate — the host side of the entry handshake, shared by the
// weir host's loader and the conformance kit's loader so both refuse the
// same plugins with the same words: call the entry offering an ABI version,
// then check the answer (version no newer than the offer, a valid name, a
// version string, every required slot). How the library is opened and the
// entry symbol found is the caller's business.
#pragma once

#include <weir/plugin.h>

#include <optional>
#include <string>

namespace weir::sdk {

enum class LoadFailure {
  kCannotLoad,     // the library could not be opened: not a shared library, missing dependency, ...
  kNoEntrySymbol,  // weir_plugin_entry is not exported
  kNoCommonAbi,    // the entry returned WEIR_E_ABI
  kEntryFailed,    // the entry returned another error
  kAbiNewerThanOffer,    // the plugin answered a version the host did not offer (or 0)
  kMissingRequiredSlot,  // pool_open, pool_close, acquire, release or execute is NULL
  kBadDescription,       // name not [a-z0-9_]+, or version empty
};

struct Refusal {
  LoadFailure failure;
  std::string reason;  // for humans, e.g. "its function table lacks the required function execute"
};

// The reason a loader gives for a library without the entry symbol.
inline Refusal missing_entry_refusal() {
  return {LoadFailure::kNoEntrySymbol,
          "not a weir plugin: it does not export the entry symbol " WEIR_ENTRY_SYMBOL};
}

inline bool is_valid_plugin_name(const char* name) noexcept {
  if (name == nullptr || *name == '\0') return false;
  for (const char* c = name; *c != '\0'; ++c) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
  }
  return true;
}

// Fills `table` (zeroed and sized here) through `entry`; nullopt when the plugin is usable.
inline std::optional<Refusal> negotiate(weir_plugin_entry_fn entry, std::uint32_t offered_abi,
                                        const weir_host* host, weir_plugin& table) {
  table = weir_plugin{};
  table.struct_size = sizeof(weir_plugin);
  weir_error error{};
  error.struct_size = sizeof(weir_error);
  const weir_status status = entry(offered_abi, host, &table, &error);
  if (status != WEIR_OK) {
    const bool abi = status == WEIR_E_ABI;
    std::string reason = abi ? "no ABI version in common with this host (which speaks version " +
                                   std::to_string(offered_abi) + ")"
                             : "its entry function failed with status " + std::to_string(status);
    if (error.message[0] != '\0') reason += ": " + std::string(error.message);
    return Refusal{abi ? LoadFailure::kNoCommonAbi : LoadFailure::kEntryFailed, reason};
  }
  if (table.abi_version == 0 || table.abi_version > offered_abi) {
    return Refusal{LoadFailure::kAbiNewerThanOffer,
                   "it answered ABI version " + std::to_string(table.abi_version) +
                       " but this host offered version " + std::to_string(offered_abi) +
                       " (a plugin must answer a version no newer than the offer)"};
  }
  if (!is_valid_plugin_name(table.name)) {
    return Refusal{LoadFailure::kBadDescription,
                   "its name is missing or not of the form [a-z0-9_]+"};
  }
  if (table.version == nullptr || *table.version == '\0') {
    return Refusal{LoadFailure::kBadDescription, "it does not state its version"};
  }
  const std::pair<const char*, bool> required[] = {{"pool_open", table.pool_open != nullptr},
                                                   {"pool_close", table.pool_close != nullptr},
                                                   {"acquire", table.acquire != nullptr},
                                                   {"release", table.release != nullptr},
                                                   {"execute", table.execute != nullptr}};
  for (const auto& [slot, present] : required) {
    if (!present) {
      return Refusal{LoadFailure::kMissingRequiredSlot,
                     std::string("its function table lacks the required function ") + slot};
    }
  }
  return std::nullopt;
}

}  // namespace weir::sdk
