// pprof's tags report: report.printTags over the samples the filters keep.
#include <algorithm>
#include <cstdio>
#include <map>

#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

using perftools::profiles::Label;

// Go's text/tabwriter as printTags sets it up (minwidth 0, padding 1, ' ',
// AlignRight): a line is cells, each but the last one ending a column; a
// column's block is the run of adjacent lines that have a cell in it, as
// wide as its widest cell plus the padding, cells aligned right; a line's
// last cell is never padded.
class TabWriter {
 public:
  void Line(std::vector<std::string> cells) { lines_.push_back(std::move(cells)); }

  std::string Flush() {
    Format(0, lines_.size());
    lines_.clear();
    return std::move(out_);
  }

 private:
  // Width in characters (UTF-8 code points), as tabwriter counts them.
  static size_t Width(const std::string& cell) {
    return static_cast<size_t>(std::count_if(cell.begin(), cell.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
  }

  void Format(size_t line0, size_t line1) {
    const size_t column = widths_.size();
    for (size_t line = line0; line < line1; ++line) {
      if (column + 1 >= lines_[line].size()) continue;
      WriteLines(line0, line);
      line0 = line;
      size_t width = 0;
      for (; line < line1 && column + 1 < lines_[line].size(); ++line) {
        width = std::max(width, Width(lines_[line][column]) + 1);
      }
      widths_.push_back(width);
      Format(line0, line);
      widths_.pop_back();
      line0 = line;
      if (line == line1) break;
    }
    WriteLines(line0, line1);
  }

  void WriteLines(size_t line0, size_t line1) {
    for (size_t line = line0; line < line1; ++line) {
      const std::vector<std::string>& cells = lines_[line];
      for (size_t j = 0; j < cells.size(); ++j) {
        if (j < widths_.size()) out_.append(widths_[j] - Width(cells[j]), ' ');
        out_ += cells[j];
      }
      out_ += '\n';
    }
  }

  std::vector<std::vector<std::string>> lines_;
  std::vector<size_t> widths_;
  std::string out_;
};

// A value as printTags prints it: "%.1f" in the smallest fitting unit.
std::string TagAmount(int64_t value, const std::string& sample_unit) {
  Scaled s = Scale(value, sample_unit, "minimum");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", s.value);
  return buf + s.unit;
}

}  // namespace

bool IsZeroSample(const perftools::profiles::Sample& s) {
  return std::all_of(s.value().begin(), s.value().end(), [](int64_t v) { return v == 0; });
}

std::map<std::string, std::string> NumLabelUnits(const Profile& p) {
  std::map<std::string, std::string> units;
  for (const auto& s : p.sample()) {
    if (IsZeroSample(s)) continue;
    for (const Label& l : s.label()) {
      if (!IsNumericLabel(l)) continue;
      std::string& unit = units[p.string_table(l.key())];
      if (unit.empty()) unit = p.string_table(l.num_unit());
    }
  }
  for (auto& [key, unit] : units) {
    if (unit.empty()) unit = key == "alignment" || key == "request" ? "bytes" : key;
  }
  return units;
}

Result<TagsTable> Tags(const Profile& p, const ReportOptions& options) {
  CPROF_ASSIGN_OR_RETURN(int index, SampleIndex(p, options.sample_index));
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(p, options));
  const std::map<std::string, std::string> units = NumLabelUnits(p);

  std::map<std::string, std::map<std::string, int64_t>> tags;  // key -> value -> sum
  for (int si = 0; si < p.sample_size(); ++si) {
    const auto& s = p.sample(si);
    if (!v.kept_samples[static_cast<size_t>(si)] || IsZeroSample(s)) continue;
    const int64_t value = s.value(index);
    for (const Label& l : s.label()) {
      const std::string& key = p.string_table(l.key());
      if (IsStringLabel(l)) {
        tags[key][p.string_table(l.str())] += value;
      } else if (IsNumericLabel(l)) {
        tags[key][ScaledLabel(l.num(), units.at(key), "minimum")] += value;
      }
    }
  }

  TagsTable t;
  t.sample_unit = v.sample_unit;
  for (auto& [key, values] : tags) {
    TagKey k;
    k.key = key;
    for (auto& [name, value] : values) {
      k.total += value;
      k.values.push_back({name, value});
    }
    // pprof's SortTags (flat): |value| descending, then by name.
    std::stable_sort(k.values.begin(), k.values.end(), [](const TagValue& a, const TagValue& b) {
      return std::llabs(a.value) > std::llabs(b.value);
    });
    t.keys.push_back(std::move(k));
  }
  return t;
}

std::string FormatTagsText(const TagsTable& t) {
  TabWriter w;
  for (const TagKey& k : t.keys) {
    w.Line({k.key + ":", " Total " + TagAmount(k.total, t.sample_unit)});
    for (const TagValue& value : k.values) {
      std::string amount = TagAmount(value.value, t.sample_unit);
      if (k.total > 0) amount += " (" + Percentage(value.value, k.total) + ")";
      w.Line({" ", amount + ":", " " + value.name});
    }
    w.Line({""});
  }
  return w.Flush();
}

}  // namespace cprof::pprof
