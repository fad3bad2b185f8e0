#include "response_head.hpp"

namespace weir {

void write_response_head(const HttpResponse& response, std::string& head) {
  const auto reason = response.reason();
  std::size_t size = 32 + reason.size();
  for (const auto& field : response) size += field.name_string().size() + field.value().size() + 4;
  head.clear();
  head.reserve(size);
  const unsigned version = response.version();
  head += "HTTP/";
  head += static_cast<char>('0' + version / 10);
  head += '.';
  head += static_cast<char>('0' + version % 10);
  head += ' ';
  const unsigned status = response.result_int();  // three digits (RFC 9110)
  const char code[] = {static_cast<char>('0' + status / 100 % 10),
                       static_cast<char>('0' + status / 10 % 10),
                       static_cast<char>('0' + status % 10)};
  head.append(code, sizeof code);
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
}

}  // namespace weir
