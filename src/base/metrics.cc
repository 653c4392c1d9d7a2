#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace cprof::metrics {
namespace {

bool NameChar(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon;
  return !first && c >= '0' && c <= '9';
}

bool ValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!NameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

// `text` with \ and newline escaped, and " when `quotes`: the exposition
// format escapes quotes in label values, not in HELP text.
std::string Escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"' && quotes)
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} with `extra` (le="...") last; "" for no labels.
std::string LabelText(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  return out + "}";
}

}  // namespace

bool ValidMetricName(std::string_view name) { return ValidName(name, /*colon=*/true); }

bool ValidLabelName(std::string_view name) {
  return ValidName(name, /*colon=*/false) && !name.starts_with("__");
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {  // whole: no exponent (a timestamp, bytes)
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    return std::string(buf, end);
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string EscapeLabelValue(std::string_view v) { return Escape(v, /*quotes=*/true); }

std::vector<double> DurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Family::Family(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : kind_(kind),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

Family::Series& Family::At(const LabelValues& labels) {
  if (labels.size() == label_names_.size()) return series_[labels];
  LabelValues fitted = labels;
  fitted.resize(label_names_.size());
  return series_[fitted];
}

void Family::Add(const LabelValues& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  At(labels).value += v;
}

void Family::Set(const LabelValues& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  At(labels).value = v;
}

void Family::Observe(const LabelValues& labels, double v) {
  if (std::isnan(v)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = At(labels);
  if (s.per_bucket.empty()) s.per_bucket.assign(buckets_.size(), 0);
  auto bucket = std::lower_bound(buckets_.begin(), buckets_.end(), v);  // first bound >= v
  if (bucket != buckets_.end()) ++s.per_bucket[bucket - buckets_.begin()];
  s.sum += v;
  ++s.count;
}

void Family::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  series_.clear();
}

void Family::Render(std::string* out) const {
  *out += "# HELP " + name_ + " " + Escape(help_, /*quotes=*/false) + "\n";
  *out += "# TYPE " + name_ + " " + std::string(KindName(kind_)) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, s] : series_) {
    if (kind_ != Kind::kHistogram) {
      *out += name_ + LabelText(label_names_, labels) + " " + FormatValue(s.value) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += i < s.per_bucket.size() ? s.per_bucket[i] : 0;
      *out += name_ + "_bucket" +
              LabelText(label_names_, labels, "le=\"" + FormatValue(buckets_[i]) + "\"") + " " +
              std::to_string(cumulative) + "\n";
    }
    *out += name_ + "_bucket" + LabelText(label_names_, labels, "le=\"+Inf\"") + " " +
            std::to_string(s.count) + "\n";
    *out += name_ + "_sum" + LabelText(label_names_, labels) + " " + FormatValue(s.sum) + "\n";
    *out +=
        name_ + "_count" + LabelText(label_names_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

Family* Registry::Declare(Kind kind, std::string name, std::string help,
                          std::vector<std::string> label_names, std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == name) return f.get();
  }
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  while (!buckets.empty() && std::isinf(buckets.back())) buckets.pop_back();
  families_.push_back(std::unique_ptr<Family>(new Family(
      kind, std::move(name), std::move(help), std::move(label_names), std::move(buckets))));
  return families_.back().get();
}

Family* Registry::Counter(std::string name, std::string help,
                          std::vector<std::string> label_names) {
  return Declare(Kind::kCounter, std::move(name), std::move(help), std::move(label_names), {});
}

Family* Registry::Gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return Declare(Kind::kGauge, std::move(name), std::move(help), std::move(label_names), {});
}

Family* Registry::Histogram(std::string name, std::string help,
                            std::vector<std::string> label_names, std::vector<double> buckets) {
  return Declare(Kind::kHistogram, std::move(name), std::move(help), std::move(label_names),
                 std::move(buckets));
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& f : families_) f->Render(&out);
  return out;
}

}  // namespace cprof::metrics
