// pprof's value formatting (internal/measurement): units scaled as
// `go tool pprof` prints them. The one formatter of sample values, sizes and
// durations for every output (top and merge tables, `query`'s table, scrape
// logs, the API); web/format.js mirrors it, and both are checked against
// tests/data/format_cases.json. Thread-safe: pure functions.
#ifndef CPROF_PPROF_UNITS_H_
#define CPROF_PPROF_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cprof::pprof {

struct Scaled {
  double value;
  std::string unit;  // "" for counts
};

// `value` in `from_unit` expressed in `to_unit`; to_unit "minimum" or
// "auto" picks the largest unit that keeps the value >= 1.
Scaled Scale(int64_t value, std::string_view from_unit, std::string_view to_unit);

// "%.2f" of the scaled value without a ".00", then the unit: "4.21s",
// "33.30MB", "1406", "0".
std::string ScaledLabel(int64_t value, std::string_view from_unit, std::string_view to_unit);

// pprof's percentage column: "  100%", "49.94%", "0.012%".
std::string Percentage(int64_t value, int64_t total);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_UNITS_H_
