#include "query/merge_files.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "pprof/merge.h"

namespace cprof::query {

Status ReadProfileInto(const fs::path& path, pprof::Profile* profile) {
  auto bytes = ReadFile(path, size_t{1} << 31);
  if (!bytes.ok()) return bytes.status();
  return pprof::DecodeProfileInto(*bytes, profile).WithContext(path.string());
}

Result<pprof::OwnedProfile> ReadProfile(const fs::path& path) {
  pprof::OwnedProfile profile = pprof::OwnedProfile::OnArena();
  CPROF_RETURN_IF_ERROR(ReadProfileInto(path, &*profile));
  return profile;
}

namespace {

// One input being decoded ahead of the merge.
struct Slot {
  std::unique_ptr<google::protobuf::Arena> arena;
  pprof::Profile* profile = nullptr;
  Status status;
  bool ready = false;
};

}  // namespace

Result<pprof::OwnedProfile> MergeFiles(const std::vector<fs::path>& paths,
                                       const Progress& progress) {
  if (paths.empty()) return Status::InvalidArgument("no profiles to merge");
  if (paths.size() == 1) return ReadProfile(paths[0]);  // nothing to fold in
  // Workers read and decode up to `window` files ahead; this thread folds
  // them in, in order, so the result does not depend on timing. Memory:
  // the merged result plus at most `window` decoded inputs.
  //
  // Either side sleeps until half the window is done or free, not until
  // the next input: a wake-up costs more than decoding a small profile.
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  const size_t window = 4 * workers, half = window / 2, n = paths.size();
  // The last input the merge waits for, when it waits for input `i`.
  auto batch_end = [&](size_t i) { return std::min(i + half, n) - 1; };
  std::vector<Slot> slots(paths.size());
  std::mutex mu;
  std::condition_variable slot_ready, room;
  size_t next_to_take = 0, next_to_merge = 0;
  bool stop = false;
  auto work = [&] {
    while (true) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        room.wait(lock, [&] {
          return stop || next_to_take >= n || next_to_take < next_to_merge + window;
        });
        if (stop || next_to_take >= n) return;
        i = next_to_take++;
      }
      Slot slot;
      slot.arena = std::make_unique<google::protobuf::Arena>();
      slot.profile = google::protobuf::Arena::CreateMessage<pprof::Profile>(slot.arena.get());
      try {
        slot.status = ReadProfileInto(paths[i], slot.profile);
      } catch (const std::exception& e) {  // bad_alloc: fail this input, not the process
        slot.status = Status::ResourceExhausted(paths[i].string() + ": " + e.what());
      }
      slot.ready = true;
      std::lock_guard<std::mutex> lock(mu);
      slots[i] = std::move(slot);
      if (i == next_to_merge || i == batch_end(next_to_merge)) slot_ready.notify_one();
    }
  };
  std::vector<std::thread> threads;
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    room.notify_all();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  };
  // However this function is left, the workers are stopped and joined.
  struct Joiner {
    std::function<void()> f;
    ~Joiner() { f(); }
  } joiner{finish};
  for (size_t t = 0; t < std::min(workers, paths.size()); ++t) threads.emplace_back(work);

  pprof::Merger merger;
  for (size_t i = 0; i < paths.size(); ++i) {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mu);
      if (!slots[i].ready) {
        slot_ready.wait(lock, [&] { return slots[i].ready && slots[batch_end(i)].ready; });
      }
      slot = std::move(slots[i]);
      next_to_merge = i + 1;
      if (next_to_take == next_to_merge + half) room.notify_all();
    }
    Status s = slot.status.ok() ? merger.Add(*slot.profile, paths[i].string()) : slot.status;
    if (!s.ok()) return s;
    if (progress) progress(i + 1, paths.size());
  }
  CPROF_ASSIGN_OR_RETURN(pprof::Profile merged, merger.Finish());
  return pprof::OwnedProfile(std::move(merged));
}

}  // namespace cprof::query
