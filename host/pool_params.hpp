// weir::PoolParams — a database's settings as the weir_pool_params that
// pool_open and validate_config read: the JSON text and the strings it
// points at live as long as this object.
#pragma once

#include <weir/plugin.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace weir {

class PoolParams {
 public:
  PoolParams(std::string database, const boost::json::object& settings, std::string data_dir)
      : database_(std::move(database)),
        json_(boost::json::serialize(settings)),
        data_dir_(std::move(data_dir)) {
    params_.struct_size = sizeof params_;
    params_.database = database_.c_str();
    params_.config_json = json_.data();
    params_.config_length = json_.size();
    params_.data_dir = data_dir_.c_str();
  }
  PoolParams(const PoolParams&) = delete;
  PoolParams& operator=(const PoolParams&) = delete;

  const weir_pool_params* get() const noexcept { return &params_; }

 private:
  std::string database_;
  std::string json_;
  std::string data_dir_;
  weir_pool_params params_{};
};

}  // namespace weir
