#include "query/select.h"

#include "archive/layout.h"
#include "base/profile_types.h"
#include "pprof/summary.h"

namespace cprof::query {

std::vector<archive::SampleTypeInfo> SampleTypesOf(const archive::Sidecar& s) {
  if (!HasSamples(s.profile_type)) {
    return {archive::SampleTypeInfo{s.profile_type, s.profile_type, "bytes", s.size}};
  }
  return s.sample_types;
}

std::optional<archive::SampleTypeInfo> FindSampleType(const archive::Sidecar& s,
                                                      std::string_view name) {
  for (auto& t : SampleTypesOf(s)) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

Status ValidateSelection(const Selection& sel) {
  if (!sel.sample_type.empty() && !IsProfileType(pprof::ProfileTypeOf(sel.sample_type))) {
    return Status::InvalidArgument("unknown sample type \"" + sel.sample_type.substr(0, 100) +
                                   "\" (e.g. profile_cpu, heap_inuse_space, goroutine, trace)");
  }
  if (sel.from_ms > sel.to_ms) {
    return Status::InvalidArgument("the time range ends before it starts");
  }
  return Status::OK();
}

Result<std::vector<archive::Entry>> Select(const fs::path& root, const Selection& sel,
                                           archive::Reporter* reporter, std::string_view tier) {
  CPROF_RETURN_IF_ERROR(ValidateSelection(sel));
  archive::ScanOptions options;
  options.tier = std::string(tier);
  options.from_ms = sel.from_ms;
  options.to_ms = sel.to_ms;
  if (!sel.sample_type.empty()) {
    options.profile_type = std::string(pprof::ProfileTypeOf(sel.sample_type));
  }
  if (!sel.matchers.empty()) {
    options.keep = [&sel](const archive::Sidecar& s) {
      return MatchAll(sel.matchers, sel.any_of, s);
    };
  }
  std::vector<archive::Entry> entries = archive::Scan(root, options, reporter);
  if (!sel.sample_type.empty()) {
    std::erase_if(entries, [&](const archive::Entry& e) {
      return !FindSampleType(e.sidecar, sel.sample_type).has_value();
    });
  }
  return entries;
}

}  // namespace cprof::query
