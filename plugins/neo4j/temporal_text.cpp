#include "temporal_text.hpp"

#include <charconv>
#include <cstdio>

namespace weir::neo4j::temporal {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// A small cursor over text with exact-width number reads.
struct Cursor {
  std::string_view s;
  bool eat(char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
  }
  std::optional<std::int64_t> digits(std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < s.size() && n < max && s[n] >= '0' && s[n] <= '9') ++n;
    if (n < min) return std::nullopt;
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + n, v);
    s.remove_prefix(n);
    return v;
  }
  // ".nnn" as nanoseconds (1 to 9 digits), 0 when absent.
  std::optional<std::int64_t> fraction() {
    if (!eat('.')) return 0;
    const auto before = s.size();
    auto v = digits(1, 9);
    if (!v) return std::nullopt;
    for (auto n = before - s.size(); n < 9; ++n) *v *= 10;
    return v;
  }
};

std::string two(std::int64_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02lld", static_cast<long long>(v));
  return b;
}

// ".789" for 789,000,000 ns: no trailing zeros, none at all for whole seconds.
std::string nanos_suffix(std::int64_t nanos) {
  if (nanos == 0) return "";
  char b[16];
  int n = std::snprintf(b, sizeof b, ".%09lld", static_cast<long long>(nanos));
  while (b[n - 1] == '0') --n;
  return std::string(b, static_cast<std::size_t>(n));
}

std::optional<std::int64_t> parse_date_at(Cursor& c) {
  const bool negative = c.eat('-');
  if (!negative) c.eat('+');
  const auto y = c.digits(4, 9);
  if (!y || !c.eat('-')) return std::nullopt;
  const auto m = c.digits(2, 2);
  if (!m || *m < 1 || *m > 12 || !c.eat('-')) return std::nullopt;
  const auto d = c.digits(2, 2);
  if (!d || *d < 1 || *d > 31) return std::nullopt;
  const std::int64_t year = negative ? -*y : *y;
  const auto days = days_from_civil(year, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
  // Refuse dates such as 2023-02-30 instead of silently rolling over.
  std::int64_t yy;
  unsigned mm, dd;
  civil_from_days(days, yy, mm, dd);
  if (yy != year || mm != *m || dd != *d) return std::nullopt;
  return days;
}

std::optional<std::int64_t> parse_time_at(Cursor& c) {
  const auto h = c.digits(2, 2);
  if (!h || *h > 23 || !c.eat(':')) return std::nullopt;
  const auto m = c.digits(2, 2);
  if (!m || *m > 59) return std::nullopt;
  std::int64_t sec = 0;
  if (c.eat(':')) {
    const auto s = c.digits(2, 2);
    if (!s || *s > 59) return std::nullopt;
    sec = *s;
  }
  const auto f = c.fraction();
  if (!f) return std::nullopt;
  return ((*h * 60 + *m) * 60 + sec) * kNanosPerSecond + *f;
}

}  // namespace

std::string format_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char b[40];
  if (y >= 0 && y <= 9999) {
    std::snprintf(b, sizeof b, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  } else {
    std::snprintf(b, sizeof b, "%+05lld-%02u-%02u", static_cast<long long>(y), m, d);
  }
  return b;
}

std::optional<std::int64_t> parse_date(std::string_view text) {
  Cursor c{text};
  auto v = parse_date_at(c);
  return v && c.s.empty() ? v : std::nullopt;
}

std::string format_time(std::int64_t nanos_of_day) {
  const std::int64_t s = nanos_of_day / kNanosPerSecond;
  return two(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60) +
         nanos_suffix(nanos_of_day % kNanosPerSecond);
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  Cursor c{text};
  auto v = parse_time_at(c);
  return v && c.s.empty() ? v : std::nullopt;
}

std::string format_offset(std::int64_t seconds, bool zero_as_z) {
  if (seconds == 0 && zero_as_z) return "Z";
  const char sign = seconds < 0 ? '-' : '+';
  const std::int64_t a = seconds < 0 ? -seconds : seconds;
  std::string out = sign + two(a / 3600) + ":" + two(a / 60 % 60);
  if (a % 60 != 0) out += ":" + two(a % 60);
  return out;
}

std::optional<std::int64_t> parse_offset(std::string_view text) {
  Cursor c{text};
  if (c.eat('Z')) return c.s.empty() ? std::optional<std::int64_t>(0) : std::nullopt;
  const bool negative = c.eat('-');
  if (!negative && !c.eat('+')) return std::nullopt;
  const auto h = c.digits(2, 2);
  if (!h || *h > 18 || !c.eat(':')) return std::nullopt;
  const auto m = c.digits(2, 2);
  if (!m || *m > 59) return std::nullopt;
  std::int64_t s = 0;
  if (c.eat(':')) {
    const auto sec = c.digits(2, 2);
    if (!sec || *sec > 59) return std::nullopt;
    s = *sec;
  }
  if (!c.s.empty()) return std::nullopt;
  const std::int64_t total = *h * 3600 + *m * 60 + s;
  return negative ? -total : total;
}

std::string format_local_datetime(std::int64_t seconds, std::int64_t nanos) {
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const std::int64_t rest = seconds - days * kSecondsPerDay;
  return format_date(days) + "T" + format_time(rest * kNanosPerSecond + nanos);
}

std::optional<LocalDateTime> parse_local_datetime(std::string_view text) {
  Cursor c{text};
  const auto days = parse_date_at(c);
  if (!days || !c.eat('T')) return std::nullopt;
  const auto t = parse_time_at(c);
  if (!t || !c.s.empty()) return std::nullopt;
  return LocalDateTime{*days * kSecondsPerDay + *t / kNanosPerSecond, *t % kNanosPerSecond};
}

std::optional<ZonedText> split_zone(std::string_view text) {
  ZonedText out;
  if (!text.empty() && text.back() == ']') {
    const auto open = text.rfind('[');
    if (open == std::string_view::npos || open + 2 >= text.size()) return std::nullopt;
    out.zone = text.substr(open + 1, text.size() - open - 2);
    text = text.substr(0, open);
  }
  // The offset starts at the last 'Z', '+' or '-' after the time's 'T'.
  const auto t = text.find('T');
  if (t == std::string_view::npos) return std::nullopt;
  const auto mark = text.find_first_of("Z+-", t);
  out.local = text.substr(0, mark);
  if (mark != std::string_view::npos) {
    out.z = text[mark] == 'Z';
    out.offset = parse_offset(text.substr(mark));
    if (!out.offset) return std::nullopt;
  }
  return out;
}

std::string format_duration(const Duration& d) {
  // Seconds and nanoseconds print as one signed decimal: -1 s + 5e8 ns is "-0.5".
  // Bolt keeps 0 <= nanos < 1e9 and the sign in seconds.
  const bool negative = d.seconds < 0;
  std::uint64_t whole = negative ? static_cast<std::uint64_t>(-(d.seconds + 1))
                                 : static_cast<std::uint64_t>(d.seconds);
  std::int64_t frac = d.nanos;
  if (negative && frac == 0)
    whole += 1;
  else if (negative)
    frac = kNanosPerSecond - frac;
  return "P" + std::to_string(d.months) + "M" + std::to_string(d.days) + "DT" +
         (negative ? "-" : "") + std::to_string(whole) + nanos_suffix(frac) + "S";
}

std::optional<Duration> parse_duration(std::string_view text) {
  Cursor c{text};
  if (!c.eat('P') || c.s.empty()) return std::nullopt;
  Duration d;
  bool time = false;
  while (!c.s.empty()) {
    if (!time && c.eat('T')) {
      time = true;
      if (c.s.empty()) return std::nullopt;
      continue;
    }
    const bool negative = c.eat('-');
    const auto n = c.digits(1, 18);
    if (!n) return std::nullopt;
    const std::int64_t v = negative ? -*n : *n;
    std::int64_t frac = 0;
    if (!c.s.empty() && c.s.front() == '.') {
      const auto f = c.fraction();
      if (!f || c.s.empty() || c.s.front() != 'S' || !time) return std::nullopt;
      frac = negative ? -*f : *f;
    }
    if (c.s.empty()) return std::nullopt;
    const char unit = c.s.front();
    c.s.remove_prefix(1);
    if (!time && unit == 'Y')
      d.months += v * 12;
    else if (!time && unit == 'M')
      d.months += v;
    else if (!time && unit == 'W')
      d.days += v * 7;
    else if (!time && unit == 'D')
      d.days += v;
    else if (time && unit == 'H')
      d.seconds += v * 3600;
    else if (time && unit == 'M')
      d.seconds += v * 60;
    else if (time && unit == 'S')
      d.seconds += v, d.nanos += frac;
    else
      return std::nullopt;
  }
  // Bolt expects 0 <= nanos < 1e9, with the sign carried by seconds.
  if (d.nanos < 0) d.seconds -= 1, d.nanos += kNanosPerSecond;
  return d;
}

}  // namespace weir::neo4j::temporal
