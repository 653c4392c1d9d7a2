#include "base/time.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace cprof {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` digits at `*pos`.
bool ReadFixed(std::string_view s, size_t* pos, int width, int* out) {
  if (*pos + width > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += width;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char a, char b = 0) {
  if (*pos >= s.size()) return false;
  char c = s[*pos];
  if (c != a && (b == 0 || c != b)) return false;
  ++*pos;
  return true;
}

}  // namespace

Result<Nanos> ParseDuration(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("bad duration \"" + std::string(text) + "\": " + why +
                                   " (want e.g. 500ms, 10s, 5m, 1h30m, 7d)");
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return Nanos(0);
  size_t pos = 0;
  long double total = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    size_t int_end = pos;
    size_t frac_end = pos;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && IsDigit(text[pos])) ++pos;
      frac_end = pos;
    }
    if (frac_end == start || (int_end == start && frac_end == start + 1)) {
      return bad("expected a number");
    }
    long double number =
        std::strtold(std::string(text.substr(start, frac_end - start)).c_str(), nullptr);
    size_t unit_start = pos;
    while (pos < text.size() && !IsDigit(text[pos]) && text[pos] != '.') ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    long double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit == "d")
      scale = 86400e9;
    else if (unit.empty())
      return bad("missing unit");
    else
      return bad("unknown unit");
    total += number * scale;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
      return bad("too large");
    }
  }
  return Nanos(static_cast<int64_t>(std::llround(total)));
}

std::string FormatDuration(Nanos d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  char buf[64];
  if (ns < 1'000'000'000) {
    if (ns % 1'000'000 == 0) {
      std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1'000'000));
    } else if (ns % 1000 == 0) {
      std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(ns / 1000));
    } else {
      std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
    }
    return out + buf;
  }
  int64_t h = ns / 3'600'000'000'000;
  int64_t rest = ns % 3'600'000'000'000;
  int64_t m = rest / 60'000'000'000;
  rest %= 60'000'000'000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (rest) {
    if (rest % 1'000'000'000 == 0) {
      out += std::to_string(rest / 1'000'000'000) + "s";
    } else {
      std::snprintf(buf, sizeof buf, "%.3gs", rest / 1e9);
      out += buf;
    }
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ParseRfc3339Ms(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(
        "bad time \"" + std::string(s) +
        "\" (want RFC 3339 like 2026-11-22T10:00:00Z, or -2h, -7d, now)");
  };
  size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!ReadFixed(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !ReadFixed(s, &pos, 2, &mo) ||
      !Expect(s, &pos, '-') || !ReadFixed(s, &pos, 2, &d) || !Expect(s, &pos, 'T', 't') ||
      !ReadFixed(s, &pos, 2, &h) || !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &mi) ||
      !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &sec)) {
    // Accept a space in place of 'T' too.
    if (s.size() > 10 && s[10] == ' ') {
      std::string t(s);
      t[10] = 'T';
      return ParseRfc3339Ms(t);
    }
    return bad();
  }
  int64_t frac_ms = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int digits = 0;
    int64_t scale = 100;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (digits < 3) frac_ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadFixed(s, &pos, 2, &oh) || !Expect(s, &pos, ':') || !ReadFixed(s, &pos, 2, &om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_min = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60) {
    return bad();
  }
  year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!ymd.ok()) return bad();
  int64_t day_ms = sys_days(ymd).time_since_epoch().count() * kMsPerDay;
  return day_ms + ((h * 60 + mi) * 60LL + sec) * 1000 + frac_ms - offset_min * 60'000;
}

std::string FormatRfc3339Ms(int64_t ms) {
  CivilDay day = DayOf(ms);
  int64_t in_day = MsOfDay(ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", day.year, day.month,
                day.day, static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return buf;
}

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms) {
  if (text == "now") return now_ms;
  if (!text.empty() && text[0] == '-') {
    auto d = ParseDuration(text.substr(1));
    if (!d.ok()) {
      return Status::InvalidArgument("bad relative time \"" + std::string(text) +
                                     "\" (want e.g. -90m, -2h, -7d)");
    }
    return now_ms - d->count() / 1'000'000;
  }
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    return ParseRfc3339Ms(std::string(text) + "T00:00:00Z");
  }
  return ParseRfc3339Ms(text);
}

CivilDay DayOf(int64_t ms) {
  int64_t days_since = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
  year_month_day ymd{sys_days(days(days_since))};
  return CivilDay{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day())};
}

int64_t DayStartMs(const CivilDay& d) {
  year_month_day ymd{std::chrono::year(d.year), std::chrono::month(d.month),
                     std::chrono::day(d.day)};
  return sys_days(ymd).time_since_epoch().count() * kMsPerDay;
}

int64_t MsOfDay(int64_t ms) {
  int64_t r = ms % kMsPerDay;
  return r < 0 ? r + kMsPerDay : r;
}

}  // namespace cprof
