#include "scrape/discovery.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "base/fs.h"
#include "base/log.h"

namespace cprof::scrape {
namespace {

// A file_sd file larger than this is refused (its last good contents stay).
constexpr size_t kMaxSdFileBytes = 16 << 20;

struct Stamp {
  int64_t mtime_ns = -1;
  int64_t size = -1;
};

Stamp StampOfFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size)};
}

}  // namespace

std::vector<std::string> ExpandGlobs(const std::vector<std::string>& globs) {
  std::set<std::string> out;
  for (const std::string& pattern : globs) {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.insert(g.gl_pathv[i]);
    }
    ::globfree(&g);
  }
  return {out.begin(), out.end()};
}

const std::vector<TargetGroup>& Discovery::GroupsOf(const std::string& path) {
  File& file = files_[path];
  const Stamp stamp = StampOfFile(path);
  if (stamp.mtime_ns == file.mtime_ns && stamp.size == file.size) return file.groups;
  file.mtime_ns = stamp.mtime_ns;
  file.size = stamp.size;
  auto text = ReadFile(path, kMaxSdFileBytes);
  Result<std::vector<TargetGroup>> groups =
      text.ok() ? ParseTargetGroups(*text, path) : Result<std::vector<TargetGroup>>(text.status());
  if (!groups.ok()) {
    LogError("scrape: file-sd: " + groups.status().message() + " (keeping its last good " +
             std::to_string(file.groups.size()) + " target groups)");
    return file.groups;
  }
  file.groups = std::move(*groups);
  return file.groups;
}

bool Discovery::Changed(const Config& config) const {
  for (const JobConfig& job : config.jobs) {
    for (const FileSdConfig& sd : job.file_sd) {
      for (const std::string& path : ExpandGlobs(sd.files)) {
        auto it = files_.find(path);
        if (it == files_.end()) return true;
        Stamp stamp = StampOfFile(path);
        if (stamp.mtime_ns != it->second.mtime_ns || stamp.size != it->second.size) return true;
      }
    }
  }
  return false;
}

std::vector<DiscoveredTarget> Discovery::TargetsOf(const JobConfig& job) {
  std::vector<DiscoveredTarget> out;
  std::set<std::pair<std::string, archive::Labels>> seen;  // (host, labels): once each
  auto add = [&](LabelSet labels, const std::string& fallback_app, const std::string& where) {
    std::optional<LabelSet> kept = Relabel(std::move(labels), job.relabel);
    if (!kept) return;  // dropped by a rule
    DiscoveredTarget t;
    t.host = (*kept)["__address__"];
    if (!ValidHost(t.host)) {
      LogError("scrape: job " + job.job + ": " + where + ": no valid __address__ after relabeling (\"" +
               t.host + "\"): left out");
      return;
    }
    auto app = kept->find(job.app_label);
    t.app = app != kept->end() ? app->second : fallback_app;
    if (app != kept->end()) kept->erase(app);
    for (auto& [name, value] : *kept) {
      if (name.starts_with("__")) continue;
      if (!ValidLabelName(name) || name[0] == '_') {
        LogError("scrape: job " + job.job + ": " + where + ": label \"" + name +
                 "\" after relabeling (names starting with _ are cprofiler's): left out");
        return;
      }
      t.labels.emplace(name, std::move(value));
    }
    if (seen.emplace(t.host, t.labels).second) out.push_back(std::move(t));
  };
  for (const TargetConfig& target : job.targets) {
    for (const std::string& host : target.hosts) {
      if (job.relabel.empty()) {
        // As configured: the archive directory its labels name stays.
        if (seen.emplace(host, target.labels).second) {
          out.push_back({target.application, host, target.labels});
        }
        continue;
      }
      LabelSet labels(target.labels.begin(), target.labels.end());
      labels["__address__"] = host;
      labels.emplace(job.app_label, target.application);
      add(std::move(labels), target.application, "target " + host);
    }
  }
  for (const FileSdConfig& sd : job.file_sd) {
    for (const std::string& path : ExpandGlobs(sd.files)) {
      for (const TargetGroup& group : GroupsOf(path)) {
        for (const std::string& host : group.targets) {
          LabelSet labels(group.labels.begin(), group.labels.end());
          labels["__address__"] = host;
          labels["__meta_filepath"] = path;
          add(std::move(labels), job.job, path + ": " + host);
        }
      }
    }
  }
  return out;
}

}  // namespace cprof::scrape
