#include "server/api.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <thread>

#include "archive/layout.h"
#include "archive/remote.h"
#include "archive/scan.h"
#include "base/fs.h"
#include "base/profile_types.h"
#include "base/time.h"
#include "pprof/interval.h"
#include "pprof/summary.h"
#include "query/merge_files.h"
#include "server/cors.h"
#include "server/login.h"

namespace cprof::server {
namespace {

// A failed read's `failure` as it is, or NotFound when one of the files it
// read is gone: pruned between the lookup and the read, not broken.
Status PrunedOr(const Status& failure, const std::vector<fs::path>& read) {
  if (failure.code() == Status::Code::kInvalidArgument || failure.IsNotFound()) return failure;
  for (const fs::path& path : read) {
    if (!Exists(path)) return Status::NotFound("a profile was removed (pruned) during the request");
  }
  return failure;
}

}  // namespace

void RunOnOwnStack(const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);  // the HTTP glue answers 500
}

namespace {

// `options` with its source reading confined, whatever the caller set.
ApiOptions Confined(ApiOptions options) {
  options.source.confined = true;
  return options;
}

// The push routes' rate per client address, and its burst (a second's).
double PushRate(const ApiOptions& options) {
  return options.ingester != nullptr ? options.ingester->options().rate_per_second : 0;
}

}  // namespace

Api::Api(ArchiveIndex* index, ApiOptions options)
    : index_(index),
      options_(Confined(std::move(options))),
      heavy_(std::clamp(options_.heavy_concurrency, 1, 64)),
      push_rate_(PushRate(options_), std::max(1.0, PushRate(options_))) {
  if (options_.metrics != nullptr) {
    pushed_ = options_.metrics->Counter("cprofiler_push_ingested_total",
                                        "Profiles pushed in and archived, by API.", {"api"});
    refused_ = options_.metrics->Counter(
        "cprofiler_push_refused_total",
        "Pushes refused, by reason: disabled, unauthorized, forbidden, rate_limited, "
        "method, too_large, bad_request, not_pprof, unknown_type, labels, write_failed.",
        {"reason"});
  }
}

namespace {

bool IsPushPath(std::string_view path) { return path == "/api/0/profiles" || path == "/ingest"; }

}  // namespace

size_t Api::MaxBodyBytes(std::string_view path) const {
  if (options_.ingester == nullptr || !IsPushPath(path)) return kMaxBodyBytes;
  return static_cast<size_t>(options_.ingester->options().max_body_bytes);
}

Api::Routed Api::Route(const Request& req) {
  const std::string_view path = req.path;
  const QueryParams& params = req.params;
  if (path == "/" || path == "/index.html") return {"/", [=, this] { return Asset("index.html"); }};
  if (path.starts_with("/ui/")) return {"/ui/{file}", [=, this] { return Asset(path.substr(4)); }};
  if (path == "/targets" || path == "/targets/") {
    return {"/targets", [=, this] { return Asset("targets.html"); }};
  }
  if (path == "/analysis" || path == "/analysis/") {
    return {"/analysis", [=, this] { return Asset("analysis.html"); }};
  }
  if (path.starts_with("/api/pprof/ui/")) {
    // The page reads the ID from its URL and reports a bad one itself.
    return {"/api/pprof/ui/{id}", [=, this] { return Asset("analysis.html"); }};
  }
  if (path == "/api/sample_types") {
    return {"/api/sample_types", [=, this] { return SampleTypes(); }};
  }
  if (path == "/api/group_sample_types") {
    return {"/api/group_sample_types", [=, this] { return GroupSampleTypes(); }};
  }
  if (path == "/api/group_labels") {
    return {"/api/group_labels", [=, this] { return GroupLabels(); }};
  }
  if (path == "/api/targets") return {"/api/targets", [=, this] { return Targets(); }};
  if (path == "/api/readyz") {
    // Ready once the archive has been read: for readiness probes, where
    // healthz answers from the start.
    return {"/api/readyz", [=, this] {
              return index_->LoadedSnapshot(std::chrono::milliseconds(0)) != nullptr
                         ? Response::Text(200, "ready")
                         : Response::Text(503, "reading the archive");
            }};
  }
  if (path == "/api/healthz") {
    return {"/api/healthz", [] {
              Response r = Response::Text(200, "I'm fine");
              r.body.pop_back();  // the original answers without a newline
              return r;
            }};
  }
  if (path == "/api/version") return {"/api/version", [=, this] { return Version(); }};
  if (path == "/metrics") return {"/metrics", [=, this] { return Metrics(); }};
  if (path.starts_with("/api/profile_meta/")) {
    return {"/api/profile_meta/{sample_type}",
            [=, this] { return ProfileMeta(path.substr(18), params); }};
  }
  if (path.starts_with("/api/series/")) {
    return {"/api/series/{sample_type}", [=, this] { return Series(path.substr(12), params); }};
  }
  if (path.starts_with("/api/trace/ui/")) {
    // The page reads the ID from its URL and reports a bad one itself.
    return {"/api/trace/ui/{id}", [=, this] { return Asset("trace.html"); }};
  }
  if (path.starts_with("/api/trace/")) {
    return {"/api/trace/{id}/{view}", [=, this] { return Trace(path.substr(11), params); }};
  }
  if (path.starts_with("/api/download/")) {
    return {"/api/download/{id}", [=, this] { return Download(path.substr(14)); }};
  }
  if (path == "/api/profile_types") {
    return {"/api/profile_types", [=, this] { return ProfileTypes(); }};
  }
  if (path.starts_with("/api/meta/")) {
    return {"/api/meta/{id}", [=, this] { return Meta(path.substr(10)); }};
  }
  if (path == "/api/analysis") return {"/api/analysis", [=, this] { return Analysis(params); }};
  if (path == "/api/report.html") {
    return {"/api/report.html", [=, this] { return Report(params); }};
  }
  if (path == "/api/merge") return {"/api/merge", [=, this] { return Merge(params); }};
  if (path == "/api/0/profiles" && req.method == "POST") {
    return {
        .pattern = "/api/0/profiles", .run = [&, this] { return ProfefePush(req); }, .push = true};
  }
  if (path == "/ingest") {
    return {.pattern = "/ingest", .run = [&, this] { return PyroscopeIngest(req); }, .push = true};
  }
  if (path == "/api/0/profiles" || path == "/api/0/profiles/") {
    return {"/api/0/profiles", [=, this] { return ProfefeProfiles(params); }};
  }
  if (path == "/api/0/profiles/merge") {
    return {"/api/0/profiles/merge", [=, this] { return ProfefeMerge(params); }};
  }
  if (path.starts_with("/api/0/profiles/")) {
    return {"/api/0/profiles/{ids}", [=, this] { return ProfefeGet(path.substr(16)); }};
  }
  if (path == "/api/0/services") {
    return {"/api/0/services", [=, this] { return ProfefeServices(); }};
  }
  if (path.starts_with(kQuerierPrefix)) {
    return {.pattern = "/querier.v1.QuerierService/{method}",
            .run = [=, this, &req] { return Querier(req, path.substr(kQuerierPrefix.size())); },
            .post = true};
  }
  return {"other", [=] {
            return Response::Text(404, "no such route: " + std::string(path.substr(0, 200)));
          }};
}

Response Api::Handle(const Request& req) {
  Response r;
  std::string_view path = req.path;
  Routed routed = Route(req);
  if (routed.push) {
    r = Push(req, routed);
    r.route = routed.pattern;
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  }
  if (req.body_over_limit) {
    r = Response::Text(413,
                       "a request body of more than " + std::to_string(kMaxBodyBytes) + " bytes");
    r.route = routed.pattern;
    return r;
  }
  if (options_.auth != nullptr && routed.pattern != "/api/healthz" && req.method != "OPTIONS") {
    if (path == "/login" || path == "/logout") {
      r = LoginRoute(*options_.auth, req, options_.secure_cookies, NowMs());
      AddCorsHeaders(options_.cors_allowed_origins, req, &r);
      r.route = std::string(path);
      return r;
    }
    const std::string session = CookieValue(req.cookie, kSessionCookieName);
    switch (options_.auth->Check({req.authorization, session}, req.client, NowMs())) {
      case Authenticator::Verdict::kAllowed:
        break;
      case Authenticator::Verdict::kDenied:
        r = Unauthorized(req);
        AddCorsHeaders(options_.cors_allowed_origins, req, &r);
        r.route = routed.pattern;
        return r;
      case Authenticator::Verdict::kThrottled:
        r = TooManyAttempts(req);
        AddCorsHeaders(options_.cors_allowed_origins, req, &r);
        r.route = routed.pattern;
        return r;
      case Authenticator::Verdict::kForbidden:
        r = Response::Text(403, "this credential's role (write) may push profiles, not read");
        AddCorsHeaders(options_.cors_allowed_origins, req, &r);
        r.route = routed.pattern;
        return r;
    }
  }
  if (req.method == "OPTIONS") {
    r = Response::Text(204, "");
    r.body.clear();
  } else if (routed.post && req.method != "POST") {
    r = Response::Text(405, "method " + req.method.substr(0, 16) +
                                " not allowed: the querier's routes answer POST (Connect)");
    r.headers.emplace_back("Allow", "POST, OPTIONS");
  } else if (!routed.post && req.method != "GET" && req.method != "HEAD") {
    r = Response::Text(
        405, "method " + req.method.substr(0, 16) + " not allowed: the API is read-only (GET)");
    r.headers.emplace_back("Allow", "GET, HEAD, OPTIONS");
  } else if (path.size() > kMaxPathBytes) {
    r = Response::Text(414, "path longer than " + std::to_string(kMaxPathBytes) + " bytes");
  } else {
    r = routed.run();
  }
  r.route = routed.pattern;
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (path.starts_with("/api/")) {
    // Answers of no time range (labels, sample types, targets) cover the
    // days the index holds: say which, when that is not every day.
    auto held = index_->Snapshot();
    if (held->complete && held->loaded_from_ms != std::numeric_limits<int64_t>::min()) {
      r.headers.emplace_back("X-Cprofiler-Index-Holds-From", FormatRfc3339Ms(held->loaded_from_ms));
    }
  }
  AddCorsHeaders(options_.cors_allowed_origins, req, &r);
  return r;
}

Result<std::shared_ptr<const ArchiveSnapshot>> Api::Indexed(int64_t from_ms) {
  auto snapshot = index_->LoadedSnapshot(std::chrono::milliseconds(0), from_ms);
  if (snapshot == nullptr) {
    // Waiting holds a server thread: a few requests wait, the rest are told
    // at once, so that the routes that need no index keep their threads.
    if (waiting_.fetch_add(1) < options_.max_index_waiters) {
      snapshot = index_->LoadedSnapshot(options_.index_wait, from_ms);
    }
    waiting_.fetch_sub(1);
  }
  if (snapshot == nullptr) {
    return Status::Unavailable(
        "the archive is still being read (serve started moments ago, "
        "and a large archive takes a while): retry shortly");
  }
  // Days the index does not hold (its memory budget) are read for the
  // request; a request of no time range answers from the days held, and
  // its response says from when (Handle).
  if (from_ms == std::numeric_limits<int64_t>::min() || from_ms >= snapshot->loaded_from_ms) {
    return snapshot;
  }
  // Reading days costs up to the budget in memory: as many at once as heavy
  // requests. (No caller holds a slot here.)
  HeavySlot slot(heavy_);
  return index_->Extend(snapshot, from_ms);
}

Result<Api::IndexedHits> Api::IndexedSelection(const query::Selection& selection, bool intervals) {
  IndexedHits out;
  CPROF_ASSIGN_OR_RETURN(out.snapshot, Indexed(selection.from_ms));
  CPROF_ASSIGN_OR_RETURN(out.hits, Select(*out.snapshot, selection));
  if (!intervals || out.snapshot->loaded_from_ms <= query::LookbackFrom(selection.from_ms)) {
    return out;
  }
  // A predecessor found in the days held is the one: every day after it is
  // here too. A series without one may have it in the days not read yet.
  for (const query::Series& s : SeriesOf(*out.snapshot, RefsOf(out.hits)).series) {
    if (!query::NeedsIntervals(s) || s.before || s.points.empty() ||
        s.points.front().timestamp_ms - query::kMaxIntervalMs >= out.snapshot->loaded_from_ms) {
      continue;
    }
    CPROF_ASSIGN_OR_RETURN(out.snapshot, Indexed(query::LookbackFrom(selection.from_ms)));
    CPROF_ASSIGN_OR_RETURN(out.hits, Select(*out.snapshot, selection));
    break;
  }
  return out;
}

Result<fs::path> Api::InsideArchive(const fs::path& path, std::string_view id) const {
  // The ID fixes the path's shape; a symlink could still point elsewhere.
  auto local = archive::LocalEntryFiles(index_->root(), {path});
  if (!local.ok()) {
    if (local.status().IsNotFound())
      return Status::NotFound("no profile with ID " + std::string(id));
    return local.status();
  }
  return std::move(local->front());
}

Result<Api::Input> Api::ResolveId(std::string_view id) {
  CPROF_ASSIGN_OR_RETURN(archive::Entry entry, archive::Lookup(index_->root(), id));
  CPROF_ASSIGN_OR_RETURN(fs::path real, InsideArchive(entry.ProfilePath(), id));
  return Input{std::string(id), std::move(real), std::move(entry.sidecar.profile_type)};
}

Result<std::vector<Api::Input>> Api::ResolveSelection(const ArchiveSnapshot& snapshot,
                                                      const query::Selection& selection) {
  CPROF_ASSIGN_OR_RETURN(std::vector<MetaHit> hits, Select(snapshot, selection));
  if (hits.size() > options_.max_merge_inputs) {
    return Status::InvalidArgument("the selection has " + std::to_string(hits.size()) +
                                   " profiles; at most " +
                                   std::to_string(options_.max_merge_inputs) +
                                   " are merged per request: narrow the time range or the labels");
  }
  // The index has read these sidecars already: only the paths are checked
  // (fetched first, all at once, for an archive cached from a bucket).
  std::vector<fs::path> paths;
  std::vector<Input> inputs;
  for (const MetaHit& hit : hits) {
    archive::EntryKey key = hit.dir->KeyOf(*hit.entry);
    paths.push_back(index_->root() / archive::EntryDir(key) / archive::ProfileFileName(key));
    inputs.push_back(Input{archive::FormatId(key), fs::path(), std::move(key.profile_type)});
  }
  auto local = archive::LocalEntryFiles(index_->root(), paths);
  if (!local.ok()) {
    if (!local.status().IsNotFound()) return local.status();
    // Which one: its own answer.
    for (size_t i = 0; i < inputs.size(); ++i) {
      CPROF_ASSIGN_OR_RETURN(inputs[i].path, InsideArchive(paths[i], inputs[i].id));
    }
    return inputs;
  }
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i].path = std::move((*local)[i]);
  return inputs;
}

Result<Api::Source> Api::ResolveSource(const QueryParams& params) {
  std::vector<std::string_view> ids = params.GetAll("id");
  const std::string* st = params.Get("sample_type");
  if (!ids.empty() && st != nullptr) {
    return Status::InvalidArgument("give either id or sample_type, not both");
  }
  if (ids.empty() && st == nullptr) {
    return Status::InvalidArgument(
        "name the profiles: id=ID (repeatable) or sample_type=NAME&start_time=&end_time=");
  }
  Source source;
  std::optional<bool> interval;  // as asked
  if (const std::string* v = params.Get("interval")) {
    if (*v == "1" || *v == "true") {
      interval = true;
    } else if (*v == "0" || *v == "false") {
      interval = false;
    } else {
      return Status::InvalidArgument("interval must be 0 or 1, not \"" + v->substr(0, 20) + "\"");
    }
  }
  if (!ids.empty()) {
    if (ids.size() > options_.max_merge_inputs) {
      return Status::InvalidArgument("more than " + std::to_string(options_.max_merge_inputs) +
                                     " ids");
    }
    for (std::string_view id : ids) {
      CPROF_ASSIGN_OR_RETURN(Input input, ResolveId(id));
      source.inputs.push_back(std::move(input));
    }
    source.count = source.inputs.size();
    source.profile_type = source.inputs[0].profile_type;
    source.interval = interval.value_or(false);
    if (source.interval) {  // each ID's predecessor, from the index
      CPROF_ASSIGN_OR_RETURN(auto snapshot, Indexed());
      CPROF_RETURN_IF_ERROR(PlanIntervals(*snapshot, nullptr, &source));
    }
    return source;
  }
  CPROF_ASSIGN_OR_RETURN(query::Selection selection, ParseSeedSelection(*st, params));
  return SelectionSource(selection, interval);
}

Result<Api::Source> Api::SelectionSource(const query::Selection& selection,
                                         std::optional<bool> interval) {
  const std::string& st = selection.sample_type;
  Source source;
  source.sample_type = st;
  source.profile_type = std::string(pprof::ProfileTypeOf(st));
  if (interval.value_or(false) && !pprof::IsCumulativeName(st)) {
    return Status::InvalidArgument(st +
                                   " is not a cumulative sample type: it has no "
                                   "intervals (ask without interval=1)");
  }
  source.interval = interval.value_or(true) && pprof::IsCumulativeName(st);
  CPROF_ASSIGN_OR_RETURN(bool tiled, TileFromRollups(selection, &source));
  if (tiled) {
    if (source.count == 0 && source.tiled->rollups.empty()) {
      return Status::NotFound("no " + st + " profiles match the selection");
    }
    return source;
  }
  if (!source.interval) {
    CPROF_ASSIGN_OR_RETURN(auto snapshot, Indexed(selection.from_ms));
    CPROF_ASSIGN_OR_RETURN(source.inputs, ResolveSelection(*snapshot, selection));
    source.count = source.inputs.size();
  } else {
    // The intervals are planned on the index the inputs come from; only the
    // profiles the plan reads are resolved to files.
    CPROF_ASSIGN_OR_RETURN(IndexedHits indexed, IndexedSelection(selection, /*intervals=*/true));
    source.count = indexed.hits.size();
    if (!indexed.hits.empty()) {
      CPROF_RETURN_IF_ERROR(PlanIntervals(*indexed.snapshot, &indexed.hits, &source));
    }
  }
  if (source.count == 0) return Status::NotFound("no " + st + " profiles match the selection");
  return source;
}

Result<bool> Api::TileFromRollups(const query::Selection& selection, Source* source) {
  const fs::path& root = index_->root();
  // Rollups are derived: without any (or unreadable), the index answers.
  auto rollups = query::SelectRollups(root, selection, source->interval, nullptr);
  if (!rollups.ok() || rollups->empty()) return false;
  query::TiledWindow window;
  window.from_ms = selection.from_ms;
  window.to_ms = selection.to_ms;
  window.intervals = source->interval;
  CPROF_ASSIGN_OR_RETURN(window.raw, query::Select(root, selection, nullptr));
  window.rollups = std::move(*rollups);
  window.max_inputs = options_.max_merge_inputs;
  // Each file is read from inside the archive only.
  window.check = [this](const fs::path& path) {
    return InsideArchive(path, path.filename().string()).status();
  };
  source->count = window.raw.size();
  source->tiled = std::move(window);
  return true;
}

Status Api::PlanIntervals(const ArchiveSnapshot& snapshot, const std::vector<MetaHit>* hits,
                          Source* source) {
  if (hits != nullptr) {
    source->series = SeriesOf(snapshot, RefsOf(*hits)).series;
  } else {
    // Each ID its own interval, even when two are of one series.
    for (const Input& input : source->inputs) {
      auto ref = FindEntry(snapshot, input.id);
      if (!ref) {
        return Status::NotFound("profile " + input.id + " is not indexed yet: try again shortly");
      }
      bool cumulative = false;
      for (const SampleTypeName* name : *ref->entry->sample_types) {
        cumulative = cumulative || pprof::IsCumulative(input.profile_type, name->type);
      }
      if (!cumulative) {
        return Status::InvalidArgument(input.id + " is a " + input.profile_type +
                                       " profile: it has no cumulative values, so no interval "
                                       "(ask without interval=1)");
      }
      source->series.push_back(std::move(SeriesOf(snapshot, {*ref}).series[0]));
    }
  }
  source->plan = query::PlanWindow(source->series);
  if (source->plan.terms.size() > options_.max_merge_inputs) {
    return Status::InvalidArgument(
        "the selection has " + std::to_string(source->plan.terms.size()) +
        " intervals to compute; at most " + std::to_string(options_.max_merge_inputs) +
        " are merged per request: narrow the time range or the labels");
  }
  if (source->plan.terms.empty()) {
    return Status::NotFound(
        hits == nullptr && source->inputs.size() == 1
            ? source->inputs[0].id +
                  " is its target's first snapshot (a baseline): no interval ends there; "
                  "ask with interval=0 for its values since process start"
            : "no interval ends in the selection: each snapshot in it is its target's first "
              "(a baseline); widen the time range, or ask with interval=0");
  }
  return Status::OK();
}

Result<pprof::OwnedProfile> Api::LoadSource(const Source& source, query::WindowStats* stats,
                                            query::TiledStats* tiled_stats) {
  if (source.tiled) {
    query::TiledStats tiled;
    Result<pprof::OwnedProfile> out = Status::InvalidArgument("no window");
    {
      HeavySlot slot(heavy_);
      RunOnOwnStack(
          [&] { out = query::MergeTiled(index_->root(), *source.tiled, nullptr, &tiled); });
    }
    if (stats != nullptr) {
      stats->decoded = tiled.decoded;
      stats->stack_resets = 0;  // (counted in tiled.resets)
    }
    if (tiled_stats != nullptr) *tiled_stats = tiled;
    return out;
  }
  if (!source.interval) return LoadProfile(source.inputs);
  // Each profile read is checked to lie inside the archive, and read from
  // where it was checked to be.
  auto path_of = [&](const query::SeriesPoint& point) -> Result<fs::path> {
    CPROF_ASSIGN_OR_RETURN(fs::path path, query::ProfilePathOf(index_->root(), point));
    return InsideArchive(path, point.id);
  };
  HeavySlot slot(heavy_);
  Result<pprof::OwnedProfile> out = Status::InvalidArgument("no intervals");
  RunOnOwnStack([&] { out = query::MergeWindow(source.plan, path_of, stats); });
  if (out.ok()) return out;
  std::vector<fs::path> read;
  for (const query::IntervalTerm& term : source.plan.terms) {
    for (const query::SeriesPoint* point : {term.base, term.end}) {
      if (point == nullptr) continue;
      if (auto path = query::ProfilePathOf(index_->root(), *point); path.ok())
        read.push_back(*path);
    }
  }
  return PrunedOr(out.status(), read);
}

Result<pprof::OwnedProfile> Api::LoadProfile(const std::vector<Input>& inputs) {
  for (const Input& in : inputs) {
    if (!Mergeable(in.profile_type)) {
      return Status::InvalidArgument(in.id +
                                     " is a trace: it has no samples to analyze "
                                     "or merge (open it with go tool trace)");
    }
  }
  Result<pprof::OwnedProfile> out = Status::InvalidArgument("no profiles");
  {
    HeavySlot slot(heavy_);
    RunOnOwnStack([&] {
      if (inputs.size() == 1) {
        out = query::ReadProfile(inputs[0].path);
      } else {
        std::vector<fs::path> paths;
        for (const Input& in : inputs) paths.push_back(in.path);
        out = query::MergeFiles(paths);
      }
    });
  }
  if (out.ok()) return out;
  std::vector<fs::path> read;
  for (const Input& in : inputs) read.push_back(in.path);
  return PrunedOr(out.status(), read);
}

Result<Response> Api::ProfileDownload(const std::vector<Input>& inputs, std::string_view name) {
  Response r;
  r.content_type = "application/octet-stream";
  if (inputs.size() == 1) {
    auto bytes = ReadFile(inputs[0].path, size_t{1} << 31);
    if (!bytes.ok()) {
      if (bytes.status().IsNotFound()) {
        return Status::NotFound("profile " + inputs[0].id + " was removed");
      }
      return bytes.status();
    }
    r.body = std::move(*bytes);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + inputs[0].id +
                               std::string(SuffixOf(inputs[0].profile_type)) + "\"");
    return r;
  }
  CPROF_ASSIGN_OR_RETURN(pprof::OwnedProfile merged, LoadProfile(inputs));
  return ProfileAttachment(pprof::EncodeProfile(*merged, /*gzip=*/true), name);
}

Result<std::string> Api::MergedProfileBytes(const Source& source) {
  if (!source.interval && !source.tiled && source.inputs.size() == 1) {
    const Input& input = source.inputs[0];
    auto bytes = ReadFile(input.path, size_t{1} << 31);
    if (bytes.ok() || !bytes.status().IsNotFound()) return bytes;
    return Status::NotFound("profile " + input.id + " was removed");
  }
  CPROF_ASSIGN_OR_RETURN(pprof::OwnedProfile merged, LoadSource(source, nullptr));
  return pprof::EncodeProfile(*merged, /*gzip=*/true);
}

Response ProfileAttachment(std::string body, std::string_view name, std::string_view suffix) {
  Response r;
  r.content_type = "application/octet-stream";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + std::string(name) +
                                                    std::string(suffix) + "\"");
  return r;
}

Result<query::Selection> ParseSeedSelection(std::string_view sample_type,
                                            const QueryParams& params) {
  query::Selection sel;
  sel.sample_type = std::string(sample_type);
  const std::string* start = params.Get("start_time");
  const std::string* end = params.Get("end_time");
  if (start == nullptr || end == nullptr || start->empty() || end->empty()) {
    return Status::InvalidArgument(
        "start_time and end_time are required (RFC 3339, "
        "e.g. 2026-11-22T10:00:00.000Z)");
  }
  auto from = ParseRfc3339Ms(*start);
  if (!from.ok()) return from.status().WithContext("start_time");
  auto to = ParseRfc3339Ms(*end);
  if (!to.ok()) return to.status().WithContext("end_time");
  sel.from_ms = *from;
  sel.to_ms = *to;
  if (const std::string* cond = params.Get("condition")) {
    if (*cond == "OR" || *cond == "or") {
      sel.any_of = true;
    } else if (*cond != "AND" && *cond != "and" && !cond->empty()) {
      return Status::InvalidArgument("condition must be AND or OR, not \"" + cond->substr(0, 20) +
                                     "\"");
    }
  }
  for (const auto& [key, value] : params.pairs()) {
    if (!key.starts_with("lbs[")) continue;
    if (key.size() < 6 || key.back() != ']') {
      return Status::InvalidArgument("label filter \"" + key.substr(0, 80) +
                                     "\" is not lbs[key]=value");
    }
    std::string label = key.substr(4, key.size() - 5);
    CPROF_ASSIGN_OR_RETURN(query::Matcher m,
                           query::Matcher::Make(label, query::Matcher::Op::kEqual, value));
    sel.matchers.push_back(std::move(m));
  }
  CPROF_RETURN_IF_ERROR(query::ValidateSelection(sel));
  return sel;
}

}  // namespace cprof::server
