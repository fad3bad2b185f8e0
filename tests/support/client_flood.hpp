// Thousands of HTTP clients at once, each with one request in flight, driven
// from one thread: how the tests show that the gateway holds them on a fixed
// handful of threads. The gateway's threads and resident memory are sampled
// while they wait.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace weir::testing {

// The gateway's resident memory may reach this with 10,000 requests in flight: 100 MB
// (issue 13's bound; 70 MB measured in a debug build, about 5 KB per request: its HTTP
// session, the parsed request, the call's state). ASan's shadow memory and quarantine
// multiply what the sessions allocate; ThreadSanitizer's shadow grows with every byte
// touched.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr long kTenThousandInFlightRssBoundKb = 1L << 40;
#else
inline constexpr long kTenThousandInFlightRssBoundKb = 100 * 1024;
#endif

struct FloodReport {
  int ok = 0;      // answers `expected` accepted
  int failed = 0;  // the others, and clients that could not connect or send
  std::string first_failure;
  std::chrono::milliseconds took{};
  long peak_threads = 0;  // the gateway's, at most
  long peak_rss_kb = 0;
};

// A whole HTTP/1.1 POST of a JSON `body` to `target`, its deadline `timeout_ms`, that
// closes its connection after the answer: what each flood client sends.
std::string post_closing(const std::string& target, const std::string& body, int timeout_ms);

// Raises this process's open-file limit to its hard limit (a child started after inherits
// it) and returns how many files it may now open.
long raise_open_file_limit();

// `clients` connections to `port`, each sending `request` (whole, with Connection: close)
// and reading its answer to the end; `expected` judges each answer (status line included).
// Gives up after `patience`. Samples `gateway`'s /proc status every 50 ms meanwhile.
FloodReport flood(std::uint16_t port, const std::string& request, int clients,
                  const std::function<bool(const std::string& answer)>& expected, pid_t gateway,
                  std::chrono::seconds patience = std::chrono::seconds(120));

// A field of /proc/<pid>/status, e.g. "Threads" or "VmRSS" (in kB); -1 when absent.
long proc_status(pid_t pid, const std::string& field);

}  // namespace weir::testing
