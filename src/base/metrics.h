// Prometheus metrics: counters, gauges and histograms with labels, and
// their text exposition format (version 0.0.4, what `promtool check metrics`
// and node_exporter's textfile collector read). Small on purpose: no
// summaries, no exemplars, no client-side timestamps.
//
// A Registry holds families (one metric name, one help line, fixed label
// names); a family holds one series per distinct label values.
//
// Thread-safe: any thread may update any family while another renders.
#ifndef CPROF_BASE_METRICS_H_
#define CPROF_BASE_METRICS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cprof::metrics {

// The Content-Type of Render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

enum class Kind { kCounter, kGauge, kHistogram };

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool ValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
bool ValidLabelName(std::string_view name);

// A value as the text format writes it: a whole number below 1e15 without
// exponent ("1700000000"), others in the shortest decimal that reads back
// the same, "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);
// A label value inside its double quotes: \ " and newline escaped.
std::string EscapeLabelValue(std::string_view v);

// Latency buckets (seconds) for request durations: 5 ms to 60 s.
std::vector<double> DurationBuckets();

class Family {
 public:
  // Not copyable or movable (the registry hands out pointers).
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // Counters and gauges: adds `v` to the series of `labels` (created at 0).
  void Add(const LabelValues& labels, double v = 1);
  // Gauges, and counters carried over from a previous process: sets it.
  void Set(const LabelValues& labels, double v);
  // Histograms: counts `v` in its bucket, the sum and the count.
  void Observe(const LabelValues& labels, double v);
  // Removes every series (for gauges recomputed from scratch).
  void Clear();

  std::string_view name() const { return name_; }

 private:
  friend class Registry;
  struct Series {
    double value = 0;                  // counter, gauge
    std::vector<uint64_t> per_bucket;  // histogram: observations <= buckets_[i], not cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  Family(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets);
  // `labels` resized to the label names (missing ones ""); guarded by mu_.
  Series& At(const LabelValues& labels);
  void Render(std::string* out) const;

  const Kind kind_;
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;  // histograms: upper bounds, ascending, no +Inf
  mutable std::mutex mu_;
  std::map<LabelValues, Series> series_;  // guarded by mu_
};

class Registry {
 public:
  Registry() = default;
  // Not copyable or movable.
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Declares a family and returns it (owned by the registry, valid for its
  // lifetime). Declaring a name twice returns the first family. Names are
  // the caller's to get right (ValidMetricName, ValidLabelName): a counter's
  // name ends in _total by convention, and "le" is no histogram label.
  Family* Counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family* Gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // `buckets`: upper bounds, sorted here; +Inf is implied.
  Family* Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                    std::vector<double> buckets);

  // Every family in declaration order (HELP, TYPE, then its series sorted
  // by label values), in the text exposition format.
  std::string Render() const;

 private:
  Family* Declare(Kind kind, std::string name, std::string help,
                  std::vector<std::string> label_names, std::vector<double> buckets);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // guarded by mu_
};

}  // namespace cprof::metrics

#endif  // CPROF_BASE_METRICS_H_
