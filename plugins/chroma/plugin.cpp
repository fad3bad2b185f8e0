// The chroma plugin's entry: the driver description and its pool factory.
#include "chroma_factory.hpp"

#include <weir/sdk/plugin_export.hpp>

namespace weir::chroma {

struct ChromaDriver {
  static constexpr sdk::PluginInfo info{"chroma", "0.1.0",
                                        "ChromaDB vector store over its REST API v2 (libcurl)",
                                        WEIR_KIND_VECTOR, WEIR_CAP_CANCEL | WEIR_CAP_EXECUTE_ASYNC};
  static void validate(const sdk::OpenContext& context) {
    ChromaSettings::from(context.connection);
  }
  static std::unique_ptr<sdk::ConnectionFactory> open(const sdk::OpenContext& context) {
    return std::make_unique<ChromaFactory>(ChromaSettings::from(context.connection));
  }
};

}  // namespace weir::chroma

WEIR_EXPORT_PLUGIN(weir::chroma::ChromaDriver)
