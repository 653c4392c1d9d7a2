// Comparing two profiles of one sample type (`cprofiler diff`): per
// function, the base's and the target's flat and cum values and what
// changed, and the rules that turn a comparison into a pass or a fail.
//
// Without normalization the changes are exactly `go tool pprof -top
// -diff_base BASE TARGET`'s flat and cum columns (that report subtracts the
// base's samples from the target's; flat and cum add up per function, so the
// difference of the two tables is the table of the difference). With one,
// the target is scaled first, as pprof's -normalize scales it: to the base's
// total (kTotal, pprof's own rule), or to the base's duration (kRate, values
// per second of profile compared).
//
// Thread-safe: pure functions.
#ifndef CPROF_PPROF_DIFF_H_
#define CPROF_PPROF_DIFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pprof/codec.h"
#include "pprof/report.h"

namespace cprof::pprof {

enum class Normalization { kNone, kTotal, kRate };

// "none", "total", "rate"; InvalidArgument for anything else.
Result<Normalization> ParseNormalization(std::string_view text);
std::string_view NameOf(Normalization n);

// The normalization that fits two profiles when none is asked for: kRate
// when both have a duration (CPU profiles, intervals of cumulative types, and
// windows of those: values per second compare windows of any length), kTotal
// otherwise (snapshots such as heap in-use or goroutines: shares compare).
Normalization DefaultNormalization(const Profile& base, const Profile& target);

struct DiffRow {
  std::string name;  // function, as pprof prints it
  int64_t base_flat = 0, base_cum = 0;
  int64_t target_flat = 0, target_cum = 0;  // normalized
  int64_t flat_delta() const { return target_flat - base_flat; }
  int64_t cum_delta() const { return target_cum - base_cum; }
};

struct DiffTable {
  std::string sample_type;  // pprof's name: "cpu"
  std::string sample_unit;  // "nanoseconds"
  std::string output_unit;  // the unit values are shown in: "ms"
  Normalization normalization = Normalization::kNone;
  double target_scale = 1;  // what the target's values were multiplied by
  int64_t base_duration_ns = 0, target_duration_ns = 0;  // as the profiles say
  int64_t base_total = 0, target_total = 0;              // sum of |value|; the target's normalized
  std::vector<DiffRow> rows;  // every function of either side, the largest change first

  // A value as the table prints it ("1.20s").
  std::string FormatValue(int64_t value) const;
  // A change as the table prints it ("+120ms", "-3MB", "0").
  std::string FormatDelta(int64_t delta) const;
};

// InvalidArgument when the sample index is bad or missing from either
// profile, or when kRate is asked for and a profile has no duration.
Result<DiffTable> Diff(const Profile& base, const Profile& target, std::string_view sample_index,
                       Normalization normalization);

// (target - base) / |base|, in percent; +inf when only the target has some,
// 0 when neither has.
double ChangePercent(int64_t base, int64_t target);
// "+25.0%", "-3.2%", "new", "gone".
std::string FormatChange(int64_t base, int64_t target);

// A threshold of --fail-if: "total > +5%", "cum(main.handler) > +10%",
// "flat(RE) < -20%". The change of the total, or of a function's flat or cum
// value, relative to the base's (ChangePercent) is compared with the bound.
// The function is named exactly; failing any exact match, the name is an RE2
// that must match a whole function name, and the rule applies to each
// function it matches.
struct DiffRule {
  enum class Subject { kTotal, kFlat, kCum };
  Subject subject = Subject::kTotal;
  std::string function;  // for kFlat and kCum
  bool greater = true;   // '>' (else '<')
  double percent = 0;    // the bound, signed
  std::string text;      // as written
};

// InvalidArgument, with the grammar, for what is not a rule.
Result<DiffRule> ParseDiffRule(std::string_view text);

// The number of "5%", "+12.5%" or "5" (a rule's bound, --max-growth), or
// nullopt when the text is not one number (with an optional '%').
std::optional<double> ParsePercent(std::string_view text);

struct RuleBreach {
  std::string rule;      // as written, or "--max-growth 5%"
  std::string function;  // "" for the total
  std::string detail;    // "cum 1.20s -> 1.50s (+25.0%)"
};

// The rules `table` crosses, and the functions whose flat or cum value grew
// by more than `max_growth_percent` of the base's total (when set).
// InvalidArgument when a rule's function matches nothing in either profile
// (a misspelt gate must not pass silently).
Result<std::vector<RuleBreach>> CheckRules(const DiffTable& table,
                                           const std::vector<DiffRule>& rules,
                                           std::optional<double> max_growth_percent);

// The table as text (`limit` rows at most; 0 for all), markdown, or JSON
// (every row).
std::string FormatDiffText(const DiffTable& table, size_t limit);
std::string FormatDiffMarkdown(const DiffTable& table, size_t limit,
                               const std::vector<RuleBreach>& breaches);
std::string FormatDiffJson(const DiffTable& table, const std::vector<RuleBreach>& breaches);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_DIFF_H_
