#include "pprof/diff.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "base/json.h"
#include "pprof/units.h"

namespace cprof::pprof {
namespace {

// Every function of `profile`'s sample index, with pprof's flat and cum.
Result<TopTable> AllFunctions(const Profile& profile, std::string_view sample_index) {
  ReportOptions options;
  options.sample_index = std::string(sample_index);
  options.node_fraction = 0;
  options.edge_fraction = 0;
  return Top(profile, options);
}

int64_t Rescale(int64_t value, double scale) {
  return scale == 1 ? value : std::llround(static_cast<double>(value) * scale);
}

std::string FormatScale(double scale) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", scale);
  return buf;
}

std::string FormatSeconds(int64_t ns) { return ScaledLabel(ns, "nanoseconds", "auto"); }

// How the target was made comparable, in words.
std::string DescribeNormalization(const DiffTable& t) {
  switch (t.normalization) {
    case Normalization::kNone:
      return "none (raw values)";
    case Normalization::kTotal:
      return "total (the target scaled x" + FormatScale(t.target_scale) +
             " to the base's total: shares compared)";
    case Normalization::kRate:
      return "rate (the target scaled x" + FormatScale(t.target_scale) + " to the base's " +
             FormatSeconds(t.base_duration_ns) + " of profiles from its " +
             FormatSeconds(t.target_duration_ns) + ": values per second compared)";
  }
  return "";
}

bool Crosses(const DiffRule& rule, int64_t base, int64_t target) {
  double change = ChangePercent(base, target);
  return rule.greater ? change > rule.percent : change < rule.percent;
}

std::string MarkdownCode(std::string_view text) {
  std::string out = "`";
  for (char c : text) {
    if (c == '`') {
      out += '\'';
    } else if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out + "`";
}

// Each normalization's name, as --normalize and the JSON's "normalization"
// spell it.
constexpr std::pair<Normalization, std::string_view> kNormalizationNames[] = {
    {Normalization::kNone, "none"},
    {Normalization::kTotal, "total"},
    {Normalization::kRate, "rate"},
};

size_t Shown(const DiffTable& t, size_t limit) {
  return limit == 0 ? t.rows.size() : std::min(limit, t.rows.size());
}

}  // namespace

Result<Normalization> ParseNormalization(std::string_view text) {
  for (const auto& [n, name] : kNormalizationNames) {
    if (text == name) return n;
  }
  return Status::InvalidArgument("--normalize \"" + std::string(text.substr(0, 40)) +
                                 "\": want none, total or rate");
}

std::string_view NameOf(Normalization n) {
  for (const auto& [value, name] : kNormalizationNames) {
    if (value == n) return name;
  }
  return "";
}

Normalization DefaultNormalization(const Profile& base, const Profile& target) {
  return base.duration_nanos() > 0 && target.duration_nanos() > 0 ? Normalization::kRate
                                                                  : Normalization::kTotal;
}

std::string DiffTable::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, "auto");
}

std::string DiffTable::FormatDelta(int64_t delta) const {
  if (delta == 0) return "0";
  return (delta > 0 ? "+" : "-") + ScaledLabel(delta > 0 ? delta : -delta, sample_unit, "auto");
}

Result<DiffTable> Diff(const Profile& base, const Profile& target, std::string_view sample_index,
                       Normalization normalization) {
  auto base_top = AllFunctions(base, sample_index);
  if (!base_top.ok()) return base_top.status().WithContext("the base");
  auto target_top = AllFunctions(target, sample_index);
  if (!target_top.ok()) return target_top.status().WithContext("the target");
  if (base_top->sample_type != target_top->sample_type ||
      base_top->sample_unit != target_top->sample_unit) {
    return Status::InvalidArgument("the base's sample type is " + base_top->sample_type + " (" +
                                   base_top->sample_unit + "), the target's " +
                                   target_top->sample_type + " (" + target_top->sample_unit +
                                   "): compare one sample type (-t, --sample-index)");
  }
  DiffTable t;
  t.sample_type = base_top->sample_type;
  t.sample_unit = base_top->sample_unit;
  t.normalization = normalization;
  t.base_duration_ns = base.duration_nanos();
  t.target_duration_ns = target.duration_nanos();
  switch (normalization) {
    case Normalization::kNone:
      break;
    case Normalization::kTotal:
      // pprof's Profile.Normalize: a target with nothing is scaled by 0.
      t.target_scale = target_top->total == 0 ? 0
                                              : static_cast<double>(base_top->total) /
                                                    static_cast<double>(target_top->total);
      break;
    case Normalization::kRate:
      if (t.base_duration_ns <= 0 || t.target_duration_ns <= 0) {
        return Status::InvalidArgument(
            std::string(t.base_duration_ns <= 0 ? "the base" : "the target") +
            " has no duration (snapshots such as heap or goroutine profiles): --normalize rate "
            "needs one; use total or none");
      }
      t.target_scale =
          static_cast<double>(t.base_duration_ns) / static_cast<double>(t.target_duration_ns);
      break;
  }
  t.base_total = base_top->total;
  t.target_total = Rescale(target_top->total, t.target_scale);
  std::map<std::string, DiffRow> rows;
  for (const TopRow& r : base_top->rows) {
    DiffRow& row = rows[r.name];
    row.base_flat += r.flat;
    row.base_cum += r.cum;
  }
  for (const TopRow& r : target_top->rows) {
    DiffRow& row = rows[r.name];
    row.target_flat += Rescale(r.flat, t.target_scale);
    row.target_cum += Rescale(r.cum, t.target_scale);
  }
  for (auto& [name, row] : rows) {
    row.name = name;
    t.rows.push_back(std::move(row));
  }
  // The largest change first; among equal changes the largest function.
  auto change = [](const DiffRow& r) {
    return std::max(std::llabs(r.flat_delta()), std::llabs(r.cum_delta()));
  };
  auto size = [](const DiffRow& r) {
    return std::max(std::llabs(r.base_cum), std::llabs(r.target_cum));
  };
  std::stable_sort(t.rows.begin(), t.rows.end(), [&](const DiffRow& a, const DiffRow& b) {
    if (change(a) != change(b)) return change(a) > change(b);
    return size(a) > size(b);
  });
  return t;
}

double ChangePercent(int64_t base, int64_t target) {
  if (base == 0) {
    if (target == 0) return 0;
    return target > 0 ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
  }
  return 100.0 * static_cast<double>(target - base) / static_cast<double>(std::llabs(base));
}

std::string FormatChange(int64_t base, int64_t target) {
  if (base == 0 && target != 0) return "new";
  if (target == 0 && base != 0) return "gone";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", ChangePercent(base, target));
  return buf;
}

Result<DiffRule> ParseDiffRule(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("--fail-if \"" + std::string(text.substr(0, 200)) +
                                   "\": " + std::string(why) +
                                   " (want total|flat(FUNC)|cum(FUNC) >|< [+-]N%, e.g. "
                                   "'cum(main.handler) > +10%' or 'total > +5%')");
  };
  DiffRule rule;
  rule.text = std::string(text);
  std::string_view rest = text;
  auto skip_spaces = [&] {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  };
  skip_spaces();
  if (rest.starts_with("total")) {
    rule.subject = DiffRule::Subject::kTotal;
    rest.remove_prefix(5);
  } else if (rest.starts_with("flat(") || rest.starts_with("cum(")) {
    rule.subject = rest.starts_with("flat(") ? DiffRule::Subject::kFlat : DiffRule::Subject::kCum;
    rest.remove_prefix(rest.find('(') + 1);
    // The name may hold parentheses ("main.(*T).Serve"): it ends at the last
    // ')' before the comparison.
    size_t op = rest.find_first_of("<>");
    if (op == std::string_view::npos) return bad("no > or <");
    size_t close = rest.substr(0, op).rfind(')');
    if (close == std::string_view::npos) return bad("no ) after the function");
    rule.function = std::string(rest.substr(0, close));
    if (rule.function.empty()) return bad("no function");
    rest.remove_prefix(close + 1);
  } else {
    return bad("it starts with neither total, flat( nor cum(");
  }
  skip_spaces();
  if (rest.empty() || (rest.front() != '>' && rest.front() != '<')) return bad("no > or <");
  rule.greater = rest.front() == '>';
  rest.remove_prefix(1);
  skip_spaces();
  if (!rest.ends_with("%")) return bad("the bound is not a percentage");
  std::optional<double> percent = ParsePercent(rest);
  if (!percent || !std::isfinite(*percent)) return bad("the bound is not a number");
  rule.percent = *percent;
  return rule;
}

std::optional<double> ParsePercent(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  std::string number(text);
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size()) return std::nullopt;
  return v;
}

Result<std::vector<RuleBreach>> CheckRules(const DiffTable& table,
                                           const std::vector<DiffRule>& rules,
                                           std::optional<double> max_growth_percent) {
  std::vector<RuleBreach> out;
  for (const DiffRule& rule : rules) {
    if (rule.subject == DiffRule::Subject::kTotal) {
      if (Crosses(rule, table.base_total, table.target_total)) {
        out.push_back({rule.text, "",
                       "total " + table.FormatValue(table.base_total) + " -> " +
                           table.FormatValue(table.target_total) + " (" +
                           FormatChange(table.base_total, table.target_total) + ")"});
      }
      continue;
    }
    std::vector<const DiffRow*> matched;
    for (const DiffRow& row : table.rows) {
      if (row.name == rule.function) matched.push_back(&row);
    }
    RE2 re(rule.function, RE2::Quiet);
    if (matched.empty() && re.ok()) {
      for (const DiffRow& row : table.rows) {
        if (RE2::FullMatch(row.name, re)) matched.push_back(&row);
      }
    }
    if (matched.empty()) {
      return Status::InvalidArgument("--fail-if \"" + rule.text +
                                     "\": no function of either "
                                     "profile is named " +
                                     rule.function +
                                     (re.ok() ? " or matches it" : " (nor is it an RE2)"));
    }
    const bool flat = rule.subject == DiffRule::Subject::kFlat;
    for (const DiffRow* row : matched) {
      int64_t base = flat ? row->base_flat : row->base_cum;
      int64_t target = flat ? row->target_flat : row->target_cum;
      if (!Crosses(rule, base, target)) continue;
      out.push_back({rule.text, row->name,
                     std::string(flat ? "flat " : "cum ") + table.FormatValue(base) + " -> " +
                         table.FormatValue(target) + " (" + FormatChange(base, target) + ")"});
    }
  }
  if (max_growth_percent && table.base_total > 0) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "--max-growth %g%%", *max_growth_percent);
    const double limit = *max_growth_percent / 100.0 * static_cast<double>(table.base_total);
    for (const DiffRow& row : table.rows) {
      bool cum = row.cum_delta() >= row.flat_delta();
      int64_t grew = cum ? row.cum_delta() : row.flat_delta();
      if (static_cast<double>(grew) <= limit) continue;
      char share[32];
      std::snprintf(share, sizeof share, "%.1f%%",
                    100.0 * static_cast<double>(grew) / static_cast<double>(table.base_total));
      out.push_back({bound, row.name,
                     std::string(cum ? "cum " : "flat ") +
                         table.FormatValue(cum ? row.base_cum : row.base_flat) + " -> " +
                         table.FormatValue(cum ? row.target_cum : row.target_flat) + ", " +
                         table.FormatDelta(grew) + ": " + share + " of the base's total " +
                         table.FormatValue(table.base_total)});
    }
  }
  return out;
}

std::string FormatDiffText(const DiffTable& t, size_t limit) {
  std::string out = "Type: " + t.sample_type + "\nNormalization: " + DescribeNormalization(t) +
                    "\nTotal: " + t.FormatValue(t.base_total) + " -> " +
                    t.FormatValue(t.target_total) + ", " +
                    t.FormatDelta(t.target_total - t.base_total) + " (" +
                    FormatChange(t.base_total, t.target_total) + ")\n";
  const size_t shown = Shown(t, limit);
  out += "Showing " + std::to_string(shown) + " of " + std::to_string(t.rows.size()) +
         " functions, the largest change first\n";
  char line[512];
  std::snprintf(line, sizeof line, "%11s %11s %11s %11s %11s %11s %10s  %s\n", "flat base",
                "flat target", "flat delta", "cum base", "cum target", "cum delta", "cum change",
                "function");
  out += line;
  for (size_t i = 0; i < shown; ++i) {
    const DiffRow& r = t.rows[i];
    std::snprintf(line, sizeof line, "%11s %11s %11s %11s %11s %11s %10s  ",
                  t.FormatValue(r.base_flat).c_str(), t.FormatValue(r.target_flat).c_str(),
                  t.FormatDelta(r.flat_delta()).c_str(), t.FormatValue(r.base_cum).c_str(),
                  t.FormatValue(r.target_cum).c_str(), t.FormatDelta(r.cum_delta()).c_str(),
                  FormatChange(r.base_cum, r.target_cum).c_str());
    out += line + r.name + "\n";
  }
  return out;
}

std::string FormatDiffMarkdown(const DiffTable& t, size_t limit,
                               const std::vector<RuleBreach>& breaches) {
  std::string out = "### cprofiler diff: " + MarkdownCode(t.sample_type) + "\n\n";
  out += "- normalization: " + DescribeNormalization(t) + "\n";
  out += "- total: " + t.FormatValue(t.base_total) + " → " + t.FormatValue(t.target_total) + " (" +
         FormatChange(t.base_total, t.target_total) + ")\n";
  if (breaches.empty()) {
    out += "- result: **pass**, no threshold crossed\n";
  } else {
    out += "- result: **fail**\n";
    for (const RuleBreach& b : breaches) {
      out += "  - " + MarkdownCode(b.rule) +
             (b.function.empty() ? "" : " " + MarkdownCode(b.function)) + ": " + b.detail + "\n";
    }
  }
  const size_t shown = Shown(t, limit);
  out +=
      "\n| function | flat base | flat target | flat Δ | cum base | cum target | cum Δ | cum "
      "change |\n";
  out += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < shown; ++i) {
    const DiffRow& r = t.rows[i];
    out += "| " + MarkdownCode(r.name) + " | " + t.FormatValue(r.base_flat) + " | " +
           t.FormatValue(r.target_flat) + " | " + t.FormatDelta(r.flat_delta()) + " | " +
           t.FormatValue(r.base_cum) + " | " + t.FormatValue(r.target_cum) + " | " +
           t.FormatDelta(r.cum_delta()) + " | " + FormatChange(r.base_cum, r.target_cum) + " |\n";
  }
  if (shown < t.rows.size()) {
    out += "\n" + std::to_string(t.rows.size() - shown) + " more functions changed less.\n";
  }
  return out;
}

std::string FormatDiffJson(const DiffTable& t, const std::vector<RuleBreach>& breaches) {
  JsonWriter w(/*pretty=*/true);
  auto change = [&](int64_t base, int64_t target) {
    double c = ChangePercent(base, target);
    if (std::isfinite(c)) {
      w.Double(c);
    } else {
      w.Null();
    }
  };
  auto side = [&](const char* key, int64_t base, int64_t target) {
    w.StartObject(key);
    w.Field("base", base);
    w.Field("target", target);
    w.Field("delta", target - base);
    w.Key("change_percent");
    change(base, target);
    w.EndObject();
  };
  w.StartObject();
  w.Field("sample_type", t.sample_type);
  w.Field("unit", t.sample_unit);
  w.Field("normalization", NameOf(t.normalization));
  w.Field("target_scale", t.target_scale);
  w.Field("base_duration_ns", t.base_duration_ns);
  w.Field("target_duration_ns", t.target_duration_ns);
  side("total", t.base_total, t.target_total);
  w.Field("pass", breaches.empty());
  w.StartArray("breaches");
  for (const RuleBreach& b : breaches) {
    w.StartObject();
    w.Field("rule", b.rule);
    w.Field("function", b.function);
    w.Field("detail", b.detail);
    w.EndObject();
  }
  w.EndArray();
  w.StartArray("functions");
  for (const DiffRow& r : t.rows) {
    w.StartObject();
    w.Field("name", r.name);
    side("flat", r.base_flat, r.target_flat);
    side("cum", r.base_cum, r.target_cum);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take() + "\n";
}

}  // namespace cprof::pprof
