#include "scrape/discovery.h"

#include <glob.h>

#include <algorithm>
#include <set>

#include "base/fetcher.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/log.h"

namespace cprof::scrape {
namespace {

// A file_sd file larger than this is refused (its last good contents stay).
constexpr size_t kMaxSdFileBytes = 16 << 20;

// The file's stamp; nullopt if it cannot be stat-ed (gone).
std::optional<FileStamp> StampIfAny(const std::string& path) {
  auto stamp = StampOf(path);
  return stamp.ok() ? std::optional<FileStamp>(*stamp) : std::nullopt;
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
  const std::optional<FileStamp> stamp = StampIfAny(path);
  if (stamp == file.stamp) return file.groups;
  file.stamp = stamp;
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

fs::path Discovery::CacheOf(const std::string& url) const {
  return state_dir_ / ("http-sd-" + Sha256Hex(url).substr(0, 16) + ".json");
}

namespace {

// GET `sd.url`, within its refresh interval (30 s at most) and 16 MiB, and
// its target groups.
Result<std::vector<TargetGroup>> FetchGroups(const HttpSdConfig& sd, std::string* body) {
  const Nanos timeout = std::min<Nanos>(sd.refresh_interval, std::chrono::seconds(30));
  FetchRequest request{sd.url, timeout, kMaxSdFileBytes, 0, {}};
  if (!sd.bearer_token_file.empty()) {
    CPROF_ASSIGN_OR_RETURN(std::string header, BearerHeader(sd.bearer_token_file));
    request.headers.push_back(std::move(header));
  }
  FetchResult result = FetchOne(std::move(request), sd.ca_file);
  if (!result.status.ok()) return result.status;
  *body = std::move(result.body);
  return ParseTargetGroups(*body, sd.url);
}

}  // namespace

const std::vector<TargetGroup>& Discovery::GroupsOf(const HttpSdConfig& sd) {
  Http& h = http_[sd.url];
  if (!h.cache_read && !state_dir_.empty()) {
    h.cache_read = true;
    if (auto cached = ReadFile(CacheOf(sd.url), kMaxSdFileBytes); cached.ok()) {
      if (auto groups = ParseTargetGroups(*cached, CacheOf(sd.url).string()); groups.ok()) {
        h.groups = std::move(*groups);
      }
    }
  }
  const int64_t now = NowMs();
  if (now < h.next_fetch_ms) return h.groups;
  h.next_fetch_ms =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(sd.refresh_interval).count();
  std::string body;
  auto groups = FetchGroups(sd, &body);
  if (!groups.ok()) {
    LogError("scrape: http-sd: " + sd.url + ": " + groups.status().message() +
             " (keeping its last good " + std::to_string(h.groups.size()) + " target groups)");
    return h.groups;
  }
  h.groups = std::move(*groups);
  if (!state_dir_.empty() && MakeDirs(state_dir_).ok()) {
    const fs::path cache = CacheOf(sd.url);
    (void)ReplaceFile(state_dir_, cache.filename().string(), body);  // derived: lost, refetched
  }
  return h.groups;
}

namespace {

std::string PodsKey(const KubernetesSdConfig& sd) {
  std::string key = sd.api_server + '\x1f' + sd.label_selector + '\x1f' + sd.bearer_token_file +
                    '\x1f' + sd.ca_file;
  for (const std::string& ns : sd.namespaces) key += '\x1f' + ns;
  return key;
}

}  // namespace

Discovery::Pods& Discovery::PodsOf(const KubernetesSdConfig& sd) {
  Pods& p = pods_[PodsKey(sd)];
  if (p.pods == nullptr) p.pods = std::make_unique<KubernetesPods>(sd);
  return p;
}

bool Discovery::Changed(const Config& config) const {
  const int64_t now = NowMs();
  for (const JobConfig& job : config.jobs) {
    for (const KubernetesSdConfig& sd : job.kubernetes_sd) {
      auto it = pods_.find(PodsKey(sd));
      if (it == pods_.end() || it->second.pods->generation() != it->second.seen) return true;
    }
    for (const HttpSdConfig& sd : job.http_sd) {
      auto it = http_.find(sd.url);
      if (it == http_.end() || now >= it->second.next_fetch_ms) return true;
    }
    for (const FileSdConfig& sd : job.file_sd) {
      for (const std::string& path : ExpandGlobs(sd.files)) {
        auto it = files_.find(path);
        if (it == files_.end() || StampIfAny(path) != it->second.stamp) return true;
      }
    }
  }
  return false;
}

const std::vector<LabelSet>& Discovery::DroppedOf(const std::string& job) const {
  static const std::vector<LabelSet> kNone;
  auto it = dropped_.find(job);
  return it == dropped_.end() ? kNone : it->second;
}

std::vector<DiscoveredTarget> Discovery::TargetsOf(const JobConfig& job) {
  std::vector<DiscoveredTarget> out;
  std::vector<LabelSet>& dropped = dropped_[job.job];
  dropped.clear();
  std::set<std::pair<std::string, archive::Labels>> seen;  // (host, labels): once each
  auto add = [&](LabelSet labels, const std::string& fallback_app, const std::string& where) {
    std::optional<LabelSet> kept = Relabel(labels, job.relabel);
    if (!kept) {  // by a rule
      dropped.push_back(std::move(labels));
      return;
    }
    DiscoveredTarget t;
    t.discovered = std::move(labels);
    t.host = (*kept)["__address__"];
    if (!ValidHost(t.host)) {
      LogError("scrape: job " + job.job + ": " + where +
               ": no valid __address__ after relabeling (\"" + t.host + "\"): left out");
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
          LabelSet discovered(target.labels.begin(), target.labels.end());
          discovered["__address__"] = host;
          out.push_back({target.application, host, target.labels, std::move(discovered)});
        }
        continue;
      }
      LabelSet labels(target.labels.begin(), target.labels.end());
      labels["__address__"] = host;
      labels.emplace(job.app_label, target.application);
      add(std::move(labels), target.application, "target " + host);
    }
  }
  // Each target of `groups`, with its group's labels, __address__ and
  // `meta` (a label naming where it was found: "" for none) set to `source`.
  auto add_groups =
      [&](const std::vector<TargetGroup>& groups, const char* meta, const std::string& source) {
    for (const TargetGroup& group : groups) {
      for (const std::string& host : group.targets) {
        LabelSet labels(group.labels.begin(), group.labels.end());
        labels["__address__"] = host;
        if (*meta != '\0') labels[meta] = source;
        add(std::move(labels), job.job, source + ": " + host);
      }
    }
  };
  for (const KubernetesSdConfig& sd : job.kubernetes_sd) {
    Pods& pods = PodsOf(sd);
    pods.seen = pods.pods->generation();  // (before reading: a change after it shows next time)
    add_groups(pods.pods->Groups(watch_), "", "kubernetes-sd");
  }
  for (const HttpSdConfig& sd : job.http_sd) add_groups(GroupsOf(sd), "__meta_url", sd.url);
  for (const FileSdConfig& sd : job.file_sd) {
    for (const std::string& path : ExpandGlobs(sd.files)) {
      add_groups(GroupsOf(path), "__meta_filepath", path);
    }
  }
  return out;
}

}  // namespace cprof::scrape
