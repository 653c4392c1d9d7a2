#include "server/querier.h"

#include <rapidjson/document.h>

#include <cmath>
#include <functional>

#include "base/json.h"

namespace cprof::server {
namespace {

// --- Connect ------------------------------------------------------------------

Response ConnectErrorResponse(int http_status, std::string_view code, std::string_view message) {
  JsonWriter w;
  w.StartObject();
  w.Field("code", code);
  w.Field("message", message);
  w.EndObject();
  Response r;
  r.status = http_status;
  r.content_type = "application/json";
  r.body = w.Take();
  return r;
}

// --- JSON requests ------------------------------------------------------------

using Value = rapidjson::Value;

Status BadField(std::string_view field, std::string_view why) {
  return Status::InvalidArgument("field " + std::string(field) + ": " + std::string(why));
}

// proto3 JSON's int64: a number, or a string of one.
Result<int64_t> Int64Of(const Value& v, std::string_view field) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsString()) {
    std::string_view text(v.GetString(), v.GetStringLength());
    int64_t out = 0;
    bool negative = !text.empty() && text[0] == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || text.size() > 19) return BadField(field, "not an int64");
    for (char c : text) {
      if (c < '0' || c > '9') return BadField(field, "not an int64");
      out = out * 10 + (c - '0');
    }
    return negative ? -out : out;
  }
  if (v.IsDouble() && std::trunc(v.GetDouble()) == v.GetDouble() &&
      std::fabs(v.GetDouble()) < 9.2e18) {
    return static_cast<int64_t>(v.GetDouble());
  }
  return BadField(field, "not an int64");
}

Result<double> DoubleOf(const Value& v, std::string_view field) {
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) {
    std::string text(v.GetString(), v.GetStringLength());
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(d)) return d;
  }
  return BadField(field, "not a number");
}

Result<std::string> StringOf(const Value& v, std::string_view field) {
  if (!v.IsString()) return BadField(field, "not a string");
  return std::string(v.GetString(), v.GetStringLength());
}

Result<std::vector<std::string>> StringsOf(const Value& v, std::string_view field) {
  if (!v.IsArray()) return BadField(field, "not an array of strings");
  std::vector<std::string> out;
  for (const Value& e : v.GetArray()) {
    CPROF_ASSIGN_OR_RETURN(std::string s, StringOf(e, field));
    out.push_back(std::move(s));
  }
  return out;
}

// An enum by name (of `names`, in number order) or number.
Result<int> EnumOf(const Value& v, std::string_view field, std::vector<std::string_view> names) {
  if (v.IsInt()) return v.GetInt();
  if (v.IsString()) {
    std::string_view text(v.GetString(), v.GetStringLength());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text) return static_cast<int>(i);
    }
  }
  return BadField(field, "not one of its enum's values");
}

// A member's reader: given the value (never null), sets the field.
using FieldReader = std::function<Status(const Value&)>;
struct JsonField {
  std::string_view json_name;   // lowerCamelCase
  std::string_view proto_name;  // as the .proto writes it
  FieldReader read;
};

// Reads `body`, a JSON object, member by member into `fields`; unknown
// members and nulls are skipped (proto3's JSON mapping).
Status ReadJsonObject(std::string_view body, const std::vector<JsonField>& fields) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument("the request body is not a JSON object");
  }
  for (const auto& member : doc.GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (member.value.IsNull()) continue;
    for (const JsonField& f : fields) {
      if (key == f.json_name || key == f.proto_name) {
        CPROF_RETURN_IF_ERROR(f.read(member.value));
        break;
      }
    }
  }
  return Status::OK();
}

template <typename Message>
Status ParseCall(const QuerierCall& call, Message* out, const std::vector<JsonField>& fields) {
  if (call.encoding == QuerierCall::Encoding::kJson) return ReadJsonObject(call.body, fields);
  if (!out->ParseFromArray(call.body.data(), static_cast<int>(call.body.size()))) {
    return Status::InvalidArgument("the request body is not a " + out->GetTypeName() + " message");
  }
  return Status::OK();
}

// Readers for common field shapes, setting through a member function.
template <typename M>
FieldReader Int64Field(std::string_view name, M* m, void (M::*set)(int64_t)) {
  return [=](const Value& v) -> Status {
    CPROF_ASSIGN_OR_RETURN(int64_t x, Int64Of(v, name));
    (m->*set)(x);
    return Status::OK();
  };
}
template <typename M>
FieldReader StringField(std::string_view name, M* m, std::string* (M::*mutable_field)()) {
  return [=](const Value& v) -> Status {
    CPROF_ASSIGN_OR_RETURN(*(m->*mutable_field)(), StringOf(v, name));
    return Status::OK();
  };
}
template <typename M>
FieldReader StringsField(std::string_view name, M* m,
                         google::protobuf::RepeatedPtrField<std::string>* (M::*mutable_field)()) {
  return [=](const Value& v) -> Status {
    CPROF_ASSIGN_OR_RETURN(std::vector<std::string> all, StringsOf(v, name));
    for (std::string& s : all) *(m->*mutable_field)()->Add() = std::move(s);
    return Status::OK();
  };
}

// --- JSON responses -----------------------------------------------------------

void Int64Member(JsonWriter& w, std::string_view key, int64_t v) {
  if (v != 0) w.Field(key, std::to_string(v));
}
void Uint64Member(JsonWriter& w, std::string_view key, uint64_t v) {
  if (v != 0) w.Field(key, std::to_string(v));
}
void StringMember(JsonWriter& w, std::string_view key, std::string_view v) {
  if (!v.empty()) w.Field(key, v);
}
void BoolMember(JsonWriter& w, std::string_view key, bool v) {
  if (v) w.Field(key, true);
}
template <typename Repeated>
void StringsMember(JsonWriter& w, std::string_view key, const Repeated& values) {
  if (values.empty()) return;
  w.StartArray(key);
  for (const auto& v : values) w.String(v);
  w.EndArray();
}
template <typename Repeated>
void Int64sMember(JsonWriter& w, std::string_view key, const Repeated& values) {
  if (values.empty()) return;
  w.StartArray(key);
  for (auto v : values) w.String(std::to_string(v));
  w.EndArray();
}
// A repeated message field: an object a message, its members by `write`;
// nothing when empty (proto3's JSON leaves empty fields out).
template <typename Repeated, typename Write>
void ObjectsMember(JsonWriter& w, std::string_view key, const Repeated& messages, Write write) {
  if (messages.empty()) return;
  w.StartArray(key);
  for (const auto& m : messages) {
    w.StartObject();
    write(m);
    w.EndObject();
  }
  w.EndArray();
}

void LabelPairs(JsonWriter& w, std::string_view key,
                const google::protobuf::RepeatedPtrField<types::v1::LabelPair>& labels) {
  ObjectsMember(w, key, labels, [&](const types::v1::LabelPair& l) {
    StringMember(w, "name", l.name());
    StringMember(w, "value", l.value());
  });
}

template <typename Message>
std::string Encode(const QuerierCall& call, const Message& m,
                   const std::function<void(JsonWriter&)>& members) {
  if (call.encoding == QuerierCall::Encoding::kProto) return m.SerializeAsString();
  JsonWriter w;
  w.StartObject();
  members(w);
  w.EndObject();
  return w.Take();
}

void ValueTypeMember(JsonWriter& w, std::string_view key, const perftools::profiles::ValueType& t) {
  w.StartObject(key);
  Int64Member(w, "type", t.type());
  Int64Member(w, "unit", t.unit());
  w.EndObject();
}

// --- selectors ----------------------------------------------------------------

bool IsLabelNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

// A selector being read, with where it is for the errors.
class SelectorReader {
 public:
  explicit SelectorReader(std::string_view text) : text_(text) {}

  Status Error(std::string_view why) const {
    return Status::InvalidArgument("label selector \"" + std::string(text_.substr(0, 200)) +
                                   "\": " + std::string(why) + " at offset " + std::to_string(at_));
  }
  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }
  bool Eat(std::string_view token) {
    SkipSpace();
    if (text_.substr(at_).starts_with(token)) {
      at_ += token.size();
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return at_ == text_.size();
  }
  Result<std::string> Name() {
    SkipSpace();
    size_t start = at_;
    while (at_ < text_.size() && IsLabelNameChar(text_[at_], at_ == start)) ++at_;
    if (at_ == start) return Error("want a label name");
    return std::string(text_.substr(start, at_ - start));
  }
  Result<query::Matcher::Op> Op() {
    if (Eat("=~")) return query::Matcher::Op::kRegex;
    if (Eat("!~")) return query::Matcher::Op::kNotRegex;
    if (Eat("!=")) return query::Matcher::Op::kNotEqual;
    if (Eat("=")) return query::Matcher::Op::kEqual;
    return Error("want one of = != =~ !~");
  }
  // A quoted string with Go's escapes (\" \\ \n \t \r and the rest taken
  // as they are).
  Result<std::string> Quoted() {
    SkipSpace();
    if (at_ >= text_.size() || (text_[at_] != '"' && text_[at_] != '\'')) {
      return Error("want a quoted value");
    }
    const char quote = text_[at_++];
    std::string out;
    while (at_ < text_.size() && text_[at_] != quote) {
      char c = text_[at_++];
      if (c == '\\') {
        if (at_ >= text_.size()) break;
        c = text_[at_++];
        if (c == 'n') c = '\n';
        if (c == 't') c = '\t';
        if (c == 'r') c = '\r';
      }
      out += c;
    }
    if (at_ >= text_.size()) return Error("unterminated string");
    ++at_;
    return out;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

Result<QuerierCall::Encoding> QuerierEncodingOf(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type == "application/proto") return QuerierCall::Encoding::kProto;
  if (type == "application/json") return QuerierCall::Encoding::kJson;
  return Status::InvalidArgument("Content-Type \"" + std::string(type.substr(0, 80)) +
                                 "\": want application/proto or application/json (Connect's "
                                 "unary protocol)");
}

Response ConnectError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
      return ConnectErrorResponse(400, "invalid_argument", status.message());
    case Status::Code::kNotFound:
      return ConnectErrorResponse(404, "not_found", status.message());
    case Status::Code::kResourceExhausted:
      return ConnectErrorResponse(429, "resource_exhausted", status.message());
    case Status::Code::kUnavailable: {
      Response r = ConnectErrorResponse(503, "unavailable", status.message());
      r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    default:
      return ConnectErrorResponse(500, "internal", status.message());
  }
}

Response ConnectUnimplemented(std::string_view method) {
  return ConnectErrorResponse(
      501, "unimplemented",
      "querier.v1.QuerierService/" + std::string(method.substr(0, 80)) +
          " is not served: cprofiler answers ProfileTypes, LabelNames, LabelValues, Series, "
          "SelectMergeStacktraces, SelectMergeProfile and SelectSeries");
}

types::v1::ProfileType PyroscopeProfileType(const ProfileType& type, std::string_view sample_type,
                                            std::string_view unit) {
  types::v1::ProfileType out;
  out.set_name(std::string(type.pyroscope_name));
  out.set_sample_type(std::string(sample_type));
  out.set_sample_unit(std::string(unit));
  out.set_period_type(std::string(type.period_type));
  out.set_period_unit(std::string(type.period_unit));
  out.set_id(std::string(type.pyroscope_name) + ":" + std::string(sample_type) + ":" +
             std::string(unit) + ":" + std::string(type.period_type) + ":" +
             std::string(type.period_unit));
  return out;
}

Result<std::string> SampleTypeOfId(std::string_view id) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = id.find(':', start);
    parts.push_back(id.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  const std::string quoted = "\"" + std::string(id.substr(0, 200)) + "\"";
  if (parts.size() != 5) {
    return Status::InvalidArgument(
        "profile type " + quoted +
        " is not <name>:<sample type>:<unit>:<period type>:<period unit> "
        "(e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds; ProfileTypes lists them)");
  }
  for (const ProfileType& t : kProfileTypes) {
    if (t.pyroscope_name.empty() || parts[0] != t.pyroscope_name || parts[3] != t.period_type ||
        parts[4] != t.period_unit) {
      continue;
    }
    const std::string_view sample = parts[1];
    if (sample.empty() || !query::ValidLabelKey(sample)) break;
    if (sample == t.name) return std::string(t.name);
    return std::string(t.name) + "_" + std::string(sample);
  }
  return Status::InvalidArgument("unknown profile type " + quoted +
                                 ": ProfileTypes lists the archive's (e.g. "
                                 "process_cpu:cpu:nanoseconds:cpu:nanoseconds)");
}

bool LabelSelector::MatchesType(std::string_view id, std::string_view name_value) const {
  for (const query::Matcher& m : profile_type) {
    if (!m.MatchesValue(id)) return false;
  }
  for (const query::Matcher& m : name) {
    if (!m.MatchesValue(name_value)) return false;
  }
  return true;
}

Result<LabelSelector> ParseLabelSelector(std::string_view text) {
  LabelSelector out;
  SelectorReader r(text);
  if (r.AtEnd()) return out;
  if (!r.Eat("{")) return r.Error("want {");
  while (!r.Eat("}")) {
    CPROF_ASSIGN_OR_RETURN(std::string name, r.Name());
    CPROF_ASSIGN_OR_RETURN(query::Matcher::Op op, r.Op());
    CPROF_ASSIGN_OR_RETURN(std::string value, r.Quoted());
    if (name == kProfileTypeLabel || name == kNameLabel) {
      // The pseudo labels match strings, not sidecars: any valid key will do.
      auto m = query::Matcher::Make("_type", op, value);
      if (!m.ok()) return r.Error(m.status().message());
      (name == kProfileTypeLabel ? out.profile_type : out.name).push_back(std::move(*m));
    } else {
      auto m = query::Matcher::Make(CprofilerLabelKey(name), op, value);
      if (!m.ok()) {
        return r.Error("label " + name + ": " + m.status().message() +
                       " (Pyroscope's names: service_name, __profile_type__, __name__)");
      }
      out.matchers.push_back(std::move(*m));
    }
    if (r.Eat("}")) break;
    if (!r.Eat(",")) return r.Error("want , or }");
  }
  if (!r.AtEnd()) return r.Error("want the end after }");
  return out;
}

std::string_view PyroscopeLabelName(std::string_view key) {
  return key == "_app" ? kServiceNameLabel : key;
}

std::string_view CprofilerLabelKey(std::string_view name) {
  return name == kServiceNameLabel ? std::string_view("_app") : name;
}

Status ParseQuerierRequest(const QuerierCall& call, querier::v1::ProfileTypesRequest* out) {
  using M = querier::v1::ProfileTypesRequest;
  return ParseCall(call, out,
                   {{"start", "start", Int64Field("start", out, &M::set_start)},
                    {"end", "end", Int64Field("end", out, &M::set_end)}});
}

Status ParseQuerierRequest(const QuerierCall& call, types::v1::LabelNamesRequest* out) {
  using M = types::v1::LabelNamesRequest;
  return ParseCall(call, out,
                   {{"matchers", "matchers", StringsField("matchers", out, &M::mutable_matchers)},
                    {"start", "start", Int64Field("start", out, &M::set_start)},
                    {"end", "end", Int64Field("end", out, &M::set_end)}});
}

Status ParseQuerierRequest(const QuerierCall& call, types::v1::LabelValuesRequest* out) {
  using M = types::v1::LabelValuesRequest;
  return ParseCall(call, out,
                   {{"name", "name", StringField("name", out, &M::mutable_name)},
                    {"matchers", "matchers", StringsField("matchers", out, &M::mutable_matchers)},
                    {"start", "start", Int64Field("start", out, &M::set_start)},
                    {"end", "end", Int64Field("end", out, &M::set_end)}});
}

Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SeriesRequest* out) {
  using M = querier::v1::SeriesRequest;
  return ParseCall(
      call, out,
      {{"matchers", "matchers", StringsField("matchers", out, &M::mutable_matchers)},
       {"labelNames", "label_names", StringsField("labelNames", out, &M::mutable_label_names)},
       {"start", "start", Int64Field("start", out, &M::set_start)},
       {"end", "end", Int64Field("end", out, &M::set_end)}});
}

Status ParseQuerierRequest(const QuerierCall& call,
                           querier::v1::SelectMergeStacktracesRequest* out) {
  using M = querier::v1::SelectMergeStacktracesRequest;
  return ParseCall(
      call, out,
      {{"profileTypeID", "profile_typeID",
        StringField("profileTypeID", out, &M::mutable_profile_typeid)},
       {"labelSelector", "label_selector",
        StringField("labelSelector", out, &M::mutable_label_selector)},
       {"start", "start", Int64Field("start", out, &M::set_start)},
       {"end", "end", Int64Field("end", out, &M::set_end)},
       {"maxNodes", "max_nodes", Int64Field("maxNodes", out, &M::set_max_nodes)},
       {"format", "format", [out](const Value& v) -> Status {
          CPROF_ASSIGN_OR_RETURN(
              int f, EnumOf(v, "format",
                            {"PROFILE_FORMAT_UNSPECIFIED", "PROFILE_FORMAT_FLAMEGRAPH",
                             "PROFILE_FORMAT_TREE", "PROFILE_FORMAT_DOT", "PROFILE_FORMAT_PPROF"}));
          out->set_format(static_cast<querier::v1::ProfileFormat>(f));
          return Status::OK();
        }}});
}

Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SelectMergeProfileRequest* out) {
  using M = querier::v1::SelectMergeProfileRequest;
  return ParseCall(call, out,
                   {{"profileTypeID", "profile_typeID",
                     StringField("profileTypeID", out, &M::mutable_profile_typeid)},
                    {"labelSelector", "label_selector",
                     StringField("labelSelector", out, &M::mutable_label_selector)},
                    {"start", "start", Int64Field("start", out, &M::set_start)},
                    {"end", "end", Int64Field("end", out, &M::set_end)},
                    {"maxNodes", "max_nodes", Int64Field("maxNodes", out, &M::set_max_nodes)}});
}

Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SelectSeriesRequest* out) {
  using M = querier::v1::SelectSeriesRequest;
  return ParseCall(call, out,
                   {{"profileTypeID", "profile_typeID",
                     StringField("profileTypeID", out, &M::mutable_profile_typeid)},
                    {"labelSelector", "label_selector",
                     StringField("labelSelector", out, &M::mutable_label_selector)},
                    {"start", "start", Int64Field("start", out, &M::set_start)},
                    {"end", "end", Int64Field("end", out, &M::set_end)},
                    {"groupBy", "group_by", StringsField("groupBy", out, &M::mutable_group_by)},
                    {"step", "step",
                     [out](const Value& v) -> Status {
                       CPROF_ASSIGN_OR_RETURN(double step, DoubleOf(v, "step"));
                       out->set_step(step);
                       return Status::OK();
                     }},
                    {"aggregation", "aggregation",
                     [out](const Value& v) -> Status {
                       CPROF_ASSIGN_OR_RETURN(int a,
                                              EnumOf(v, "aggregation",
                                                     {"TIME_SERIES_AGGREGATION_TYPE_SUM",
                                                      "TIME_SERIES_AGGREGATION_TYPE_AVERAGE"}));
                       out->set_aggregation(static_cast<types::v1::TimeSeriesAggregationType>(a));
                       return Status::OK();
                     }},
                    {"limit", "limit", Int64Field("limit", out, &M::set_limit)}});
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::ProfileTypesResponse& response) {
  return Encode(call, response, [&](JsonWriter& w) {
    if (response.profile_types().empty()) return;
    w.StartArray("profileTypes");
    for (const types::v1::ProfileType& t : response.profile_types()) {
      w.StartObject();
      StringMember(w, "ID", t.id());
      StringMember(w, "name", t.name());
      StringMember(w, "sampleType", t.sample_type());
      StringMember(w, "sampleUnit", t.sample_unit());
      StringMember(w, "periodType", t.period_type());
      StringMember(w, "periodUnit", t.period_unit());
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const types::v1::LabelNamesResponse& response) {
  return Encode(call, response,
                [&](JsonWriter& w) { StringsMember(w, "names", response.names()); });
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const types::v1::LabelValuesResponse& response) {
  return Encode(call, response,
                [&](JsonWriter& w) { StringsMember(w, "names", response.names()); });
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SeriesResponse& response) {
  return Encode(call, response, [&](JsonWriter& w) {
    if (response.labels_set().empty()) return;
    w.StartArray("labelsSet");
    for (const types::v1::Labels& labels : response.labels_set()) {
      w.StartObject();
      LabelPairs(w, "labels", labels.labels());
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SelectMergeStacktracesResponse& response) {
  return Encode(call, response, [&](JsonWriter& w) {
    if (!response.has_flamegraph()) return;
    const querier::v1::FlameGraph& g = response.flamegraph();
    w.StartObject("flamegraph");
    StringsMember(w, "names", g.names());
    if (!g.levels().empty()) {
      w.StartArray("levels");
      for (const querier::v1::Level& level : g.levels()) {
        w.StartObject();
        Int64sMember(w, "values", level.values());
        w.EndObject();
      }
      w.EndArray();
    }
    Int64Member(w, "total", g.total());
    Int64Member(w, "maxSelf", g.max_self());
    w.EndObject();
  });
}

std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SelectSeriesResponse& response) {
  return Encode(call, response, [&](JsonWriter& w) {
    if (response.series().empty()) return;
    w.StartArray("series");
    for (const types::v1::Series& series : response.series()) {
      w.StartObject();
      LabelPairs(w, "labels", series.labels());
      if (!series.points().empty()) {
        w.StartArray("points");
        for (const types::v1::Point& p : series.points()) {
          w.StartObject();
          if (p.value() != 0) w.Field("value", p.value());
          Int64Member(w, "timestamp", p.timestamp());
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
  });
}

Result<std::string> EncodeQuerierProfile(const QuerierCall& call, std::string raw) {
  if (call.encoding == QuerierCall::Encoding::kProto) return raw;
  CPROF_ASSIGN_OR_RETURN(pprof::Profile p, pprof::DecodeProfile(raw));
  JsonWriter w;
  w.StartObject();
  ObjectsMember(w, "sampleType", p.sample_type(), [&](const auto& t) {
    Int64Member(w, "type", t.type());
    Int64Member(w, "unit", t.unit());
  });
  ObjectsMember(w, "sample", p.sample(), [&](const auto& s) {
    Int64sMember(w, "locationId", s.location_id());
    Int64sMember(w, "value", s.value());
    ObjectsMember(w, "label", s.label(), [&](const auto& l) {
      Int64Member(w, "key", l.key());
      Int64Member(w, "str", l.str());
      Int64Member(w, "num", l.num());
      Int64Member(w, "numUnit", l.num_unit());
    });
  });
  ObjectsMember(w, "mapping", p.mapping(), [&](const auto& m) {
    Uint64Member(w, "id", m.id());
    Uint64Member(w, "memoryStart", m.memory_start());
    Uint64Member(w, "memoryLimit", m.memory_limit());
    Uint64Member(w, "fileOffset", m.file_offset());
    Int64Member(w, "filename", m.filename());
    Int64Member(w, "buildId", m.build_id());
    BoolMember(w, "hasFunctions", m.has_functions());
    BoolMember(w, "hasFilenames", m.has_filenames());
    BoolMember(w, "hasLineNumbers", m.has_line_numbers());
    BoolMember(w, "hasInlineFrames", m.has_inline_frames());
  });
  ObjectsMember(w, "location", p.location(), [&](const auto& l) {
    Uint64Member(w, "id", l.id());
    Uint64Member(w, "mappingId", l.mapping_id());
    Uint64Member(w, "address", l.address());
    ObjectsMember(w, "line", l.line(), [&](const auto& line) {
      Uint64Member(w, "functionId", line.function_id());
      Int64Member(w, "line", line.line());
    });
    BoolMember(w, "isFolded", l.is_folded());
  });
  ObjectsMember(w, "function", p.function(), [&](const auto& f) {
    Uint64Member(w, "id", f.id());
    Int64Member(w, "name", f.name());
    Int64Member(w, "systemName", f.system_name());
    Int64Member(w, "filename", f.filename());
    Int64Member(w, "startLine", f.start_line());
  });
  StringsMember(w, "stringTable", p.string_table());
  Int64Member(w, "dropFrames", p.drop_frames());
  Int64Member(w, "keepFrames", p.keep_frames());
  Int64Member(w, "timeNanos", p.time_nanos());
  Int64Member(w, "durationNanos", p.duration_nanos());
  if (p.has_period_type()) ValueTypeMember(w, "periodType", p.period_type());
  Int64Member(w, "period", p.period());
  Int64sMember(w, "comment", p.comment());
  Int64Member(w, "defaultSampleType", p.default_sample_type());
  w.EndObject();
  return w.Take();
}

querier::v1::FlameGraph FlameGraphMessage(pprof::LevelFlameGraph graph) {
  querier::v1::FlameGraph out;
  for (std::string& name : graph.names) out.add_names(std::move(name));
  for (const std::vector<int64_t>& level : graph.levels) {
    out.add_levels()->mutable_values()->Add(level.begin(), level.end());
  }
  out.set_total(graph.total);
  out.set_max_self(graph.max_self);
  return out;
}

}  // namespace cprof::server
