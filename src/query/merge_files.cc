#include "query/merge_files.h"

#include <google/protobuf/arena.h>
#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/remote.h"
#include "pprof/merge.h"

namespace cprof::query {

Status ReadProfileInto(const fs::path& path, pprof::Profile* profile, uint64_t* bytes_read) {
  auto bytes = archive::ReadEntryFile(path, size_t{1} << 31);
  if (!bytes.ok()) return bytes.status();
  if (bytes_read != nullptr) *bytes_read += bytes->size();
  if (pprof::IsGzip(*bytes)) {  // the file's bytes freed before the parse (top of 21 MB: -14 MB)
    auto raw = pprof::Gunzip(*bytes, pprof::DecodeOptions().max_decompressed);
    if (!raw.ok()) return raw.status().WithContext(path.string());
    *bytes = std::move(*raw);
  }
  return pprof::DecodeProfileInto(*bytes, profile).WithContext(path.string());
}

Result<pprof::OwnedProfile> ReadProfile(const fs::path& path, uint64_t* bytes_read) {
  pprof::OwnedProfile profile = pprof::OwnedProfile::OnArena();
  CPROF_RETURN_IF_ERROR(ReadProfileInto(path, &*profile, bytes_read));
  return profile;
}

namespace {

// Consecutive inputs read, decoded and, when more than one, merged by a
// worker, ahead of the merge.
struct Chunk {
  size_t first = 0, count = 0;
  std::optional<pprof::OwnedProfile> profile;     // count == 1
  std::optional<pprof::Merger::Partial> partial;  // count > 1
  Status status;
  bool ready = false;
};

// Inputs a chunk takes: as many as make ~kChunkBytes of files, by the
// average so far. One a chunk would cost a hand-over (a wake-up or two)
// per input, which is more than decoding a small profile.
constexpr size_t kChunkBytes = 64 << 10;
constexpr size_t kMaxChunk = 64;

}  // namespace

Result<pprof::OwnedProfile> MergeFiles(const std::vector<fs::path>& paths,
                                       const Progress& progress) {
  if (paths.empty()) return Status::InvalidArgument("no profiles to merge");
  auto load = [&](size_t i, uint64_t* bytes_read) { return ReadProfile(paths[i], bytes_read); };
  return MergeLoaded(
      paths.size(), load, [&](size_t i) { return paths[i].string(); }, progress);
}

Result<pprof::OwnedProfile> MergeLoaded(size_t n, const Loader& load,
                                        const std::function<std::string(size_t)>& name_of,
                                        const Progress& progress) {
  if (n == 0) return Status::InvalidArgument("no profiles to merge");
  if (n == 1) {  // nothing to fold in
    uint64_t bytes = 0;
    return load(0, &bytes);
  }
  // Workers take chunks of consecutive inputs while fewer than `workers`
  // chunks are claimed and not yet folded in by this thread, which folds
  // them in, in order (pprof::Merger's partial merges give the same result
  // as one input after another), so the result does not depend on timing.
  // Memory: the merged result plus, a worker, one chunk: one decoded input
  // and the merge of its run. (A window of four chunks a worker held four
  // times the decoded inputs, for no speed: this thread's folding is what
  // the workers wait for.)
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::deque<Chunk> chunks;  // claimed and not merged yet, in order
  std::mutex mu;
  std::condition_variable chunk_ready, room;
  size_t claimed = 0;  // inputs
  size_t claimed_chunks = 0, merged_chunks = 0;
  uint64_t bytes_read = 0, files_read = 0;
  bool stop = false;

  auto read = [&](size_t i) {
    uint64_t bytes = 0;
    Result<pprof::OwnedProfile> profile = load(i, &bytes);
    std::lock_guard<std::mutex> lock(mu);
    bytes_read += bytes;
    ++files_read;
    return profile;
  };
  auto fill = [&](Chunk* chunk) {
    if (chunk->count == 1) {
      auto input = read(chunk->first);
      chunk->status = input.status();
      if (input.ok()) chunk->profile = std::move(*input);
      return;
    }
    pprof::Merger merger;
    for (size_t i = chunk->first; i < chunk->first + chunk->count; ++i) {
      auto input = read(i);
      chunk->status = input.status();
      if (chunk->status.ok()) chunk->status = merger.Add(**input, name_of(i));
      if (!chunk->status.ok()) return;
    }
    auto partial = merger.FinishPartial();
    if (partial.ok()) chunk->partial.emplace(std::move(*partial));
    chunk->status = partial.status();
  };
  auto work = [&] {
    while (true) {
      Chunk* chunk;
      size_t c;
      {
        std::unique_lock<std::mutex> lock(mu);
        room.wait(lock,
                  [&] { return stop || claimed >= n || claimed_chunks < merged_chunks + workers; });
        if (stop || claimed >= n) return;
        size_t take = 1;
        if (files_read > 0) {
          take = std::clamp<size_t>(kChunkBytes / std::max<uint64_t>(1, bytes_read / files_read), 1,
                                    kMaxChunk);
        }
        c = claimed_chunks++;
        chunk = &chunks.emplace_back();  // deque: other chunks stay put
        chunk->first = claimed;
        chunk->count = std::min(take, n - claimed);
        claimed += chunk->count;
      }
      try {
        fill(chunk);
      } catch (const std::exception& e) {  // bad_alloc: fail this chunk, not the process
        chunk->status = Status::ResourceExhausted(name_of(chunk->first) + ": " + e.what());
      }
      std::lock_guard<std::mutex> lock(mu);
      chunk->ready = true;
      if (c == merged_chunks) chunk_ready.notify_one();
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
  for (size_t t = 0; t < workers; ++t) threads.emplace_back(work);

  pprof::Merger merger;
  for (size_t merged = 0; merged < n;) {
    Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(mu);
      chunk_ready.wait(lock, [&] { return !chunks.empty() && chunks.front().ready; });
      chunk = std::move(chunks.front());
      chunks.pop_front();
    }
    if (!chunk.status.ok()) return chunk.status;
    const std::string name = name_of(chunk.first);
    Status s = chunk.count == 1 ? merger.Add(**chunk.profile, name)
                                : merger.AddPartial(*chunk.partial, name);
    if (!s.ok()) return s;
    merged += chunk.count;
    chunk = Chunk();  // freed before a worker takes the next
    {
      std::lock_guard<std::mutex> lock(mu);
      ++merged_chunks;
    }
    room.notify_one();
    if (progress) progress(merged, n);
  }
  // The workers' memory, freed, goes back to the system before the result
  // is written out as messages (heap 200: ~10 MB off the peak).
  finish();
  malloc_trim(0);
  return merger.Finish();
}

}  // namespace cprof::query
