// Bolt message signatures and versions shared by the client and the test server.
#pragma once

#include <cstdint>
#include <string>

namespace weir::neo4j::bolt {

enum Signature : std::uint8_t {
  kHello = 0x01,
  kGoodbye = 0x02,
  kReset = 0x0F,
  kRun = 0x10,
  kBegin = 0x11,
  kCommit = 0x12,
  kRollback = 0x13,
  kDiscard = 0x2F,
  kPull = 0x3F,
  kTelemetry = 0x54,
  kRoute = 0x66,
  kLogon = 0x6A,
  kLogoff = 0x6B,
  kSuccess = 0x70,
  kRecord = 0x71,
  kIgnored = 0x7E,
  kFailure = 0x7F,
};

// "HELLO", "RUN", ...; "0xNN" for anything else.
std::string message_name(std::uint8_t signature);
// The inverse; 0 when unknown.
std::uint8_t message_signature(const std::string& name);

struct Version {
  int major = 0;
  int minor = 0;
  bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool operator==(const Version&) const = default;
};

inline constexpr char kMagic[] = "\x60\x60\xB0\x17";

}  // namespace weir::neo4j::bolt
