#include "archive/sidecar.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "base/json.h"
#include "base/json_read.h"

namespace cprof::archive {

std::string SerializeSidecar(const Sidecar& s) {
  JsonWriter w(/*pretty=*/true);
  w.StartObject();
  w.Field("format_version", s.format_version);
  w.Field("id", s.id);
  w.Field("profile_type", s.profile_type);
  w.Field("file", s.file);
  w.Field("job", s.job);
  w.Field("app", s.app);
  w.Field("host", s.host);
  w.Field("labels", s.labels);
  w.Field("url", s.url);
  w.Field("timestamp_ms", s.timestamp_ms);
  w.Field("time", FormatRfc3339Ms(s.timestamp_ms));
  w.Field("duration_ns", s.duration_ns);
  w.Field("expiration_ns", s.expiration_ns);
  w.Field("expires_ms", s.expires_ms);
  w.Field("size", s.size);
  w.Field("sha256", s.sha256);
  w.StartArray("sample_types");
  for (const auto& t : s.sample_types) {
    w.StartObject();
    w.Field("name", t.name);
    w.Field("type", t.type);
    w.Field("unit", t.unit);
    w.Field("total", t.total);
    w.EndObject();
  }
  w.EndArray();
  w.Field("default_sample_type", s.default_sample_type);
  w.Field("scraped_by", s.scraped_by);
  if (s.rollup) {
    w.StartObject("rollup");
    w.Field("end_ms", s.rollup->end_ms);
    w.Field("end", FormatRfc3339Ms(s.rollup->end_ms));
    w.Field("entries", s.rollup->entries);
    w.EndObject();
  }
  w.EndObject();
  std::string out = w.Take();
  out += '\n';
  return out;
}

namespace {

using rapidjson::Value;

Status Missing(const char* key, const char* want) {
  return Status::Corruption(std::string("sidecar: \"") + key + "\" missing or not " + want);
}

Status GetString(const Value& o, const char* key, std::string* out, bool required = true) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd()) {
    return required ? Missing(key, "a string") : Status::OK();
  }
  if (!it->value.IsString()) return Missing(key, "a string");
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return Status::OK();
}

Status GetInt(const Value& o, const char* key, int64_t* out, bool required = true) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd()) {
    return required ? Missing(key, "an integer") : Status::OK();
  }
  if (!it->value.IsInt64()) return Missing(key, "an integer");
  *out = it->value.GetInt64();
  return Status::OK();
}

}  // namespace

Result<Sidecar> ParseSidecar(std::string_view json) {
  rapidjson::Document doc;
  // Iterative: a hostile, deeply nested file cannot exhaust the stack.
  // UTF-8 checked: what SerializeSidecar writes is valid UTF-8, so a sidecar
  // that is not was not written by cprofiler (and would not read back the same).
  doc.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag |
            rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return Status::Corruption(std::string("sidecar: bad JSON at offset ") +
                              std::to_string(doc.GetErrorOffset()) + ": " +
                              rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Status::Corruption("sidecar: not a JSON object");
  if (HasLoneLowSurrogate(json))
    return Status::Corruption("sidecar: a \\u escape that is not UTF-8");
  Sidecar s;
  int64_t version = 0;
  CPROF_RETURN_IF_ERROR(GetInt(doc, "format_version", &version));
  if (version < kOldestFormatVersion || version > kFormatVersion) {
    return Status::Corruption("sidecar: format_version " + std::to_string(version) +
                              " not supported (" + std::to_string(kOldestFormatVersion) + ".." +
                              std::to_string(kFormatVersion) + ")");
  }
  s.format_version = static_cast<int>(version);
  CPROF_RETURN_IF_ERROR(GetString(doc, "id", &s.id));
  CPROF_RETURN_IF_ERROR(GetString(doc, "profile_type", &s.profile_type));
  CPROF_RETURN_IF_ERROR(GetString(doc, "file", &s.file));
  CPROF_RETURN_IF_ERROR(GetString(doc, "job", &s.job));
  CPROF_RETURN_IF_ERROR(GetString(doc, "app", &s.app));
  CPROF_RETURN_IF_ERROR(GetString(doc, "host", &s.host));
  CPROF_RETURN_IF_ERROR(GetString(doc, "url", &s.url, /*required=*/false));
  CPROF_RETURN_IF_ERROR(GetInt(doc, "timestamp_ms", &s.timestamp_ms));
  CPROF_RETURN_IF_ERROR(GetInt(doc, "duration_ns", &s.duration_ns));
  CPROF_RETURN_IF_ERROR(GetInt(doc, "expiration_ns", &s.expiration_ns));
  CPROF_RETURN_IF_ERROR(GetInt(doc, "expires_ms", &s.expires_ms));
  CPROF_RETURN_IF_ERROR(GetInt(doc, "size", &s.size));
  CPROF_RETURN_IF_ERROR(GetString(doc, "sha256", &s.sha256));
  CPROF_RETURN_IF_ERROR(GetString(doc, "default_sample_type", &s.default_sample_type, false));
  CPROF_RETURN_IF_ERROR(GetString(doc, "scraped_by", &s.scraped_by, false));

  auto labels = doc.FindMember("labels");
  if (labels == doc.MemberEnd() || !labels->value.IsObject()) {
    return Missing("labels", "an object");
  }
  for (const auto& m : labels->value.GetObject()) {
    if (!m.value.IsString()) return Missing("labels", "an object of strings");
    s.labels.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                     std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  auto types = doc.FindMember("sample_types");
  if (types == doc.MemberEnd() || !types->value.IsArray()) {
    return Missing("sample_types", "an array");
  }
  for (const auto& t : types->value.GetArray()) {
    if (!t.IsObject()) return Missing("sample_types", "an array of objects");
    SampleTypeInfo info;
    CPROF_RETURN_IF_ERROR(GetString(t, "name", &info.name));
    CPROF_RETURN_IF_ERROR(GetString(t, "type", &info.type));
    CPROF_RETURN_IF_ERROR(GetString(t, "unit", &info.unit));
    CPROF_RETURN_IF_ERROR(GetInt(t, "total", &info.total));
    s.sample_types.push_back(std::move(info));
  }
  if (auto rollup = doc.FindMember("rollup"); rollup != doc.MemberEnd()) {
    if (!rollup->value.IsObject()) return Missing("rollup", "an object");
    RollupInfo& info = s.rollup.emplace();
    CPROF_RETURN_IF_ERROR(GetInt(rollup->value, "end_ms", &info.end_ms));
    CPROF_RETURN_IF_ERROR(GetInt(rollup->value, "entries", &info.entries));
  }
  auto key = ParseId(s.id);
  if (!key.ok()) return Status::Corruption("sidecar: " + key.status().message());
  const RollupTier* tier = FindRollupTier(key->tier);
  if ((tier != nullptr) != s.rollup.has_value() ||
      (tier != nullptr && s.rollup->end_ms != s.timestamp_ms + tier->span_ms)) {
    return Status::Corruption("sidecar: rollup does not match its id");
  }
  if (key->profile_type != s.profile_type || key->timestamp_ms != s.timestamp_ms) {
    return Status::Corruption("sidecar: id does not match profile_type/timestamp_ms");
  }
  if (s.file != ProfileFileName(*key)) {
    return Status::Corruption("sidecar: file \"" + s.file + "\" does not match its id");
  }
  return s;
}

Target TargetOf(const Sidecar& s) {
  return Target{s.job, s.app, s.host, s.labels, s.expiration_ns};
}

Sidecar ProbeOf(const Target& t, std::string_view profile_type) {
  Sidecar probe;
  probe.job = t.job;
  probe.app = t.app;
  probe.host = t.host;
  probe.labels = t.labels;
  probe.expiration_ns = t.expiration_ns;
  probe.profile_type = std::string(profile_type);
  return probe;
}

std::string TargetKeyOf(const Target& t) {
  return TargetKey(t.job, t.app, t.host, t.labels, t.expiration_ns);
}

const std::string* LabelValue(const Sidecar& s, std::string_view key) {
  if (!key.empty() && key[0] == '_') {
    if (key == "_job") return &s.job;
    if (key == "_app") return &s.app;
    if (key == "_host") return &s.host;
    if (key == "_type") return &s.profile_type;
  }
  auto it = s.labels.find(std::string(key));
  return it == s.labels.end() ? nullptr : &it->second;
}

}  // namespace cprof::archive
