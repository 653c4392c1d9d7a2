// Pyroscope's push route, POST /ingest (its HTTP API, as its Go SDK calls
// it): name=APP[.TYPE]{k=v,...}, from, until (Unix seconds), sampleRate,
// spyName, units, aggregationType, format=pprof (the body a profile, or the
// SDK's multipart form: profile, prev_profile, sample_type_config) or
// lines (folded stacks, the default). APP is the entry's _app, the tags its
// labels, the pushing client its _host, `from` its time.
#include <charconv>

#include "base/json.h"
#include "ingest/pyroscope.h"
#include "server/api.h"

namespace cprof::server {
namespace {

// A parameter that is a whole number; `fallback` when it is absent.
Result<int64_t> IntParam(const QueryParams& params, std::string_view key, int64_t fallback) {
  const std::string* v = params.Get(key);
  if (v == nullptr || v->empty()) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < 0) {
    return Status::InvalidArgument("bad " + std::string(key) + " \"" + v->substr(0, 40) +
                                   "\": want a whole number");
  }
  return n;
}

}  // namespace

Response Api::PyroscopeIngest(const Request& req) {
  const QueryParams& params = req.params;
  const std::string* name = params.Get("name");
  if (name == nullptr || name->empty()) return Refused("bad_request", 400, "missing name");
  auto parsed = ingest::ParsePyroscopeName(*name);
  if (!parsed.ok()) return Refused("bad_request", 400, parsed.status().message());
  auto from = IntParam(params, "from", NowMs() / 1000);
  if (!from.ok()) return Refused("bad_request", 400, from.status().message());
  auto until = IntParam(params, "until", *from);
  if (!until.ok()) return Refused("bad_request", 400, until.status().message());
  auto sample_rate = IntParam(params, "sampleRate", 100);
  if (!sample_rate.ok()) return Refused("bad_request", 400, sample_rate.status().message());
  const std::string* format_param = params.Get("format");
  const std::string format = format_param != nullptr ? *format_param : "";
  ingest::Pushed pushed;
  pushed.job = "pyroscope";
  pushed.app = parsed->app;
  pushed.host = req.client;
  pushed.labels = std::move(parsed->labels);
  pushed.url = "/ingest?" + req.query.substr(0, 1024);
  pushed.timestamp_ms = *from * 1000;
  std::string_view type = parsed->type;
  std::string_view body = req.body;
  std::string folded;  // a lines body as a profile
  if (req.content_type.starts_with("multipart/form-data")) {
    auto parts = ingest::ParseMultipartForm(req.content_type, req.body);
    if (!parts.ok()) return Refused("bad_request", 400, parts.status().message());
    bool has_profile = false;
    for (const ingest::FormPart& part : *parts) {
      if (part.name == "profile") {
        body = part.data;
        has_profile = true;
      } else if (part.name == "prev_profile") {
        // Not stored: cprofiler differences cumulative types between
        // successive snapshots itself (query/interval.h).
        if (Status s = pprof::DecodeProfile(part.data).status(); !s.ok()) {
          return Refused("not_pprof", 400, s.WithContext("prev_profile").message());
        }
      } else if (part.name == "sample_type_config") {
        auto config = ingest::ParseSampleTypeConfig(part.data);
        if (!config.ok()) return Refused("bad_request", 400, config.status().message());
        if (pushed.profile_type.empty()) pushed.profile_type = ingest::ProfileTypeOfConfig(*config);
      } else {
        return Refused("bad_request", 400,
                       "unknown form field \"" + part.name.substr(0, 40) +
                           "\" (profile, prev_profile, sample_type_config)");
      }
    }
    if (!has_profile) return Refused("bad_request", 400, "a form without its profile field");
  } else if (format == "lines" || format == "folded" || format.empty()) {
    if (type.empty()) {
      return Refused("unknown_type", 400, "the lines format needs a type: name=APP.cpu{...}");
    }
    auto profile = ingest::FoldedToProfile(req.body, type, *sample_rate, *from, *until);
    if (!profile.ok()) return Refused("bad_request", 400, profile.status().message());
    folded = std::move(*profile);
    body = folded;
  } else if (format != "pprof") {
    return Refused("bad_request", 400,
                   "unknown format \"" + format.substr(0, 40) + "\" (pprof, lines)");
  }
  if (!type.empty()) pushed.profile_type = std::string(ingest::ProfileTypeOfPyroscope(type));
  ingest::Made made = options_.ingester->Ingest(body, std::move(pushed));
  if (auto refused = Counted("pyroscope", made)) return std::move(*refused);
  JsonWriter w;
  w.StartObject();
  w.Field("id", made.entry.sidecar.id);
  w.EndObject();
  return Response::Json(w.Take());
}

}  // namespace cprof::server
