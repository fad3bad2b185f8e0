// The "connection" settings of one CSV database, fixed when the pool opens.
#pragma once

#include <filesystem>

namespace weir_csv {

struct CsvSettings {
  std::filesystem::path dir;  // the directory whose *.csv files are the tables
  char delimiter = ',';
};

}  // namespace weir_csv
