// HTTPS for the test client: one TLS connection per call that trusts only the
// given CA file and checks that the certificate names 127.0.0.1, as
// `curl --cacert` would.
#pragma once

#include "http_client.hpp"

#include <filesystem>

namespace weir::testing {

HttpReply https_call(std::uint16_t port, const std::filesystem::path& ca_file,
                     boost::beast::http::verb method, const std::string& target,
                     const std::string& body = {},
                     const HttpHeaders& headers = {{"content-type", "application/json"}});
HttpReply https_get(std::uint16_t port, const std::filesystem::path& ca_file,
                    const std::string& target);

}  // namespace weir::testing
