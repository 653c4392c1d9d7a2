#include "pprof/summary.h"

namespace cprof::pprof {

std::string SampleTypeName(std::string_view profile_type, std::string_view sample_type,
                           int type_count) {
  std::string name(profile_type);
  if (type_count > 1) {
    name += '_';
    name += sample_type;
  }
  return name;
}

std::string_view ProfileTypeOf(std::string_view sample_type_name) {
  return sample_type_name.substr(0, sample_type_name.find('_'));
}

std::string SampleIndexOf(std::string_view name) {
  size_t underscore = name.find('_');
  return underscore == std::string_view::npos ? "" : std::string(name.substr(underscore + 1));
}

ProfileSummary Summarize(const Profile& p, std::string_view profile_type) {
  ProfileSummary summary;
  const int n = p.sample_type_size();
  summary.sample_types.resize(n);
  for (int i = 0; i < n; ++i) {
    SampleTypeTotal& t = summary.sample_types[i];
    t.type = p.string_table(p.sample_type(i).type());
    t.unit = p.string_table(p.sample_type(i).unit());
    t.name = SampleTypeName(profile_type, t.type, n);
  }
  for (const auto& s : p.sample()) {
    for (int i = 0; i < n; ++i) summary.sample_types[i].total += s.value(i);
  }
  summary.default_sample_type = p.string_table(p.default_sample_type());
  summary.time_nanos = p.time_nanos();
  summary.duration_nanos = p.duration_nanos();
  return summary;
}

}  // namespace cprof::pprof
