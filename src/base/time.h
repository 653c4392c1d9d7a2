// Durations and instants as users write them. Thread-safe (pure functions).
//
// Durations use Go's syntax ("500ms", "10s", "1h30m", "1.5h"; units ns us µs
// ms s m h), plus "d" for days as Prometheus allows. Instants are UTC
// milliseconds since the Unix epoch, the unit of the HTTP API's Timestamp.
#ifndef CPROF_BASE_TIME_H_
#define CPROF_BASE_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cprof {

using Nanos = std::chrono::nanoseconds;

// Parses a Go-style duration. "0" is allowed; a sign is not (use ParseTimeArg
// for "-2h"). Fails with InvalidArgument naming the text on bad input or
// overflow.
Result<Nanos> ParseDuration(std::string_view text);

// The shortest Go-like spelling: "250ms", "10s", "5m", "1h30m", "168h", "0s".
std::string FormatDuration(Nanos d);

// Wall-clock now, in UTC milliseconds.
int64_t NowMs();

// Parses RFC 3339 ("2026-11-22T10:00:00Z", with optional fraction and
// "+hh:mm" offset; a lower-case t/z and a space for T are accepted).
Result<int64_t> ParseRfc3339Ms(std::string_view text);

// "2026-11-22T10:00:00.123Z" (always milliseconds, always Z).
std::string FormatRfc3339Ms(int64_t ms);

// A time argument of `query`, `merge` and the API: RFC 3339, "now", a
// duration relative to now with a leading '-' ("-90m", "-7d"), or a bare
// date "2026-11-22" (its midnight, UTC).
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms);

// A UTC calendar day.
struct CivilDay {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  bool operator==(const CivilDay&) const = default;
};

CivilDay DayOf(int64_t ms);
int64_t DayStartMs(const CivilDay& day);
// Milliseconds since the start of the UTC day of `ms`.
int64_t MsOfDay(int64_t ms);

inline constexpr int64_t kMsPerDay = 86'400'000;

}  // namespace cprof

#endif  // CPROF_BASE_TIME_H_
