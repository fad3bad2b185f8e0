#include "response_head.hpp"

namespace weir {

std::string response_head(const HttpResponse& response) {
  const auto reason = response.reason();
  std::size_t size = 32 + reason.size();
  for (const auto& field : response) size += field.name_string().size() + field.value().size() + 4;
  std::string head;
  head.reserve(size);
  const unsigned version = response.version();
  head += "HTTP/";
  head += static_cast<char>('0' + version / 10);
  head += '.';
  head += static_cast<char>('0' + version % 10);
  head += ' ';
  head += std::to_string(response.result_int());
  head += ' ';
  head.append(reason.data(), reason.size());
  head += "\r\n";
  for (const auto& field : response) {
    head.append(field.name_string().data(), field.name_string().size());
    head += ": ";
    head.append(field.value().data(), field.value().size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace weir
