#include "metrics.hpp"

#include <charconv>

namespace weir {

namespace {

double seconds(Metrics::Duration d) { return std::chrono::duration<double>(d).count(); }

std::string number(double v) {
  char buffer[32];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, r.ptr);
}

}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Histogram::observe(double s) noexcept {
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (s <= kBounds[i]) ++buckets_[i];
  }
  ++count_;
  sum_ += s;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    out += name + "_bucket{" + labels + sep + "le=\"" + number(kBounds[i]) + "\"} " +
           std::to_string(buckets_[i]) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + number(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::record_request(const std::string& database, const std::string& operation,
                             const std::string& code, Duration latency) {
  std::lock_guard lock(mutex_);
  ++requests_[{database, operation, code}];
  latency_[{database, operation}].observe(seconds(latency));
}

void Metrics::record_queue_wait(const std::string& database, Duration wait) {
  std::lock_guard lock(mutex_);
  queue_wait_[database].observe(seconds(wait));
}

void Metrics::render(std::string& out, const DatabaseFilter& shown) const {
  std::lock_guard lock(mutex_);
  out +=
      "# HELP weir_requests_total Database requests by outcome (\"ok\" or the error code "
      "returned).\n"
      "# TYPE weir_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [database, operation, code] = key;
    if (!shown(database)) continue;
    out += "weir_requests_total{database=\"" + prometheus_label(database) + "\",operation=\"" +
           operation + "\",code=\"" + code + "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP weir_request_duration_seconds Time from receiving a database request to its "
      "response.\n"
      "# TYPE weir_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : latency_) {
    if (!shown(key.first)) continue;
    histogram.render(
        out, "weir_request_duration_seconds",
        "database=\"" + prometheus_label(key.first) + "\",operation=\"" + key.second + "\"");
  }
  out +=
      "# HELP weir_queue_wait_seconds Time requests waited in a database's admission queue.\n"
      "# TYPE weir_queue_wait_seconds histogram\n";
  for (const auto& [database, histogram] : queue_wait_) {
    if (!shown(database)) continue;
    histogram.render(out, "weir_queue_wait_seconds",
                     "database=\"" + prometheus_label(database) + "\"");
  }
}

}  // namespace weir
