// The HTTP API of `cprofiler serve` as a pure function from a Request to a
// Response: the seed's routes (seed_api.cc), the analysis data the UI draws
// (analysis_api.cc), profefe-compatible routes (profefe_api.cc), Grafana
// Pyroscope's querier API (querier_api.cc, server/querier.h) and the pages
// and assets of the web UI (pages.cc). Routes: man/cprofiler.1.
//
// Read-only but for the push routes (push_api.cc: profefe's POST
// /api/0/profiles, Pyroscope's POST /ingest), which write through an
// ingest::Ingester when one is given. Every ID is validated
// before a path is built from it, and every file served is checked to lie
// inside the archive (no symlink escapes).
//
// Thread-safe: Handle() may be called from many threads at once.
#ifndef CPROF_SERVER_API_H_
#define CPROF_SERVER_API_H_

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "ingest/ingester.h"
#include "pprof/codec.h"
#include "pprof/report.h"
#include "query/rollup.h"
#include "query/select.h"
#include "server/archive_index.h"
#include "server/auth.h"
#include "server/http_types.h"
#include "server/index_query.h"
#include "server/querier.h"
#include "server/rate_limit.h"
#include "server/trace_cache.h"

namespace cprof::server {

// A server's source reading: confined to the source path, with the Go
// module cache's and GOROOT's layouts understood, files of 4 MiB at most.
inline pprof::SourceOptions DefaultSourceOptions() {
  pprof::SourceOptions o;
  o.confined = true;
  o.go_modules = true;
  o.max_file_bytes = size_t{4} << 20;
  return o;
}

// How /api/series and SelectSeries aggregate a bucket's values.
enum class SeriesAggregate { kSum, kAvg, kMax, kP95 };

// One series of SeriesGroups.
struct SeriesGroup {
  std::vector<std::string> values;                 // of the group_by labels
  double total = 0;                                // of every value
  std::vector<std::pair<int64_t, double>> points;  // bucket start (ms), aggregate
};

// A series' step (ms) over [from_ms, to_ms]: `step_ms`, or when it is 0
// or less about 120 buckets of the range in whole seconds. InvalidArgument
// for more than 10,000 buckets.
Result<int64_t> SeriesStep(int64_t step_ms, int64_t from_ms, int64_t to_ms);

struct ApiOptions {
  // web_dir (""): serve the UI's files from this directory instead of the
  //   copies built into the binary (for working on the UI).
  fs::path web_dir;
  // max_merge_inputs (10000): more profiles than this in one analysis or
  //   merge request is a 400 asking for a narrower selection.
  size_t max_merge_inputs = 10000;
  // heavy_concurrency (2): analysis and merge requests run at most this many
  //   at a time, so they cannot starve the cheap routes of threads.
  int heavy_concurrency = 2;
  // index_wait (30s): how long a request that needs the index waits for
  //   serve's first read of the archive before it is a 503.
  std::chrono::milliseconds index_wait = std::chrono::seconds(30);
  // max_index_waiters (8): requests that wait so at once (each holds a
  //   server thread); more are a 503 at once.
  int max_index_waiters = 8;
  std::string version = "unknown";
  std::string revision = "unknown";
  std::string build_date = "unknown";
  // auth (null: none): who may read (server/auth.h); every route but
  //   /api/healthz is checked (/metrics too), and /login and /logout sign browsers in and
  //   out (server/login.h). Not owned.
  Authenticator* auth = nullptr;
  // secure_cookies (false): the session cookie gets Secure, for a server
  //   reached over TLS only (a browser then never sends it in the clear).
  bool secure_cookies = false;
  // cors_allowed_origins (none): the other sites whose pages may read the
  //   answers: exact origins, or "*" (server/cors.h).
  std::vector<std::string> cors_allowed_origins;
  // source: where /api/analysis?list=RE reads source files from (serve's
  //   --source-path and --trim-path); nothing unless source_path names a
  //   directory, and nothing outside those (SourceOptions::confined, which
  //   the Api sets), each file at most 4 MiB.
  pprof::SourceOptions source = DefaultSourceOptions();
  // metrics (null: /metrics is a 404): the registry /metrics renders, with
  //   the archive's series (metrics_api.cc) set at each request. Not owned.
  metrics::Registry* metrics = nullptr;
  // ingester (null: push is off, 403): where the push routes write; they
  //   need a credential of role write or admin when there is an `auth`,
  //   and are open to every client that reaches the server when there is
  //   none (serve --allow-push, which listens on loopback by default).
  //   Each client address may push ingester->options().rate_per_second
  //   profiles a second. Not owned.
  ingest::Ingester* ingester = nullptr;
};

// A slot of a counting semaphore, held for the object's lifetime (leveldb's
// MutexLock): a throw while it is held cannot leak it.
class HeavySlot {
 public:
  explicit HeavySlot(std::counting_semaphore<64>& semaphore) : semaphore_(semaphore) {
    semaphore_.acquire();
  }
  ~HeavySlot() { semaphore_.release(); }
  HeavySlot(const HeavySlot&) = delete;
  HeavySlot& operator=(const HeavySlot&) = delete;

 private:
  std::counting_semaphore<64>& semaphore_;
};

class Api : public Handler {
 public:
  // `index` is not owned and must outlive the Api.
  Api(ArchiveIndex* index, ApiOptions options);
  // Not copyable or movable.
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response Handle(const Request& request) override;
  // The push routes' push.max-body; kMaxBodyBytes for the others.
  size_t MaxBodyBytes(std::string_view path) const override;

 private:
  // A route: its pattern (the label of the request metrics; a literal) and
  // its handler, which borrows the request. `push`: a route that writes
  // (Push checks it).
  struct Routed {
    std::string_view pattern;
    std::function<Response()> run;
    // Answers POST only (the querier's Connect routes); the others GET and
    // HEAD.
    bool post = false;
    // A push route (push_api.cc): POST, through Push's own gate.
    bool push = false;
  };
  // The route of `request`'s path ("other" when none matches: a 404).
  Routed Route(const Request& request);

  // metrics_api.cc: /metrics in the Prometheus text format.
  Response Metrics();

  // push_api.cc: a push route's request: a POST, from a client that may
  // write (options_.auth's role write or admin) and is within its rate,
  // to a server that takes pushes (options_.ingester); then `routed` runs.
  Response Push(const Request& request, const Routed& routed);
  // `made` (an Ingester's answer) counted in the push metrics, as `api`'s
  // ("profefe", "pyroscope"); a refusal as its Response (4xx, the reason),
  // nullopt for an entry ingested.
  std::optional<Response> Counted(std::string_view api, const ingest::Made& made);
  // A refusal of `reason` counted, and answered `status` with `message`.
  Response Refused(std::string_view reason, int status, std::string message);

  // One archived profile the request names.
  struct Input {
    std::string id;
    fs::path path;  // canonical, inside the archive
    std::string profile_type;
  };

  // seed_api.cc
  Response SampleTypes();
  Response GroupSampleTypes();
  Response GroupLabels();
  Response ProfileMeta(std::string_view sample_type, const QueryParams& params);
  // The seed's grouped ProfileMeta JSON (sorts `hits` by target).
  // `hits` are `snapshot`'s.
  Response WriteProfileMetas(const ArchiveSnapshot& snapshot, std::vector<MetaHit>& hits);
  Response Targets();
  Response Version();
  Response Download(std::string_view id);

  // series_api.cc
  Response Series(std::string_view sample_type, const QueryParams& params);
  // The series of `selection`'s values (interval values for a cumulative
  // sample type, baselines left out), one per distinct tuple of the values
  // of the `group_by` labels ("" where a target has none), each bucket's
  // values aggregated; largest total first. What /api/series and the
  // querier's SelectSeries answer.
  Result<std::vector<SeriesGroup>> SeriesGroups(const query::Selection& selection,
                                                const std::vector<std::string>& group_by,
                                                SeriesAggregate agg, int64_t step_ms);

  // querier_api.cc: Grafana Pyroscope's querier API (server/querier.h) at
  // /querier.v1.QuerierService/<method>, over Connect.
  Response Querier(const Request& request, std::string_view method);
  Result<std::string> QuerierProfileTypes(const QuerierCall& call);
  Result<std::string> QuerierLabelNames(const QuerierCall& call);
  Result<std::string> QuerierLabelValues(const QuerierCall& call);
  Result<std::string> QuerierSeries(const QuerierCall& call);
  Result<std::string> QuerierSelectMergeStacktraces(const QuerierCall& call);
  Result<std::string> QuerierSelectMergeProfile(const QuerierCall& call);
  Result<std::string> QuerierSelectSeries(const QuerierCall& call);
  // The label sets of the series (target x sample type) with entries in
  // [from_ms, to_ms] (0 and 0: the days held) that match one of
  // `selectors` (none: every series), sorted.
  Result<std::vector<SeriesLabels>> MatchingSeries(const std::vector<LabelSelector>& selectors,
                                                   int64_t from_ms, int64_t to_ms);

  // analysis_api.cc
  // The profile-type table (base/profile_types.h), for the web UI:
  // [{"name", "suffix", "default_path", "in_all", "mergeable",
  // "cumulative": "none"|"allocs"|"all"}], in the table's order.
  Response ProfileTypes();
  Response Meta(std::string_view id);
  Response Analysis(const QueryParams& params);
  // The JSON Analysis answers; also what Report embeds.
  Result<std::string> AnalysisJson(const QueryParams& params);
  // A self-contained HTML report of what Analysis shows (with `base`, an
  // ID: the diff against it), for saving and opening anywhere.
  Response Report(const QueryParams& params);
  Response Merge(const QueryParams& params);

  // profefe_api.cc
  Response ProfefeProfiles(const QueryParams& params);
  Response ProfefeMerge(const QueryParams& params);
  Response ProfefeGet(std::string_view ids);
  Response ProfefeServices();
  // POST /api/0/profiles?service=&instance_id=&type=&labels=k=v,...: the
  //   body (a pprof profile) archived; profefe's {"code":200,"body":META}.
  Response ProfefePush(const Request& request);

  // pyroscope_api.cc: POST /ingest, Pyroscope's push.
  Response PyroscopeIngest(const Request& request);

  // pages.cc
  Response Asset(std::string_view name);

  // trace_api.cc: `rest` is "ID/VIEW" of /api/trace/ID/VIEW.
  Response Trace(std::string_view rest, const QueryParams& params);

  // The index once it holds every day from `from_ms` on (the whole archive
  // by default; ArchiveIndex::LoadedSnapshot), with the days over its
  // memory budget read for this request (ArchiveIndex::Extend; not for the
  // default: then the days held). Unavailable (503) when the first read
  // takes longer than options_.index_wait; ResourceExhausted (413) when the
  // days to read take more than the budget.
  Result<std::shared_ptr<const ArchiveSnapshot>> Indexed(
      int64_t from_ms = std::numeric_limits<int64_t>::min());

  // The index holding the days of `selection`'s range (Indexed), and what
  // the selection picks in it. With `intervals`, the 48 hours before the
  // range too (where predecessors are), but only when a series'
  // predecessor may lie there rather than in the days held: the last hour
  // of a cumulative type need not wait for two more days of a large
  // archive to be read.
  struct IndexedHits {
    std::shared_ptr<const ArchiveSnapshot> snapshot;
    std::vector<MetaHit> hits;
  };
  Result<IndexedHits> IndexedSelection(const query::Selection& selection, bool intervals);

  // `path` resolved (symlinks too) if it lies inside the archive; NotFound
  // otherwise, naming `id`.
  Result<fs::path> InsideArchive(const fs::path& path, std::string_view id) const;
  // The entry `id` names, with its profile's path checked to lie inside the
  // archive. InvalidArgument for a malformed ID, NotFound for none.
  Result<Input> ResolveId(std::string_view id);
  // What an analysis or merge request reads: the snapshots it names or
  // selects, merged as they are, or as interval values (query/interval.h).
  struct Source {
    Source() = default;
    // Movable only: `plan` points into `series`, whose elements a move
    // keeps in place and a copy would not.
    Source(Source&&) = default;
    Source& operator=(Source&&) = default;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;

    // The snapshots to merge as they are: ids, or a selection without
    // interval values (an interval selection reads only its plan's).
    std::vector<Input> inputs;
    size_t count = 0;          // snapshots named or selected
    std::string profile_type;  // theirs
    std::string sample_type;   // the selection's; "" for ids
    bool interval = false;
    std::vector<query::Series> series;  // when `interval`; `plan` points into it
    query::WindowPlan plan;
    // A selection whose window rollups tile: merged from them, with raw
    // snapshots at its edges, as the CLI merges it (query/rollup.h);
    // `inputs`, `series` and `plan` are then empty.
    std::optional<query::TiledWindow> tiled;
  };
  // The source of `params`: id=... (repeatable), or a selection
  // (sample_type, start_time, end_time, lbs[k], condition); interval=0|1
  // (default: 1 for a selection of a cumulative sample type, else 0).
  Result<Source> ResolveSource(const QueryParams& params);
  // The source of `selection` (of one sample type), as intervals or not as
  // `interval` says (default: intervals for a cumulative sample type).
  // NotFound when nothing matches.
  Result<Source> SelectionSource(const query::Selection& selection, std::optional<bool> interval);
  // The profile /api/merge answers for `source`, gzipped: one archived
  // profile as it is, else the merged one.
  Result<std::string> MergedProfileBytes(const Source& source);
  // Plans `source`'s intervals: for ids, each one's own interval; for a
  // selection, the window's.
  Status PlanIntervals(const ArchiveSnapshot& snapshot, const std::vector<MetaHit>* hits,
                       Source* source);
  // For a selection: its window tiled by rollups into source->tiled, when
  // there are rollups in it; false (and nothing set) when there are none.
  Result<bool> TileFromRollups(const query::Selection& selection, Source* source);
  // The source's profile: its inputs merged, its plan's intervals, or its
  // tiled window merged (then *tiled_stats, when given, says how).
  Result<pprof::OwnedProfile> LoadSource(const Source& source, query::WindowStats* stats,
                                         query::TiledStats* tiled_stats = nullptr);
  // The inputs `selection` selects from `snapshot`, their paths checked;
  // InvalidArgument past max_merge_inputs.
  Result<std::vector<Input>> ResolveSelection(const ArchiveSnapshot& snapshot,
                                              const query::Selection& selection);
  // The inputs read and merged (one input is read, not merged), under the
  // heavy-request semaphore.
  Result<pprof::OwnedProfile> LoadProfile(const std::vector<Input>& inputs);
  // The merged profile as a download; one input is sent as archived.
  Result<Response> ProfileDownload(const std::vector<Input>& inputs, std::string_view name);

  ArchiveIndex* const index_;
  const ApiOptions options_;
  std::counting_semaphore<64> heavy_;
  TraceCache traces_{{}};               // the timelines of the traces last opened
  std::atomic<int> waiting_ = 0;        // requests in Indexed()
  std::mutex metrics_mu_;               // Metrics() recomputes the archive's series
  RateLimiter push_rate_;               // per client address, for the push routes
  metrics::Family* pushed_ = nullptr;   // cprofiler_push_ingested_total{api}
  metrics::Family* refused_ = nullptr;  // cprofiler_push_refused_total{reason}
};

// Runs `fn` on a new thread with the default (8 MiB) stack and waits for it:
// the server's worker threads may have small stacks (Debian's CivetWeb
// gives them 100 KiB), too small for decoding and analyzing big profiles.
void RunOnOwnStack(const std::function<void()>& fn);

// A gzipped profile as a download named `name` + `suffix`.
Response ProfileAttachment(std::string body, std::string_view name,
                           std::string_view suffix = kProfileSuffix);

// The seed's selection parameters: start_time and end_time (RFC 3339,
// required), lbs[key]=value (repeatable), condition=AND|OR.
Result<query::Selection> ParseSeedSelection(std::string_view sample_type,
                                            const QueryParams& params);

// profefe's selection parameters: service, type, from, to (profefe's
// "2006-01-02T15:04:05" or RFC 3339; `to` defaults to now) and
// labels=k=v,k=v. Every entry once (no sample type); the type, when given,
// is a _type matcher and is stored in `profile_type` (pprof's name).
Result<query::Selection> ParseProfefeSelection(const QueryParams& params,
                                               std::string* profile_type);

}  // namespace cprof::server

#endif  // CPROF_SERVER_API_H_
