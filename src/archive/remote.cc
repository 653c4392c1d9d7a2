#include "archive/remote.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace cprof::archive {
namespace {

std::mutex g_mu;
std::atomic<bool> g_any{false};  // the registry is not empty
// Root (lexically normal, no trailing '/') -> its remote. Few roots: one
// per process in practice.
std::map<std::string, RemoteFiles*>& Registry() {
  static auto* registry = new std::map<std::string, RemoteFiles*>;
  return *registry;
}

std::string Normal(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The remote whose root holds `path`, and the path relative to it.
RemoteFiles* RemoteOf(const fs::path& path, fs::path* relative) {
  if (!g_any.load(std::memory_order_relaxed)) return nullptr;
  std::lock_guard<std::mutex> lock(g_mu);
  const std::string p = Normal(path);
  for (const auto& [root, remote] : Registry()) {
    if (p.size() > root.size() + 1 && p.compare(0, root.size(), root) == 0 &&
        p[root.size()] == '/') {
      fs::path rel = fs::path(p.substr(root.size() + 1));
      // (never outside the root: ".." was resolved lexically above)
      if (rel.empty() || *rel.begin() == "..") return nullptr;
      *relative = std::move(rel);
      return remote;
    }
  }
  return nullptr;
}

}  // namespace

Status RemoteFiles::FetchAll(const std::vector<std::pair<fs::path, fs::path>>& files) {
  Status first;
  for (const auto& [relative, local] : files) {
    Status s = Fetch(relative, local);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

void RegisterRemote(const fs::path& root, RemoteFiles* remote) {
  std::lock_guard<std::mutex> lock(g_mu);
  // (as given and absolute: readers form paths from either)
  std::error_code ec;
  for (const fs::path& form : {root, fs::absolute(root, ec)}) {
    if (form.empty()) continue;
    if (remote == nullptr) {
      Registry().erase(Normal(form));
    } else {
      Registry()[Normal(form)] = remote;
    }
  }
  g_any = !Registry().empty();
}

bool IsRemote(const fs::path& path) {
  fs::path relative;
  return RemoteOf(path, &relative) != nullptr;
}

Status EnsureLocal(const fs::path& path) {
  fs::path relative;
  RemoteFiles* remote = RemoteOf(path, &relative);
  if (remote == nullptr) return Status::OK();
  if (Exists(path)) {
    remote->Touched(path);
    return Status::OK();
  }
  return remote->Fetch(relative, path);
}

Status EnsureLocalAll(const std::vector<fs::path>& paths) {
  std::map<RemoteFiles*, std::vector<std::pair<fs::path, fs::path>>> missing;
  Status first;
  for (const fs::path& path : paths) {
    fs::path relative;
    RemoteFiles* remote = RemoteOf(path, &relative);
    if (remote == nullptr) continue;
    if (Exists(path)) {
      remote->Touched(path);
    } else {
      missing[remote].emplace_back(std::move(relative), path);
    }
  }
  for (const auto& [remote, files] : missing) {
    Status s = remote->FetchAll(files);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Result<std::string> ReadEntryFile(const fs::path& path, size_t max_bytes) {
  CPROF_RETURN_IF_ERROR(EnsureLocal(path));
  return ReadFile(path, max_bytes);
}

Result<std::vector<fs::path>> LocalEntryFiles(const fs::path& root,
                                              const std::vector<fs::path>& paths) {
  if (Status fetched = EnsureLocalAll(paths); !fetched.ok() && !fetched.IsNotFound()) {
    return fetched;
  }
  CPROF_ASSIGN_OR_RETURN(fs::path real_root, RealPath(root));
  const std::string inside = real_root.string() + "/";
  std::vector<fs::path> out;
  out.reserve(paths.size());
  for (const fs::path& path : paths) {
    auto real = RealPath(path);
    if (!real.ok() || !real->string().starts_with(inside)) {
      return Status::NotFound(path.string() + ": not in the archive " + root.string());
    }
    out.push_back(std::move(*real));
  }
  return out;
}

}  // namespace cprof::archive
