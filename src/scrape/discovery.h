// A job's targets: its static target-configs, and the target groups its
// file-sd-configs list (Prometheus's file_sd format) and its
// http-sd-configs serve (Prometheus's HTTP SD), each target relabeled by the
// job's relabel-configs (scrape/relabel.h).
//
// A discovered target starts with its group's labels, __address__ (the
// host:port listed) and __meta_filepath (the file) or __meta_url (the URL).
// An HTTP SD list is fetched every refresh-interval; the last good one is
// kept in the state directory, so that a `scrape --once` pass during a
// discovery outage scrapes what the last pass did. A static target, when
// the job has relabel rules, starts with its labels, __address__ and the
// app label (its application). After relabeling: the host is __address__,
// the app the app label's value (app-label, default "app"; else the job's
// name), and the labels are the rest, less those starting with "__".
// Without relabel rules a static target is as configured (so its archive
// directory, which its labels name, stays what it was).
//
// Thread-compatible: one Discovery per scraper thread.
#ifndef CPROF_SCRAPE_DISCOVERY_H_
#define CPROF_SCRAPE_DISCOVERY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scrape/config.h"
#include "scrape/kubernetes_sd.h"

namespace cprof::scrape {

struct DiscoveredTarget {
  std::string app;
  std::string host;
  archive::Labels labels;
  LabelSet discovered;  // before relabeling
};

class Discovery {
 public:
  // `state_dir` ("": none): where the last good HTTP SD lists are kept.
  explicit Discovery(fs::path state_dir = {}) : state_dir_(std::move(state_dir)) {}

  // The targets of `job` now, each once. Files are read when they changed
  // since the last read; a file that cannot be read or parsed is logged
  // (with its name, and the line and column of the fault) and its last good
  // contents are used (none, the first time). A target that relabeling
  // leaves without a valid host or with an invalid label name is logged and
  // left out.
  std::vector<DiscoveredTarget> TargetsOf(const JobConfig& job);

  // The targets of `job` that relabeling dropped, as discovered, at the
  // last TargetsOf(job).
  const std::vector<LabelSet>& DroppedOf(const std::string& job) const;

  // Whether Kubernetes pods are watched (a running scrape) or only listed
  // (false, the default: a --once pass).
  void set_watch(bool watch) { watch_ = watch; }

  // Whether a file the jobs of `config` read (per their globs) is new,
  // gone or changed since it was last read, an HTTP SD list is due, or a
  // watch changed the pods.
  bool Changed(const Config& config) const;

 private:
  struct File {
    std::optional<FileStamp> stamp;   // when it was last read; nullopt: gone
    std::vector<TargetGroup> groups;  // the last good contents
  };
  struct Http {
    int64_t next_fetch_ms = 0;
    bool cache_read = false;
    std::vector<TargetGroup> groups;  // the last good list
  };
  // The groups of `path`, read again if it changed.
  const std::vector<TargetGroup>& GroupsOf(const std::string& path);
  // The groups `sd` serves, fetched again if due.
  const std::vector<TargetGroup>& GroupsOf(const HttpSdConfig& sd);
  fs::path CacheOf(const std::string& url) const;

  const fs::path state_dir_;
  std::map<std::string, File> files_;
  std::map<std::string, Http> http_;
  std::map<std::string, std::vector<LabelSet>> dropped_;  // by job
  // By the config they watch (kubernetes_sd.h); the generation last read.
  struct Pods {
    std::unique_ptr<KubernetesPods> pods;
    uint64_t seen = 0;
  };
  Pods& PodsOf(const KubernetesSdConfig& sd);
  std::map<std::string, Pods> pods_;
  bool watch_ = false;
};

// The files `globs` name, sorted.
std::vector<std::string> ExpandGlobs(const std::vector<std::string>& globs);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_DISCOVERY_H_
