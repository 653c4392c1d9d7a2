#include <ctime>

#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// "Dropped 3 nodes (cum <= 10ms)": `count` nodes or edges under the cutoff,
// `fraction` of the total, that `what` (cum, freq) was compared with.
std::string DroppedLine(const TopTable& t, int64_t count, std::string_view noun,
                        std::string_view what, double fraction) {
  const int64_t cutoff = std::llabs(static_cast<int64_t>(static_cast<double>(t.total) * fraction));
  return "Dropped " + std::to_string(count) + " " + std::string(noun) + (count > 1 ? "s" : "") +
         " (" + std::string(what) + " <= " + t.FormatValue(cutoff) + ")";
}

}  // namespace

std::vector<std::string> ReportLabelLines(const Profile& p, const TopTable& t) {
  std::vector<std::string> out;
  auto line = [&](std::string s) { out.push_back(std::move(s)); };
  if (p.mapping_size() > 0) {
    const std::string& file = p.string_table(p.mapping(0).filename());
    if (!file.empty()) line("File: " + Basename(file));
    const std::string& build_id = p.string_table(p.mapping(0).build_id());
    if (!build_id.empty()) line("Build ID: " + build_id);
  }
  for (int64_t c : p.comment()) {
    if (p.string_table(c).rfind('#', 0) != 0) line(p.string_table(c));
  }
  if (!t.sample_type.empty()) line("Type: " + t.sample_type);
  if (p.time_nanos() != 0) {
    time_t secs = static_cast<time_t>(p.time_nanos() / 1'000'000'000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%b %-d, %Y at %-I:%M%P (%Z)", &tm);
    line(std::string("Time: ") + buf);
  }
  if (p.duration_nanos() != 0) {
    std::string ratio;
    Scaled total_ns = Scale(t.total, t.sample_unit, "nanoseconds");
    if (total_ns.unit == "ns" && total_ns.value != 0) {
      ratio = "(" + Percentage(static_cast<int64_t>(total_ns.value), p.duration_nanos()) + ")";
    }
    line("Duration: " + ScaledLabel(p.duration_nanos(), "nanoseconds", "auto") +
         ", Total samples = " + t.FormatValue(t.total) + " " + ratio);
  }
  if (!t.active_filters.empty()) {
    line("Active filters:");
    for (std::string f : t.active_filters) {
      if (f.size() > 80) f = f.substr(0, 80) + "\xE2\x80\xA6";
      line("   " + f);
    }
  }
  std::string pct = Percentage(t.flat_sum, t.total);
  pct.erase(0, pct.find_first_not_of(' '));
  line("Showing nodes accounting for " + t.FormatValue(t.flat_sum) + ", " + pct + " of " +
       t.FormatValue(t.total) + " total");
  if (t.total != 0) {
    if (t.dropped_nodes > 0) line(DroppedLine(t, t.dropped_nodes, "node", "cum", t.node_fraction));
    if (t.dropped_edges > 0) line(DroppedLine(t, t.dropped_edges, "edge", "freq", t.edge_fraction));
    int shown = static_cast<int>(t.rows.size());
    if (shown > 0 && shown < t.node_count_before_limit) {
      line("Showing top " + std::to_string(shown) + " nodes out of " +
           std::to_string(t.node_count_before_limit));
    }
  }
  return out;
}

std::string ReportLabels(const Profile& p, const TopTable& t) {
  std::string out;
  for (const std::string& line : ReportLabelLines(p, t)) {
    out += line;
    out += '\n';
  }
  return out;
}

std::string FormatTopText(const Profile& p, const TopTable& t) {
  std::string out = ReportLabels(p, t);
  auto line = [&](const std::string& s) {
    out += s;
    out += '\n';
  };
  char buf[512];
  std::snprintf(buf, sizeof buf, "%10s %5s%% %5s%% %10s %5s%%", "flat", "flat", "sum", "cum",
                "cum");
  line(buf);
  int64_t flat_sum = 0;
  for (const TopRow& r : t.rows) {
    flat_sum += r.flat;
    std::string inl = r.inline_label.empty() ? "" : " " + r.inline_label;
    std::snprintf(buf, sizeof buf, "%10s %s %s %10s %s  ", t.FormatValue(r.flat).c_str(),
                  Percentage(r.flat, t.total).c_str(), Percentage(flat_sum, t.total).c_str(),
                  t.FormatValue(r.cum).c_str(), Percentage(r.cum, t.total).c_str());
    line(buf + r.name + inl);
  }
  return out;
}

}  // namespace cprof::pprof
