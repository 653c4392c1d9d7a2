#include "server/trace_cache.h"

namespace cprof::server {

Result<std::shared_ptr<const query::TraceTimeline>> TraceCache::Get(const std::string& id,
                                                                    const FileStamp& stamp,
                                                                    const Build& build) {
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->id != id || it->stamp != stamp) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().timeline;
    }
  }
  CPROF_ASSIGN_OR_RETURN(query::TraceTimeline built, build());
  auto timeline = std::make_shared<const query::TraceTimeline>(std::move(built));
  if (timeline->bytes() > options_.max_bytes || options_.max_entries == 0) return timeline;
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const Entry& e) {
    if (e.id != id) return false;
    bytes_ -= e.timeline->bytes();
    return true;
  });
  entries_.push_front(Entry{id, stamp, timeline});
  bytes_ += timeline->bytes();
  while (entries_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    bytes_ -= entries_.back().timeline->bytes();
    entries_.pop_back();
  }
  return timeline;
}

size_t TraceCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t TraceCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace cprof::server
