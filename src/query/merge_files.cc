#include "query/merge_files.h"

#include "pprof/merge.h"

namespace cprof::query {

Result<pprof::Profile> ReadProfile(const fs::path& path) {
  auto bytes = ReadFile(path, size_t{1} << 31);
  if (!bytes.ok()) return bytes.status();
  auto profile = pprof::DecodeProfile(*bytes);
  if (!profile.ok()) return profile.status().WithContext(path.string());
  return profile;
}

Result<pprof::Profile> MergeFiles(const std::vector<fs::path>& paths,
                                  const Progress& progress) {
  if (paths.empty()) return Status::InvalidArgument("no profiles to merge");
  pprof::Merger merger;
  for (size_t i = 0; i < paths.size(); ++i) {
    CPROF_ASSIGN_OR_RETURN(pprof::Profile p, ReadProfile(paths[i]));
    CPROF_RETURN_IF_ERROR(merger.Add(p, paths[i].string()));
    if (progress) progress(i + 1, paths.size());
  }
  return merger.Finish();
}

}  // namespace cprof::query
