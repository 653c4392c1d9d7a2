// Grafana Pyroscope's querier API (querier.v1.QuerierService, the routes
// Grafana's "Grafana Pyroscope" data source calls) as cprofiler answers it:
// Connect's unary protocol (POST /querier.v1.QuerierService/<Method>, a
// body of application/proto or application/json, errors as Connect's JSON
// {"code", "message"}), and the mapping between Pyroscope's vocabulary and
// cprofiler's: profile type IDs and sample types, label selectors and
// matchers. The routes themselves are in querier_api.cc; the messages in
// proto/pyroscope (wire-compatible with Pyroscope's api/). Routes:
// man/cprofiler.1, "PYROSCOPE QUERIER API".
//
// Thread-safe: pure functions.
#ifndef CPROF_SERVER_QUERIER_H_
#define CPROF_SERVER_QUERIER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/profile_types.h"
#include "base/status.h"
#include "pprof/report.h"
#include "querier/v1/querier.pb.h"
#include "query/matcher.h"
#include "server/http_types.h"
#include "types/v1/types.pb.h"

namespace cprof::server {

inline constexpr std::string_view kQuerierPrefix = "/querier.v1.QuerierService/";

// Pyroscope's label for cprofiler's _app; the other labels keep their names.
inline constexpr std::string_view kServiceNameLabel = "service_name";
// Pyroscope's labels of a series' profile type: its ID and its name.
inline constexpr std::string_view kProfileTypeLabel = "__profile_type__";
inline constexpr std::string_view kNameLabel = "__name__";

// A series' labels as the querier lists them: Pyroscope's names, sorted.
using SeriesLabels = std::map<std::string, std::string, std::less<>>;

// A Connect request: its body and how it is encoded.
struct QuerierCall {
  enum class Encoding { kProto, kJson };
  Encoding encoding = Encoding::kProto;
  std::string_view body;
};

// The encoding of a Connect unary request's Content-Type
// ("application/proto", "application/json", either with parameters);
// InvalidArgument for another.
Result<QuerierCall::Encoding> QuerierEncodingOf(std::string_view content_type);

// A Status as Connect's error answer: JSON {"code": ..., "message": ...}
// with the HTTP status Connect gives the code (InvalidArgument:
// invalid_argument 400, NotFound: not_found 404, ResourceExhausted:
// resource_exhausted 429, Unavailable: unavailable 503, else internal 500).
Response ConnectError(const Status& status);
// Connect's error answer for a method the service does not have
// (unimplemented, 501).
Response ConnectUnimplemented(std::string_view method);

// Pyroscope's profile type of sample type `sample_type` (pprof's name,
// "inuse_space") in `unit` of profiles of `type`: ID
// "<pyroscope name>:<sample type>:<unit>:<period type>:<period unit>",
// "memory:inuse_space:bytes:space:bytes".
types::v1::ProfileType PyroscopeProfileType(const ProfileType& type, std::string_view sample_type,
                                            std::string_view unit);

// cprofiler's sample type ("heap_inuse_space"; "goroutine" for a profile
// type whose one sample type has its name) of a Pyroscope profile type ID.
// The unit is not checked (the index knows it, not the ID). InvalidArgument
// for an ID not of five ':'-separated parts, or whose name or period is of
// no profile type cprofiler knows.
Result<std::string> SampleTypeOfId(std::string_view id);

// A label selector, as Prometheus writes one: {service_name="api",
// env=~"prod.*"} (=, !=, =~, !~; regular expressions anchored; values in
// double quotes with Go's escapes).
struct LabelSelector {
  // On cprofiler's labels (service_name as _app, the other names as they
  // are).
  std::vector<query::Matcher> matchers;
  // On a series' profile type ID (__profile_type__) and name (__name__).
  std::vector<query::Matcher> profile_type;
  std::vector<query::Matcher> name;

  // Whether a series of profile type `type` (with ID `id`) passes
  // profile_type and name (the label matchers are the selection's).
  bool MatchesType(std::string_view id, std::string_view name_value) const;
};

// InvalidArgument, saying where and why, for a malformed selector or a
// label name cprofiler has not (names starting "_" other than _job, _app,
// _host and _type; "__" ones other than __profile_type__ and __name__).
// "" is {}.
Result<LabelSelector> ParseLabelSelector(std::string_view text);

// The name Pyroscope's clients see for cprofiler's label `key` (_app:
// service_name), and back.
std::string_view PyroscopeLabelName(std::string_view key);
std::string_view CprofilerLabelKey(std::string_view name);

// Request bodies of either encoding into their messages (proto3's JSON
// mapping: lowerCamelCase or the proto's names, int64 as strings or
// numbers, enums by name or number, unknown fields ignored).
// InvalidArgument, naming the field, for a body that does not parse.
Status ParseQuerierRequest(const QuerierCall& call, querier::v1::ProfileTypesRequest* out);
Status ParseQuerierRequest(const QuerierCall& call, types::v1::LabelNamesRequest* out);
Status ParseQuerierRequest(const QuerierCall& call, types::v1::LabelValuesRequest* out);
Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SeriesRequest* out);
Status ParseQuerierRequest(const QuerierCall& call,
                           querier::v1::SelectMergeStacktracesRequest* out);
Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SelectMergeProfileRequest* out);
Status ParseQuerierRequest(const QuerierCall& call, querier::v1::SelectSeriesRequest* out);

// Response messages in the call's encoding (JSON: proto3's mapping, as
// Pyroscope's own server writes it: lowerCamelCase, int64 as strings,
// fields of default value left out).
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::ProfileTypesResponse& response);
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const types::v1::LabelNamesResponse& response);
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const types::v1::LabelValuesResponse& response);
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SeriesResponse& response);
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SelectMergeStacktracesResponse& response);
std::string EncodeQuerierResponse(const QuerierCall& call,
                                  const querier::v1::SelectSeriesResponse& response);
// A pprof profile (`raw`: profile.proto, not gzipped) as google.v1.Profile:
// the same bytes for proto; decoded and written out for JSON (Corruption
// when it does not decode).
Result<std::string> EncodeQuerierProfile(const QuerierCall& call, std::string raw);

// A flame graph as the FlameGraph message.
querier::v1::FlameGraph FlameGraphMessage(pprof::LevelFlameGraph graph);

}  // namespace cprof::server

#endif  // CPROF_SERVER_QUERIER_H_
