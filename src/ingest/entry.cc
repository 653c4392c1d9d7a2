#include "ingest/entry.h"

#include <google/protobuf/arena.h>

#include <algorithm>

#include "base/fs.h"
#include "base/metrics.h"
#include "base/profile_types.h"
#include "base/time.h"
#include "pprof/codec.h"
#include "pprof/summary.h"

namespace cprof::ingest {
namespace {

// Go's profiles by their sample types, as runtime/pprof writes them.
struct GoSampleTypes {
  std::vector<std::string_view> types;
  std::string_view profile_type;
};
const GoSampleTypes kGoSampleTypes[] = {
    {{"samples", "cpu"}, "profile"},
    {{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}, "heap"},
    {{"goroutine"}, "goroutine"},
    {{"threadcreate"}, "threadcreate"},
    {{"samples", "time"}, "fgprof"},
};

// A decoded body's bound: a real profile rarely inflates 10x; a bomb does
// 1000x.
size_t MaxDecompressed(size_t body_bytes) {
  return std::min<size_t>(64 * body_bytes + (size_t{1} << 20), size_t{512} << 20);
}

Made Refuse(Refusal refusal, Status status) {
  Made m;
  m.refusal = refusal;
  m.status = std::move(status);
  return m;
}

}  // namespace

std::string_view RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "none";
    case Refusal::kBadRequest:
      return "bad_request";
    case Refusal::kNotPprof:
      return "not_pprof";
    case Refusal::kUnknownType:
      return "unknown_type";
    case Refusal::kLabels:
      return "labels";
    case Refusal::kTooLarge:
      return "too_large";
  }
  return "none";
}

Result<std::string> ProfileTypeOfSampleTypes(const std::vector<std::string>& types) {
  for (const GoSampleTypes& go : kGoSampleTypes) {
    if (std::equal(types.begin(), types.end(), go.types.begin(), go.types.end())) {
      return std::string(go.profile_type);
    }
  }
  std::string listed;
  for (const std::string& t : types) listed += (listed.empty() ? "" : ",") + t;
  if (listed == "contentions,delay") {
    return Status::InvalidArgument(
        "a contentions,delay profile is a block or a mutex profile: say which type");
  }
  return Status::InvalidArgument("sample types [" + listed.substr(0, 120) +
                                 "] are no Go profile's: say its type");
}

Result<std::string> ParseProfileTypeName(std::string_view name) {
  if (name == "cpu") return std::string("profile");
  if (IsProfileType(name)) return std::string(name);
  return Status::InvalidArgument("unknown profile type \"" + std::string(name.substr(0, 40)) +
                                 "\" (cpu, heap, allocs, block, mutex, goroutine, threadcreate, "
                                 "fgprof, trace)");
}

Status ParseLabelList(std::string_view text, archive::Labels* labels) {
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::InvalidArgument("bad label \"" + std::string(pair.substr(0, 80)) +
                                     "\": want key=value,key=value");
    }
    (*labels)[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return Status::OK();
}

Status CheckLabels(const archive::Labels& labels, const PushOptions& options) {
  for (const auto& [key, value] : labels) {
    if (!metrics::ValidLabelName(key) || key.starts_with('_')) {
      return Status::InvalidArgument("bad label name \"" + key.substr(0, 80) +
                                     "\": letters, digits and _, not starting with _ or a digit");
    }
    const auto& allowed = options.allowed_labels;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::InvalidArgument("label \"" + key + "\" is not allowed (push.allowed-labels)");
    }
  }
  for (const std::string& key : options.required_labels) {
    if (!labels.contains(key)) {
      return Status::InvalidArgument("label \"" + key + "\" is required (push.required-labels)");
    }
  }
  return Status::OK();
}

Made MakeEntry(std::string_view body, Pushed pushed, const PushOptions& options) {
  if (static_cast<int64_t>(body.size()) > options.max_body_bytes) {
    return Refuse(Refusal::kTooLarge,
                  Status::ResourceExhausted("a profile of " + std::to_string(body.size()) +
                                            " bytes, over the push.max-body of " +
                                            std::to_string(options.max_body_bytes)));
  }
  if (Status s = CheckLabels(pushed.labels, options); !s.ok()) return Refuse(Refusal::kLabels, s);
  if (!pushed.profile_type.empty() && !Mergeable(pushed.profile_type)) {
    return Refuse(Refusal::kUnknownType,
                  Status::InvalidArgument("a " + pushed.profile_type +
                                          " is not a pprof profile: it cannot be pushed"));
  }
  pprof::DecodeOptions decode;
  decode.max_decompressed = MaxDecompressed(body.size());
  decode.parse_threads = 1;
  google::protobuf::Arena arena;
  auto* profile = google::protobuf::Arena::CreateMessage<pprof::Profile>(&arena);
  if (Status s = pprof::DecodeProfileInto(body, profile, decode); !s.ok()) {
    return Refuse(
        s.code() == Status::Code::kResourceExhausted ? Refusal::kTooLarge : Refusal::kNotPprof,
        s.WithContext("the body"));
  }
  if (pushed.app.empty() && profile->mapping_size() > 0) {
    // The main binary's name ("/tmp/go-build1/b001/foo.test" -> "foo.test").
    pushed.app = fs::path(profile->string_table(profile->mapping(0).filename())).filename();
  }
  if (pushed.app.empty()) {
    return Refuse(Refusal::kBadRequest,
                  Status::InvalidArgument("no app: the profile names no binary"));
  }
  std::vector<std::string> types;
  for (const auto& t : profile->sample_type()) types.push_back(profile->string_table(t.type()));
  if (pushed.profile_type.empty()) {
    auto found = ProfileTypeOfSampleTypes(types);
    if (!found.ok()) return Refuse(Refusal::kUnknownType, found.status());
    pushed.profile_type = std::move(*found);
  } else if (auto found = ProfileTypeOfSampleTypes(types);
             found.ok() && *found != pushed.profile_type &&
             !(*found == "heap" && pushed.profile_type == "allocs")) {
    // (heap and allocs profiles are the same data; an unknown or ambiguous
    // profile takes the type it is given)
    return Refuse(Refusal::kUnknownType,
                  Status::InvalidArgument("type " + pushed.profile_type +
                                          ", but the profile is a " + *found + " profile"));
  }
  pprof::ProfileSummary summary = pprof::Summarize(*profile, pushed.profile_type);
  int64_t ms = pushed.timestamp_ms;
  if (ms == 0) ms = summary.time_nanos > 0 ? summary.time_nanos / 1'000'000 : NowMs();
  if (ms < 0 || ms >= int64_t{253402300800000}) {  // year 10000: no YYYY directory
    return Refuse(Refusal::kBadRequest,
                  Status::InvalidArgument("a time outside the years 1970 to 9999"));
  }
  Made made;
  archive::Sidecar& s = made.entry.sidecar;
  s = archive::ProbeOf(
      archive::Target{std::move(pushed.job), std::move(pushed.app), std::move(pushed.host),
                      std::move(pushed.labels), options.expiration_ns},
      pushed.profile_type);
  s.url = std::move(pushed.url);
  s.timestamp_ms = ms;
  s.scraped_by = std::move(pushed.pushed_by);
  s.duration_ns = summary.duration_nanos;
  s.default_sample_type = summary.default_sample_type;
  for (auto& t : summary.sample_types) {
    s.sample_types.push_back(
        archive::SampleTypeInfo{std::move(t.name), std::move(t.type), std::move(t.unit), t.total});
  }
  made.entry.bytes = pprof::IsGzip(body) ? std::string(body) : pprof::Gzip(body);
  return made;
}

}  // namespace cprof::ingest
