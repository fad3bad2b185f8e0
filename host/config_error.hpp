// weir::ConfigError — a configuration the gateway refuses: the message names
// the field and says what would be valid. Its own header so that the parts
// the config is made of (TLS, workspace, databases) can throw it without
// depending on the config as a whole.
#pragma once

#include <stdexcept>

namespace weir {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace weir
