#include "query/output.h"

#include <algorithm>

#include "pprof/interval.h"
#include "pprof/units.h"
#include "query/interval.h"
#include "query/select.h"

namespace cprof::query {

std::vector<MetaRow> MetaRows(const std::vector<archive::Entry>& entries,
                              std::string_view sample_type) {
  std::vector<MetaRow> rows;
  rows.reserve(entries.size());
  for (const archive::Entry& e : entries) {
    for (auto& t : SampleTypesOf(e.sidecar)) {
      if (sample_type.empty() || t.name == sample_type) {
        rows.push_back(MetaRow{&e, std::move(t), false, std::nullopt});
      }
    }
  }
  return rows;
}

void AddIntervalValues(const fs::path& root, const std::vector<archive::Entry>& entries,
                       archive::Reporter* reporter, std::vector<MetaRow>* rows) {
  bool any = false;
  for (MetaRow& row : *rows) {
    row.cumulative = pprof::IsCumulativeName(row.sample_type.name) &&
                     !pprof::ServesIntervals(row.entry->sidecar.url);
    any = any || row.cumulative;
  }
  if (!any) return;
  std::vector<std::pair<size_t, size_t>> positions;
  std::vector<Series> series = SeriesOf(root, entries, reporter, &positions);
  for (MetaRow& row : *rows) {
    if (!row.cumulative) continue;
    const auto [s, p] = positions[static_cast<size_t>(row.entry - entries.data())];
    const auto& types = row.entry->sidecar.sample_types;
    size_t index = 0;
    while (index < types.size() && types[index].name != row.sample_type.name) ++index;
    row.delta_value = DeltaValue(series[s], p, index);
  }
}

void WriteProfileMeta(JsonWriter& w, const MetaRow& row) {
  const archive::Sidecar& s = row.entry->sidecar;
  ProfileMetaFields fields{s.id,
                           s.profile_type,
                           row.sample_type.name,
                           row.sample_type.unit,
                           row.sample_type.total,
                           s.timestamp_ms,
                           s.duration_ns,
                           row.cumulative,
                           row.delta_value};
  WriteProfileMeta(w, archive::TargetOf(s), fields);
}

void WriteProfileMeta(JsonWriter& w, const archive::Target& target, const ProfileMetaFields& f) {
  w.StartObject();
  w.Field("ProfileID", f.id);
  w.Field("ProfileType", f.profile_type);
  w.Field("SampleType", f.sample_type);
  w.Field("JobName", target.job);
  w.Field("Host", target.host);
  w.Field("App", target.app);
  w.Field("SampleTypeUnit", f.unit);
  w.Field("Value", f.value);
  w.Field("Timestamp", f.timestamp_ms);
  w.Field("Duration", f.duration_ns);
  if (f.cumulative) {
    w.Field("Cumulative", true);
    if (f.delta_value) {
      w.Field("DeltaValue", *f.delta_value);
    }
  }
  w.EntryArray("Labels", target.labels, "Key", "Value");
  w.EndObject();
}

std::string FormatTable(const std::vector<MetaRow>& rows) {
  // An INTERVAL column when a row is of a cumulative type (its DeltaValue).
  const bool intervals =
      std::any_of(rows.begin(), rows.end(), [](const MetaRow& r) { return r.cumulative; });
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"TIME", "TYPE", "VALUE", "JOB", "APP", "HOST", "LABELS", "ID"});
  if (intervals) cells[0].insert(cells[0].begin() + 3, "INTERVAL");
  for (const MetaRow& r : rows) {
    const archive::Sidecar& s = r.entry->sidecar;
    std::string labels;
    for (const auto& [k, v] : s.labels) {
      if (!labels.empty()) labels += ',';
      labels += k + "=" + v;
    }
    if (labels.empty()) labels = "-";
    std::string time = FormatRfc3339Ms(s.timestamp_ms);
    time = time.substr(0, 19) + "Z";  // seconds are enough to read
    cells.push_back({time, r.sample_type.name,
                     pprof::ScaledLabel(r.sample_type.total, r.sample_type.unit, "auto"), s.job,
                     s.app, s.host, labels, s.id});
    if (intervals) {
      cells.back().insert(cells.back().begin() + 3,
                          !r.cumulative ? "-"
                          : r.delta_value
                              ? pprof::ScaledLabel(*r.delta_value, r.sample_type.unit, "auto")
                              : "baseline");
    }
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace cprof::query
