// The Store contract on a directory and on a real S3 API (moto_server on
// loopback, started here), one prune on both, and what failures and
// crashes at every point of a scrape pass's commit, an upload, a
// compaction and a prune leave behind (FaultStore).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "archive/bucket.h"
#include "archive/bucket_store.h"
#include "archive/fault_store.h"
#include "archive/prune.h"
#include "archive/scan.h"
#include "archive/store.h"
#include "archive/upload.h"
#include "archive/writer.h"
#include "base/fetcher.h"
#include "base/hash.h"
#include "pprof/codec.h"
#include "pprof/profile_builder.h"
#include "pprof/summary.h"
#include "query/compact.h"
#include "test_util.h"

extern char** environ;

using namespace cprof;
using namespace cprof::archive;

namespace {

constexpr int64_t kHourMs = 3'600'000;

// moto_server on a free loopback port with one bucket, "store", stopped
// when it goes.
class MotoServer {
 public:
  MotoServer() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    ::close(s);
    const std::string port = std::to_string(port_);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const char* argv[] = {"moto_server", "-H", "127.0.0.1", "-p", port.c_str(), nullptr};
    const int spawned =
        ::posix_spawnp(&pid_, "moto_server", &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    INFO("moto_server (Python's moto) must be installed: the S3 API the bucket tests run on");
    REQUIRE(spawned == 0);
    endpoint_ = "http://127.0.0.1:" + port;
    // Up once it answers; then the bucket.
    for (int i = 0; i < 200; ++i) {
      FetchRequest request;
      request.url = endpoint_ + "/store";
      request.method = "PUT";
      request.timeout = std::chrono::seconds(2);
      request.any_2xx = true;
      FetchResult r = FetchOne(request, "");
      if (r.status.ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("moto_server did not start on " << endpoint_);
  }
  ~MotoServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  // A client of the bucket under `prefix`.
  S3Client Client(const std::string& prefix) const {
    S3Options options;
    options.endpoint = endpoint_;
    options.path_style = true;
    options.max_attempts = 2;
    options.timeout = std::chrono::seconds(10);
    return S3Client(S3Location{"store", prefix}, options, S3Credentials{"AKIATESTKEY", "secret"});
  }

 private:
  int port_ = 0;
  pid_t pid_ = 0;
  std::string endpoint_;
};

// The Store's keys, every one, in order.
std::vector<std::string> Keys(Store& store) {
  std::vector<std::string> keys;
  Status s = store.List("", false, [&](std::span<const StoredObject> page) {
    for (const StoredObject& o : page) keys.push_back(o.key);
    return Status::OK();
  });
  REQUIRE(s.ok());
  return keys;
}

// The keys of entries' files (profiles and sidecars) only.
std::set<std::string> EntryKeys(Store& store) {
  std::set<std::string> out;
  for (const std::string& key : Keys(store)) {
    int64_t ms;
    bool is_sidecar;
    if (ParseEntryFileName(key.substr(key.rfind('/') + 1), &ms, &is_sidecar)) out.insert(key);
  }
  return out;
}

class CountingReporter : public Reporter {
 public:
  void Corrupt(const fs::path& path, const Status&) override { paths.push_back(path); }
  std::vector<fs::path> paths;
};

// One entry as the writer made it: its key and its two files' bytes.
struct Written {
  EntryKey key;
  std::string profile, sidecar;
};

Sidecar Meta(std::string app, int64_t ts, int64_t expiration_ms) {
  Sidecar s;
  s.profile_type = "heap";
  s.job = "job";
  s.app = std::move(app);
  s.host = "127.0.0.1:6060";
  s.labels = {{"env", "dev"}};
  s.timestamp_ms = ts;
  s.expiration_ns = expiration_ms * 1'000'000;
  s.sample_types = {{"heap_inuse_space", "inuse_space", "bytes", 1}};
  return s;
}

// Entries of three targets, 2 to 4 hours old: "short" kept an hour (all
// expired), "long" a day, "forever" never.
std::vector<Written> SomeEntries() {
  testing::TempDir dir;
  ArchiveWriter writer(dir.path());
  std::vector<Written> out;
  const int64_t now = NowMs();
  int n = 0;
  for (const auto& [app, expiration] : std::vector<std::pair<std::string, int64_t>>{
           {"short", kHourMs}, {"long", 24 * kHourMs}, {"forever", 0}}) {
    for (int i = 0; i < 3; ++i) {
      auto s = writer.Write("profile " + std::to_string(++n),
                            Meta(app, now - 2 * kHourMs - i * 40 * 60'000, expiration));
      REQUIRE(s.ok());
      Written w;
      w.key = *ParseId(s->id);
      w.profile = *ReadFile(dir.path() / EntryDir(w.key) / ProfileFileName(w.key), 1 << 20);
      w.sidecar = *ReadFile(dir.path() / EntryDir(w.key) / SidecarFileName(w.key), 1 << 20);
      out.push_back(std::move(w));
    }
  }
  return out;
}

// What a prune acts on besides: a profile whose sidecar never came and an
// unreadable sidecar, each in a target of its own; with `lost`, a sidecar
// whose profile went (of the "long" target).
void PutDamage(Store& store, const std::vector<Written>& entries, bool lost) {
  auto alone = [&](const std::string& app) {
    EntryKey key = entries[0].key;
    key.target_key = TargetKey("job", app, "127.0.0.1:6060", {{"env", "dev"}}, kHourMs * 1'000'000);
    key.timestamp_ms -= kHourMs;
    return key;
  };
  REQUIRE(store.Put(ProfileKey(alone("orphan")), "a profile without its sidecar").ok());
  REQUIRE(PutEntry(store, alone("unreadable"), "bytes", "{ not json").ok());
  if (lost) REQUIRE(store.Delete(ProfileKey(entries[3].key)).ok());
}

// No sidecar without its profile, and no entry a reader finds unreadable
// (every sidecar parses as its key's).
void CheckWhole(Store& store) {
  const std::set<std::string> keys = EntryKeys(store);
  for (const std::string& key : keys) {
    const std::string name = key.substr(key.rfind('/') + 1);
    if (!name.ends_with(".json")) continue;
    const std::string profile_name = name.substr(0, name.size() - 5);
    bool has_profile = std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
      return k.starts_with(key.substr(0, key.rfind('/') + 1) + profile_name) && k != key;
    });
    INFO(key);
    CHECK(has_profile);
  }
}

void PutAll(Store& store, const std::vector<Written>& entries) {
  for (const Written& w : entries) REQUIRE(PutEntry(store, w.key, w.profile, w.sidecar).ok());
}

}  // namespace

TEST_CASE("Store contract: a directory and a bucket", "[store]") {
  testing::TempDir dir;
  LocalStore local(dir.path());
  MotoServer moto;
  BucketStore bucket(moto.Client("contract"));
  for (Store* store : std::vector<Store*>{&local, &bucket}) {
    INFO(store->Describe());
    REQUIRE(store->Put("2026/12/07/a/one.json", "{\"one\": 1}").ok());
    REQUIRE(store->Put("2026/12/07/a/two.pb.gz", "0123456789").ok());
    REQUIRE(store->Put("2026/12/08/b/three.pb.gz", "x").ok());
    REQUIRE(store->Put("2026/12/07/a/two.pb.gz", "0123456789abcdef").ok());  // replaced
    CHECK(*store->Get("2026/12/07/a/two.pb.gz", 100) == "0123456789abcdef");
    CHECK(store->Get("2026/12/07/a/two.pb.gz", 4).status().code() ==
          Status::Code::kResourceExhausted);
    auto none = store->Get("2026/12/07/a/none", 100);
    INFO(none.status().message());
    CHECK(none.status().IsNotFound());
    CHECK(*store->GetRange("2026/12/07/a/two.pb.gz", 10, 4) == "abcd");
    CHECK(*store->GetRange("2026/12/07/a/two.pb.gz", 14, 10) == "ef");
    auto stat = store->Stat("2026/12/07/a/two.pb.gz");
    REQUIRE(stat.ok());
    CHECK(stat->size == 16);
    CHECK(stat->footprint >= 16);
    CHECK(std::abs(stat->written_ms - NowMs()) < 60'000);
    CHECK(store->Stat("2026/12/07/a/none").status().IsNotFound());
    CHECK(Keys(*store) == std::vector<std::string>{"2026/12/07/a/one.json",
                                                   "2026/12/07/a/two.pb.gz",
                                                   "2026/12/08/b/three.pb.gz"});
    std::vector<std::string> under;
    REQUIRE(store
                ->List(
                    "2026/12/07/", true,
                    [&](std::span<const StoredObject> page) {
      for (const StoredObject& o : page) {
        CHECK(o.size >= 0);
        under.push_back(o.key);
      }
      return Status::OK();
                    })
                .ok());
    CHECK(under == std::vector<std::string>{"2026/12/07/a/one.json", "2026/12/07/a/two.pb.gz"});
    CHECK(*store->ListChildren("2026/12/") == std::vector<std::string>{"07", "08"});
    CHECK(*store->ListChildren("") == std::vector<std::string>{"2026"});
    REQUIRE(store->Delete("2026/12/08/b/three.pb.gz").ok());
    REQUIRE(store->Delete("2026/12/08/b/three.pb.gz").ok());  // gone already: OK
    REQUIRE(store->Delete("2026/12/08/b/").ok());
    REQUIRE(store->Delete("2026/12/08/").ok());
    CHECK(*store->ListChildren("2026/12/") == std::vector<std::string>{"07"});
    auto usage = store->UsageOver(0);
    REQUIRE(usage.ok());
    REQUIRE(usage->has_value());
    CHECK((*usage)->entries == 0);  // no entry file names among these
    CHECK((*usage)->total >= 26);
  }
  // A page at a time: 2,500 keys in key order.
  testing::TempDir many;
  LocalStore local_many(many.path());
  std::vector<std::string> want;
  for (int i = 0; i < 2500; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "d/%05d", i);
    want.push_back(key);
    REQUIRE(local_many.Put(key, "").ok());
  }
  size_t pages = 0;
  std::vector<std::string> got;
  REQUIRE(local_many
              .List(
                  "", false,
                  [&](std::span<const StoredObject> page) {
    ++pages;
    for (const StoredObject& o : page) got.push_back(o.key);
    return Status::OK();
                  })
              .ok());
  CHECK(got == want);
  CHECK(pages == 3);
}

TEST_CASE("One prune: the same entries go from a directory and from a bucket", "[store][prune]") {
  const std::vector<Written> entries = SomeEntries();
  testing::TempDir dir;
  LocalStore local(dir.path());
  MotoServer moto;
  BucketStore bucket(moto.Client("prune"));
  std::map<std::string, std::set<std::string>> kept;
  std::map<std::string, std::vector<int64_t>> counts;
  std::map<std::string, size_t> reported;
  for (Store* store : std::vector<Store*>{&local, &bucket}) {
    INFO(store->Describe());
    PutAll(*store, entries);
    PutDamage(*store, entries, /*lost=*/true);
    CountingReporter reporter;
    // Two hours on: the damage is stale, the short target's entries expired.
    PruneStats stats = Prune(*store, NowMs() + 2 * kHourMs, &reporter);
    CHECK(stats.error.ok());
    CHECK(stats.entries_removed == 3);
    CHECK(stats.stale_files_removed == 2);
    CHECK(reporter.paths.size() == 1);
    kept[store == &local ? "local" : "bucket"] = EntryKeys(*store);
    CheckWhole(*store);
  }
  CHECK(kept["local"] == kept["bucket"]);
  // long's 2 whole entries, forever's 3, the unreadable entry
  CHECK(kept["local"].size() == 2 * 2 + 3 * 2 + 2);
  // The local store leaves no directory behind for the short target.
  const fs::path short_dir = dir.path() / EntryDir(entries[0].key);
  CHECK_FALSE(fs::exists(short_dir));
}

TEST_CASE("A crash at every point of a pass's writes leaves whole entries", "[store][fault]") {
  const std::vector<Written> entries = SomeEntries();
  const int cuts = static_cast<int>(2 * entries.size());
  for (int cut = 0; cut <= cuts; ++cut) {
    INFO("crash after " << cut << " of " << cuts << " writes");
    testing::TempDir dir;
    LocalStore local(dir.path());
    testing::FaultStore faulty(&local);
    faulty.CrashAfter(cut);
    for (const Written& w : entries) {
      if (!PutEntry(faulty, w.key, w.profile, w.sidecar).ok()) break;
    }
    CheckWhole(local);
    CountingReporter reporter;
    std::vector<Entry> scanned = Scan(dir.path(), {}, &reporter);
    CHECK(reporter.paths.empty());
    CHECK(scanned.size() == static_cast<size_t>(cut / 2));
    for (const Entry& e : scanned) CHECK(ReadFile(e.ProfilePath(), 1 << 20).ok());
  }
}

TEST_CASE("A crash at every point of a prune leaves whole entries, and the next prune finishes",
          "[store][fault][prune]") {
  const std::vector<Written> entries = SomeEntries();
  const int64_t later = NowMs() + 2 * kHourMs;
  // The whole prune, to count its deletions and know its outcome.
  testing::TempDir reference_dir;
  LocalStore reference(reference_dir.path());
  PutAll(reference, entries);
  PutDamage(reference, entries, /*lost=*/false);
  testing::FaultStore counting(&reference);
  (void)Prune(counting, later, nullptr);
  const int cuts = counting.mutations();
  const std::set<std::string> done = EntryKeys(reference);
  REQUIRE(cuts >= 3 * 2 + 1);  // 3 expired entries, the orphan profile, and directories
  for (int cut = 0; cut <= cuts; ++cut) {
    INFO("crash after " << cut << " of " << cuts << " deletions");
    testing::TempDir dir;
    LocalStore local(dir.path());
    PutAll(local, entries);
    PutDamage(local, entries, /*lost=*/false);
    testing::FaultStore faulty(&local);
    faulty.CrashAfter(cut);
    (void)Prune(faulty, later, nullptr);
    CheckWhole(local);
    CountingReporter reporter;
    (void)Scan(dir.path(), {}, &reporter);
    CHECK(reporter.paths.size() == 1);  // the unreadable sidecar alone
    PruneStats again = Prune(local, later, nullptr);
    CHECK(again.error.ok());
    std::vector<std::string> extra, missing;
    const std::set<std::string> now_there = EntryKeys(local);
    std::set_difference(now_there.begin(), now_there.end(), done.begin(), done.end(),
                        std::back_inserter(extra));
    std::set_difference(done.begin(), done.end(), now_there.begin(), now_there.end(),
                        std::back_inserter(missing));
    CHECK(extra == std::vector<std::string>{});
    CHECK(missing == std::vector<std::string>{});
  }
}

TEST_CASE("A failed deletion: prune says so and goes on", "[store][fault][prune]") {
  const std::vector<Written> entries = SomeEntries();
  const int64_t later = NowMs() + 2 * kHourMs;
  testing::TempDir reference_dir;
  LocalStore reference(reference_dir.path());
  PutAll(reference, entries);
  testing::FaultStore counting(&reference);
  PruneStats whole = Prune(counting, later, nullptr);
  REQUIRE(whole.entries_removed == 3);
  for (int n = 1; n <= counting.mutations(); ++n) {
    INFO("deletion " << n << " fails");
    testing::TempDir dir;
    LocalStore local(dir.path());
    PutAll(local, entries);
    testing::FaultStore faulty(&local);
    faulty.FailCall(n);
    PruneStats stats = Prune(faulty, later, nullptr);
    CHECK_FALSE(stats.error.ok());
    CHECK(stats.error.message().find("injected failure") != std::string::npos);
    CheckWhole(local);
    // At most the one entry whose deletion failed is left of the expired.
    CHECK(stats.entries_removed >= whole.entries_removed - 1);
  }
}

TEST_CASE("A listing that lags behind removes nothing written since", "[store][fault][prune]") {
  const std::vector<Written> entries = SomeEntries();
  testing::TempDir dir;
  LocalStore local(dir.path());
  testing::FaultStore faulty(&local);
  // The listing is taken between a writer's two puts of an entry (its
  // profile there, its sidecar not yet), and after another pruner removed
  // an entry it still shows.
  PutAll(local, std::vector<Written>(entries.begin() + 1, entries.end()));
  REQUIRE(local.Put(ProfileKey(entries[0].key), entries[0].profile).ok());
  faulty.FreezeListing();
  REQUIRE(local.Put(SidecarKey(entries[0].key), entries[0].sidecar).ok());
  REQUIRE(DeleteEntry(local, entries[5].key).ok());
  PruneStats stats = Prune(faulty, NowMs(), nullptr);
  CHECK(stats.error.ok());
  CheckWhole(local);
  // The profile the listing shows alone was written just now: not stale,
  // not removed; its entry is whole.
  CHECK(local.Get(ProfileKey(entries[0].key), 1 << 20).ok());
  CHECK(local.Get(SidecarKey(entries[0].key), 1 << 20).ok());
}

namespace {

// The entries of `store` a scan finds, each whole: no sidecar without its
// profile, no report, and every profile's bytes those its sidecar names.
std::vector<Entry> ScanWhole(Store& store, const fs::path& root) {
  CheckWhole(store);
  CountingReporter reporter;
  std::vector<Entry> scanned = Scan(root, {}, &reporter);
  CHECK(reporter.paths.empty());
  for (const Entry& e : scanned) {
    auto bytes = ReadFile(e.ProfilePath(), 1 << 20);
    REQUIRE(bytes.ok());
    CHECK(Sha256Hex(*bytes) == e.sidecar.sha256);
  }
  return scanned;
}

}  // namespace

TEST_CASE("A crash at every point of a scrape pass's commit leaves whole entries",
          "[store][fault]") {
  // A pass stages its scrapes and commits them as one batch (Scraper::Commit).
  const std::vector<Written> entries = SomeEntries();
  const int cuts = static_cast<int>(2 * entries.size());
  for (int cut = 0; cut <= cuts; ++cut) {
    INFO("crash after " << cut << " of " << cuts << " puts");
    testing::TempDir dir;
    LocalStore local(dir.path());
    testing::FaultStore faulty(&local);
    faulty.CrashAfter(cut);
    ArchiveWriter writer(&faulty);
    for (const Written& w : entries) {
      auto sidecar = ParseSidecar(w.sidecar);
      REQUIRE(sidecar.ok());
      REQUIRE(writer.Stage(w.profile, *sidecar).ok());
    }
    CHECK(Keys(local).empty());  // nothing before the commit
    ArchiveWriter::CommitResult result = writer.Commit();
    if (cut == cuts) CHECK(faulty.mutations() == cuts);
    // The profiles go first, then the sidecars: an entry is there once
    // its sidecar is.
    const size_t whole = static_cast<size_t>(std::max(0, cut - cuts / 2));
    CHECK(result.committed == whole);
    CHECK(result.failed.size() == entries.size() - whole);
    CHECK(ScanWhole(local, dir.path()).size() == whole);
  }
}

TEST_CASE("A crash at every point of an upload loses no entry, and the next upload finishes",
          "[store][fault]") {
  const std::vector<Written> entries = SomeEntries();
  auto upload = [](Store& spool, Store& bucket) {
    UploadStats stats;
    return Upload(spool, bucket, {.transfers = 1}, &stats);
  };
  // The whole upload, to count its puts and deletions.
  int cuts = 0;
  {
    testing::TempDir spool_dir, bucket_dir;
    LocalStore spool(spool_dir.path()), bucket(bucket_dir.path());
    PutAll(spool, entries);
    testing::FaultStore counting_spool(&spool), counting_bucket(&bucket);
    counting_bucket.ShareFaultsWith(&counting_spool);
    REQUIRE(upload(counting_spool, counting_bucket).ok());
    cuts = counting_spool.mutations();
    REQUIRE(cuts == static_cast<int>(4 * entries.size()));  // 2 puts, 2 deletions each
    CHECK(EntryKeys(spool).empty());
  }
  for (int cut = 0; cut <= cuts; ++cut) {
    INFO("crash after " << cut << " of " << cuts << " puts and deletions");
    testing::TempDir spool_dir, bucket_dir;
    LocalStore spool(spool_dir.path()), bucket(bucket_dir.path());
    PutAll(spool, entries);
    testing::FaultStore faulty_spool(&spool), faulty_bucket(&bucket);
    faulty_bucket.ShareFaultsWith(&faulty_spool);
    faulty_spool.CrashAfter(cut);
    CHECK(upload(faulty_spool, faulty_bucket).ok() == (cut == cuts));
    // Each entry is whole in the bucket, or still in the spool.
    const std::vector<Entry> uploaded = ScanWhole(bucket, bucket_dir.path());
    const std::vector<Entry> waiting = ScanWhole(spool, spool_dir.path());
    std::set<std::string> ids;
    for (const Entry& e : uploaded) ids.insert(e.sidecar.id);
    for (const Entry& e : waiting) ids.insert(e.sidecar.id);
    CHECK(ids.size() == entries.size());
    // The next upload (the process restarted) moves the rest.
    REQUIRE(upload(spool, bucket).ok());
    CHECK(ScanWhole(bucket, bucket_dir.path()).size() == entries.size());
    CHECK(Scan(spool_dir.path(), {}, nullptr).empty());
    for (const Written& w : entries) {
      CHECK(*bucket.Get(ProfileKey(w.key), 1 << 20) == w.profile);
      CHECK(*bucket.Get(SidecarKey(w.key), 1 << 20) == w.sidecar);
    }
  }
}

namespace {

// A directory that records the sha256 each object was put with; when
// checking, it refuses a put whose sha256 is not its bytes', as S3 does
// (XAmzContentSHA256Mismatch: a 400).
class HashRecordingStore : public LocalStore {
 public:
  explicit HashRecordingStore(const fs::path& dir, bool checking = false)
      : LocalStore(dir), checking_(checking) {}
  PutBatchResult PutBatch(std::span<const PutRequest> objects, bool durable) override {
    for (const PutRequest& o : objects) {
      sha256_[o.key] = std::string(o.sha256);
      if (checking_ && !o.sha256.empty() && o.sha256 != Sha256Hex(o.data)) {
        PutBatchResult refused;
        refused.status.assign(objects.size(), Status::InvalidArgument("XAmzContentSHA256Mismatch"));
        return refused;
      }
    }
    return LocalStore::PutBatch(objects, durable);
  }
  const std::map<std::string, std::string>& sha256() const { return sha256_; }

 private:
  const bool checking_;
  std::map<std::string, std::string> sha256_;  // (one transfer: no lock)
};

}  // namespace

TEST_CASE("An upload puts each profile with its sidecar's sha256, not hashed again", "[store]") {
  std::vector<Written> entries = SomeEntries();
  testing::TempDir spool_dir, bucket_dir;
  LocalStore spool(spool_dir.path());
  HashRecordingStore bucket(bucket_dir.path());
  PutAll(spool, entries);
  // One profile changed in the spool behind its sidecar's back: another
  // size, so its sidecar's hash is not trusted.
  Written& changed = entries.back();
  changed.profile += " and more";
  REQUIRE(spool.Put(ProfileKey(changed.key), changed.profile).ok());
  UploadStats stats;
  REQUIRE(Upload(spool, bucket, {.transfers = 1}, &stats).ok());
  REQUIRE(stats.entries == static_cast<int64_t>(entries.size()));
  for (const Written& w : entries) {
    INFO(ProfileKey(w.key));
    REQUIRE(bucket.sha256().count(ProfileKey(w.key)));
    const std::string& sent = bucket.sha256().at(ProfileKey(w.key));
    if (&w == &changed) {
      CHECK(sent.empty());
    } else {
      CHECK(sent == Sha256Hex(w.profile));  // the bytes put, hashed afresh
    }
    CHECK(bucket.sha256().at(SidecarKey(w.key)).empty());
    CHECK(*bucket.Get(ProfileKey(w.key), 1 << 20) == w.profile);
  }
}

TEST_CASE("A profile changed in the spool at the same size is uploaded hashed afresh", "[store]") {
  std::vector<Written> entries = SomeEntries();
  testing::TempDir spool_dir, bucket_dir;
  LocalStore spool(spool_dir.path());
  HashRecordingStore bucket(bucket_dir.path(), /*checking=*/true);
  PutAll(spool, entries);
  Written& changed = entries.front();
  changed.profile[changed.profile.size() / 2] ^= 1;  // same size: the sidecar's hash is sent
  REQUIRE(spool.Put(ProfileKey(changed.key), changed.profile).ok());
  UploadStats stats;
  REQUIRE(Upload(spool, bucket, {.transfers = 1}, &stats).ok());
  CHECK(stats.entries == static_cast<int64_t>(entries.size()));
  for (const Written& w : entries) CHECK(*bucket.Get(ProfileKey(w.key), 1 << 20) == w.profile);
}

TEST_CASE("A bucket's upload counts its cache from the last count while that is recent",
          "[store]") {
  MotoServer moto;
  testing::TempDir dir;
  const BucketOptions options{.cache_dir = dir.path(), .cache_max_bytes = 4096, .transfers = 2};
  const fs::path record = dir.path() / "archive" / ".cached-bytes";
  // Each call a process of its own (nothing counted): two 100-byte
  // profiles uploaded into the cache.
  int n = 0;
  auto upload_two = [&] {
    BucketArchive bucket(moto.Client("count"), options);
    ArchiveWriter writer(bucket.spool(), {.durable = false});
    for (int i = 0; i < 2; ++i, ++n) {
      REQUIRE(writer
                  .Write(std::string(100, static_cast<char>('a' + n)),
                         Meta("count", NowMs() - n * 1000, 0))
                  .ok());
    }
    UploadStats stats;
    REQUIRE(bucket.UploadSpool(&stats).ok());
    REQUIRE(stats.entries == 2);
  };
  auto recorded = [&] {
    int64_t walked_ms = 0, bytes = -1;
    auto text = ReadFile(record, 64);
    REQUIRE(text.ok());
    REQUIRE(std::sscanf(text->c_str(), "%" SCNd64 " %" SCNd64, &walked_ms, &bytes) == 2);
    return std::make_pair(walked_ms, bytes);
  };
  upload_two();  // (no count yet: a walk)
  const auto [walked_ms, bytes] = recorded();
  CHECK(bytes == 200);
  CHECK(NowMs() - walked_ms < 60'000);
  // A profile no count knows of, read long ago, over the cap alone.
  EntryKey planted{0, std::string(kTargetKeyLength, 'f'), "heap", std::string(10, '0')};
  const fs::path big = dir.path() / "archive" / EntryDir(planted) / ProfileFileName(planted);
  REQUIRE(MakeDirs(big.parent_path()).ok());
  REQUIRE(WriteFileAtomic(big.parent_path(), big.filename().string(), std::string(8000, 'x'), false)
              .ok());
  fs::last_write_time(big, fs::file_time_type::clock::now() - std::chrono::hours(1));
  upload_two();  // a recent count, under the cap: no walk
  CHECK(Exists(big));
  CHECK(recorded() == std::make_pair(walked_ms, int64_t{400}));
  // Counted 11 minutes ago: the cache is walked, and is over its cap.
  REQUIRE(ReplaceFile(record.parent_path(), record.filename().string(),
                      std::to_string(NowMs() - 660'000) + " 400\n")
              .ok());
  upload_two();
  CHECK_FALSE(Exists(big));
  CHECK(recorded().second == 600);
  CHECK(NowMs() - recorded().first < 60'000);
}

TEST_CASE("An upload takes what a writer just spooled from memory, the rest from the files",
          "[store]") {
  testing::TempDir spool_dir, bucket_dir;
  LocalStore spool(spool_dir.path()), bucket(bucket_dir.path());
  auto write = [&](const std::string& bytes) {
    ArchiveWriter writer(&spool, {.durable = false});
    auto s = writer.Write(bytes, Meta("kept", NowMs() - 1000, 0));
    REQUIRE(s.ok());
    return *ParseId(s->id);
  };
  // Each of them changed on disk afterwards (the same size): what is
  // uploaded tells where it was read from.
  auto change = [&](const EntryKey& key) {
    const std::string path = (spool_dir.path() / ProfileKey(key)).string();
    std::string bytes = *ReadFile(path, 1 << 20);
    bytes[0] = 'X';
    REQUIRE(spool.Put(ProfileKey(key), bytes).ok());
    return bytes;
  };
  KeepSpooled(spool_dir.path(), true);
  const EntryKey forgotten = write("written before a restart");
  KeepSpooled(spool_dir.path(), false);  // (the restart: forgotten)
  KeepSpooled(spool_dir.path(), true);
  const EntryKey kept = write("written since the restart");
  const std::string forgotten_on_disk = change(forgotten);
  change(kept);
  UploadStats stats;
  REQUIRE(Upload(spool, bucket, {.transfers = 1}, &stats).ok());
  CHECK(stats.entries == 2);
  CHECK(*bucket.Get(ProfileKey(kept), 1 << 20) == "written since the restart");
  CHECK(*bucket.Get(ProfileKey(forgotten), 1 << 20) == forgotten_on_disk);
  CHECK(EntryKeys(spool).empty());
  KeepSpooled(spool_dir.path(), false);
}

TEST_CASE("A bucket takes a put signed with the hash it was given", "[store]") {
  MotoServer moto;
  S3Client client = moto.Client("hashed");
  const std::string data = "a profile's bytes";
  REQUIRE(client.Put("2026/12/07/a/one.pb.gz", data, Sha256Hex(data)).ok());
  CHECK(*client.Get("2026/12/07/a/one.pb.gz") == data);
  // (moto takes a wrong hash too; AWS answers XAmzContentSHA256Mismatch)
}

namespace {

constexpr int64_t kDayMs = 24 * kHourMs;

// Six heap snapshots, 10 minutes apart, of one target in the hour that
// starts at `hour_ms`, and a seventh at +55 min when `late`: raw entries
// whose hour and day compaction rolls up.
void PutSnapshots(const fs::path& root, int64_t hour_ms, bool late) {
  ArchiveWriter writer(root, {.durable = false});
  for (int i = 0; i < (late ? 7 : 6); ++i) {
    const int64_t at = hour_ms + (i < 6 ? i * 10 : 55) * 60'000;
    pprof::Profile p = testing::ProfileBuilder({{"alloc_objects", "count"},
                                                {"alloc_space", "bytes"},
                                                {"inuse_objects", "count"},
                                                {"inuse_space", "bytes"}})
                           .Header(at * 1'000'000, 0, 524288)
                           .Sample({"alloc", "main"}, {i + 1, (i + 1) * 1024, 1, 64})
                           .Build();
    Sidecar s = Meta("compacted", at, 0);
    s.sample_types.clear();
    for (auto& t : pprof::Summarize(p, "heap").sample_types) {
      s.sample_types.push_back({t.name, t.type, t.unit, t.total});
    }
    REQUIRE(writer.Write(pprof::EncodeProfile(p), s).ok());
  }
}

}  // namespace

TEST_CASE("A crash at every point of a compaction leaves whole entries, and the next one finishes",
          "[store][fault][rollup]") {
  const int64_t hour = NowMs() / kDayMs * kDayMs - 3 * kDayMs + 10 * kHourMs;
  const query::RetentionOf keep = [](const Target&) { return query::RollupRetention{0, 0}; };
  query::CompactOptions options;
  options.now_ms = hour + 2 * kDayMs;
  options.durable = false;
  // `late`: the first compaction ran before the hour's last snapshot came,
  // so this one replaces its stale rollups (writes, then deletions).
  for (const bool late : {false, true}) {
    auto prepare = [&](const fs::path& root) {
      PutSnapshots(root, hour, /*late=*/false);
      if (late) {
        REQUIRE(query::Compact(root, keep, options, nullptr).written >= 2);
        PutSnapshots(root, hour, /*late=*/true);
      }
    };
    testing::TempDir reference_dir;
    prepare(reference_dir.path());
    LocalStore reference(reference_dir.path());
    testing::FaultStore counting(&reference);
    query::CompactOptions counted = options;
    counted.store = &counting;
    query::CompactStats stats = query::Compact(reference_dir.path(), keep, counted, nullptr);
    // The hour's rollups and the day's (snapshots, and intervals of the
    // cumulative types), each replacing a stale one when `late`.
    CHECK(stats.written >= 2);
    CHECK(stats.replaced == (late ? stats.written : 0u));
    const int cuts = counting.mutations();
    REQUIRE(cuts == static_cast<int>(2 * (stats.written + stats.replaced)));
    const std::set<std::string> done = EntryKeys(reference);
    for (int cut = 0; cut <= cuts; ++cut) {
      INFO((late ? "replacing, " : "") << "crash after " << cut << " of " << cuts << " writes");
      testing::TempDir dir;
      prepare(dir.path());
      LocalStore local(dir.path());
      testing::FaultStore faulty(&local);
      faulty.CrashAfter(cut);
      query::CompactOptions crashing = options;
      crashing.store = &faulty;
      (void)query::Compact(dir.path(), keep, crashing, nullptr);
      ScanWhole(local, dir.path());
      for (const char* tier : {"hourly", "daily"}) {
        (void)ScanWhole(local, TierRoot(dir.path(), tier));
      }
      // The next compaction (the process restarted) leaves what one
      // without a crash does, but the orphan profiles prune removes.
      (void)query::Compact(dir.path(), keep, options, nullptr);
      (void)Prune(local, NowMs() + 2 * kStaleFileMs, nullptr);
      CHECK(EntryKeys(local) == done);
    }
  }
}
