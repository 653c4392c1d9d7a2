// profefe-compatible routes (profefe's pkg/profefe API), so its agent,
// tools and `go tool pprof` URLs work against cprofiler unchanged. profefe's
// service is cprofiler's _app; its "cpu" type is Go's "profile"; a pushed
// profile's instance_id is its _host and an instance_id label.
#include <charconv>

#include "archive/layout.h"
#include "base/json.h"
#include "base/profile_types.h"
#include "base/time.h"
#include "server/api.h"

namespace cprof::server {
namespace {

// profefe's JSON envelope: {"code":200,"body":...} or {"code":N,"error":"..."}:
// `plain`, a plain-text answer, in it.
Response ProfefeError(Response plain) {
  std::string_view message = plain.body;
  if (message.ends_with('\n')) message.remove_suffix(1);
  JsonWriter w;
  w.StartObject();
  w.Field("code", plain.status);
  w.Field("error", message);
  w.EndObject();
  plain.content_type = "application/json";
  plain.body = w.Take();
  return plain;
}

Response ProfefeError(const Status& status) { return ProfefeError(Response::Error(status)); }

// profefe's answer with a list: {"code":200,"body":[...]}, `write_items(w)`
// writing the list's items.
template <typename WriteItems>
Response ProfefeList(WriteItems write_items) {
  JsonWriter w;
  w.StartObject();
  w.Field("code", 200);
  w.StartArray("body");
  write_items(w);
  w.EndArray();
  w.EndObject();
  return Response::Json(w.Take());
}

// One profile's meta, as profefe writes it: {"id","type","service",
// "labels":[{"key","value"}],"created_at"} (whole seconds, as profefe
// truncates them: "2026-11-22T10:15:00Z").
void WriteProfefeMeta(JsonWriter& w, std::string_view id, std::string_view type,
                      const archive::Target& target, int64_t timestamp_ms) {
  w.StartObject();
  w.Field("id", id);
  w.Field("type", type);
  w.Field("service", target.app);
  w.EntryArray("labels", target.labels, "key", "value");
  std::string created = FormatRfc3339Ms(timestamp_ms);
  if (size_t dot = created.find('.'); dot != std::string::npos) created.erase(dot, 4);
  w.Field("created_at", created);
  w.EndObject();
}

std::string_view ProfileTypeFromProfefe(std::string_view type) {
  if (type == "cpu") return "profile";
  return type;
}

std::string_view ProfefeTypeName(std::string_view profile_type) {
  if (profile_type == "profile") return "cpu";
  return profile_type;
}

// profefe writes times as "2006-01-02T15:04:05" (UTC); RFC 3339 is taken too.
Result<int64_t> ParseProfefeTime(std::string_view key, const std::string& text) {
  std::string t = text;
  if (t.size() == 19 && t[10] == 'T') t += 'Z';
  auto ms = ParseRfc3339Ms(t);
  if (!ms.ok()) {
    return Status::InvalidArgument("bad \"" + std::string(key) + "\" timestamp \"" +
                                   text.substr(0, 40) +
                                   "\": want 2006-01-02T15:04:05 (UTC) or RFC 3339");
  }
  return *ms;
}

}  // namespace

Result<query::Selection> ParseProfefeSelection(const QueryParams& params,
                                               std::string* profile_type) {
  query::Selection sel;
  const std::string* service = params.Get("service");
  if (service == nullptr || service->empty()) {
    return Status::InvalidArgument("bad request: missing service");
  }
  CPROF_ASSIGN_OR_RETURN(query::Matcher app,
                         query::Matcher::Make("_app", query::Matcher::Op::kEqual, *service));
  sel.matchers.push_back(std::move(app));
  if (const std::string* type = params.Get("type"); type != nullptr && !type->empty()) {
    std::string_view ptype = ProfileTypeFromProfefe(*type);
    if (!IsProfileType(ptype)) {
      return Status::InvalidArgument("bad request: bad profile type \"" + type->substr(0, 40) +
                                     "\" (cpu, heap, allocs, block, mutex, goroutine, "
                                     "threadcreate, trace)");
    }
    *profile_type = std::string(ptype);
    CPROF_ASSIGN_OR_RETURN(query::Matcher m,
                           query::Matcher::Make("_type", query::Matcher::Op::kEqual, ptype));
    sel.matchers.push_back(std::move(m));
  }
  const std::string* from = params.Get("from");
  if (from == nullptr || from->empty()) {
    return Status::InvalidArgument("bad request: missing \"from\" timestamp");
  }
  CPROF_ASSIGN_OR_RETURN(sel.from_ms, ParseProfefeTime("from", *from));
  sel.to_ms = NowMs();
  if (const std::string* to = params.Get("to"); to != nullptr && !to->empty()) {
    CPROF_ASSIGN_OR_RETURN(sel.to_ms, ParseProfefeTime("to", *to));
  }
  if (const std::string* labels = params.Get("labels"); labels != nullptr) {
    std::string_view rest = *labels;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view pair = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return Status::InvalidArgument("bad request: bad labels \"" + labels->substr(0, 80) +
                                       "\": want key=value,key=value");
      }
      CPROF_ASSIGN_OR_RETURN(query::Matcher m,
                             query::Matcher::Make(pair.substr(0, eq), query::Matcher::Op::kEqual,
                                                  pair.substr(eq + 1)));
      sel.matchers.push_back(std::move(m));
    }
  }
  CPROF_RETURN_IF_ERROR(query::ValidateSelection(sel));
  return sel;
}

Response Api::ProfefeProfiles(const QueryParams& params) {
  std::string profile_type;
  auto sel = ParseProfefeSelection(params, &profile_type);
  if (!sel.ok()) return ProfefeError(sel.status());
  int64_t limit = 0;
  if (const std::string* l = params.Get("limit"); l != nullptr && !l->empty()) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size() || limit < 0) {
      return ProfefeError(
          Status::InvalidArgument("bad request: bad limit \"" + l->substr(0, 20) + "\""));
    }
  }
  auto indexed = IndexedSelection(*sel, /*intervals=*/false);
  if (!indexed.ok()) return ProfefeError(indexed.status());
  return ProfefeList([&](JsonWriter& w) {
    int64_t n = 0;
    for (const MetaHit& hit : indexed->hits) {
      if (limit > 0 && n++ == limit) break;
      WriteProfefeMeta(w, hit.dir->IdOf(*hit.entry), ProfefeTypeName(hit.entry->ProfileType()),
                       hit.dir->target, hit.entry->timestamp_ms);
    }
  });
}

Response Api::ProfefeMerge(const QueryParams& params) {
  std::string profile_type;
  auto sel = ParseProfefeSelection(params, &profile_type);
  if (!sel.ok()) return ProfefeError(sel.status());
  if (profile_type.empty()) {
    return ProfefeError(Status::InvalidArgument("bad request: merge needs a profile type"));
  }
  // profefe's merge: the snapshots merged as they are (its clients expect
  // profefe's semantics, cumulative types included).
  auto snapshot = Indexed(sel->from_ms);
  if (!snapshot.ok()) return ProfefeError(snapshot.status());
  auto inputs = ResolveSelection(**snapshot, *sel);
  if (!inputs.ok()) return ProfefeError(inputs.status());
  if (inputs->empty()) return ProfefeError(Status::NotFound("nothing found"));
  auto r = ProfileDownload(*inputs, ProfefeTypeName(profile_type));
  return r.ok() ? std::move(*r) : ProfefeError(r.status());
}

Response Api::ProfefeGet(std::string_view ids) {
  std::vector<Input> inputs;
  while (!ids.empty()) {
    size_t plus = ids.find('+');
    std::string_view id = ids.substr(0, plus);
    ids = plus == std::string_view::npos ? std::string_view() : ids.substr(plus + 1);
    if (inputs.size() == options_.max_merge_inputs) {
      return ProfefeError(Status::InvalidArgument("too many ids"));
    }
    auto input = ResolveId(id);
    if (!input.ok()) return ProfefeError(input.status());
    inputs.push_back(std::move(*input));
  }
  if (inputs.empty()) return ProfefeError(Status::InvalidArgument("bad request: missing id"));
  auto r = ProfileDownload(inputs, "merged");
  return r.ok() ? std::move(*r) : ProfefeError(r.status());
}

Response Api::ProfefePush(const Request& req) {
  const QueryParams& params = req.params;
  auto param = [&](std::string_view key) {
    const std::string* v = params.Get(key);
    return v != nullptr ? *v : std::string();
  };
  auto refuse = [this](std::string_view reason, int status, std::string message) {
    return ProfefeError(Refused(reason, status, std::move(message)));
  };
  ingest::Pushed pushed;
  pushed.job = "profefe";
  pushed.app = param("service");
  if (pushed.app.empty()) return refuse("bad_request", 400, "bad request: missing service");
  const std::string type = param("type");
  if (type.empty()) return refuse("bad_request", 400, "bad request: missing type");
  auto profile_type = ingest::ParseProfileTypeName(type);
  if (!profile_type.ok()) return refuse("unknown_type", 400, profile_type.status().message());
  pushed.profile_type = std::move(*profile_type);
  if (Status s = ingest::ParseLabelList(param("labels"), &pushed.labels); !s.ok()) {
    return refuse("bad_request", 400, "bad request: " + s.message());
  }
  const std::string instance = param("instance_id");
  if (!instance.empty()) pushed.labels["instance_id"] = instance;
  pushed.host = instance.empty() ? req.client : instance;
  pushed.url = "/api/0/profiles?" + req.query.substr(0, 1024);
  pushed.timestamp_ms = NowMs();  // profefe's created_at: when it arrived
  ingest::Made made = options_.ingester->Ingest(req.body, std::move(pushed));
  if (auto refused = Counted("profefe", made)) return ProfefeError(*refused);
  const archive::Sidecar& s = made.entry.sidecar;
  JsonWriter w;
  w.StartObject();
  w.Field("code", 200);
  w.Key("body");
  WriteProfefeMeta(w, s.id, ProfefeTypeName(s.profile_type), archive::TargetOf(s), s.timestamp_ms);
  w.EndObject();
  return Response::Json(w.Take());
}

Response Api::ProfefeServices() {
  auto snapshot = Indexed();
  if (!snapshot.ok()) return ProfefeError(snapshot.status());
  return ProfefeList([&](JsonWriter& w) {
    if (auto it = (*snapshot)->label_values.find("_app"); it != (*snapshot)->label_values.end()) {
      for (const std::string& app : it->second) w.String(app);
    }
  });
}

}  // namespace cprof::server
