#include "server/querier.h"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

using namespace cprof;
using namespace cprof::server;

TEST_CASE("Profile type IDs to sample types, and back", "[querier]") {
  struct Case {
    const char* id;
    const char* sample_type;
  };
  for (const Case& c : std::vector<Case>{
           {"process_cpu:cpu:nanoseconds:cpu:nanoseconds", "profile_cpu"},
           {"process_cpu:samples:count:cpu:nanoseconds", "profile_samples"},
           {"memory:inuse_space:bytes:space:bytes", "heap_inuse_space"},
           {"memory:alloc_space:bytes:space:bytes", "heap_alloc_space"},
           {"allocs:alloc_objects:count:space:bytes", "allocs_alloc_objects"},
           {"goroutine:goroutine:count:goroutine:count", "goroutine"},
           {"mutex:delay:nanoseconds:contentions:count", "mutex_delay"},
           {"block:contentions:count:contentions:count", "block_contentions"},
           {"threadcreate:threadcreate:count:threadcreate:count", "threadcreate"},
           {"fgprof:time:nanoseconds:wallclock:nanoseconds", "fgprof_time"},
       }) {
    INFO(c.id);
    auto st = SampleTypeOfId(c.id);
    REQUIRE(st.ok());
    CHECK(*st == c.sample_type);
  }
  for (const char* bad :
       {"", "process_cpu", "process_cpu:cpu:nanoseconds",
        "process_cpu:cpu:nanoseconds:cpu:nanoseconds:x", "nonesuch:cpu:nanoseconds:cpu:nanoseconds",
        "process_cpu:cpu:nanoseconds:space:bytes",
        ":::: ", "process_cpu::nanoseconds:cpu:nanoseconds",
        "process_cpu:cpu-x:nanoseconds:cpu:nanoseconds"}) {
    INFO(bad);
    CHECK(SampleTypeOfId(bad).status().code() == Status::Code::kInvalidArgument);
  }
  // Every type with samples: its IDs name its sample types back.
  for (const ProfileType& t : kProfileTypes) {
    if (t.pyroscope_name.empty()) {
      CHECK_FALSE(t.mergeable);
      continue;
    }
    auto made = PyroscopeProfileType(t, "inuse_space", "bytes");
    INFO(made.id());
    CHECK(made.id() == std::string(t.pyroscope_name) + ":inuse_space:bytes:" +
                           std::string(t.period_type) + ":" + std::string(t.period_unit));
    auto back = SampleTypeOfId(made.id());
    REQUIRE(back.ok());
    CHECK(*back == std::string(t.name) + "_inuse_space");
  }
}

TEST_CASE("Label selectors to matchers", "[querier]") {
  auto s =
      ParseLabelSelector(R"({service_name="api", env=~"prod.*", zone != 'a\'b', _host!~"10\\..*",)"
                         R"( __profile_type__=~"memory:.*", __name__="memory"})");
  REQUIRE(s.ok());
  REQUIRE(s->matchers.size() == 4);
  CHECK(s->matchers[0].key() == "_app");
  CHECK(s->matchers[0].value() == "api");
  CHECK(s->matchers[1].op() == query::Matcher::Op::kRegex);
  CHECK(s->matchers[1].MatchesValue("production"));
  CHECK_FALSE(s->matchers[1].MatchesValue("staging-prod"));  // anchored
  CHECK(s->matchers[2].op() == query::Matcher::Op::kNotEqual);
  CHECK(s->matchers[2].value() == "a'b");
  CHECK(s->matchers[3].op() == query::Matcher::Op::kNotRegex);
  CHECK(s->matchers[3].value() == "10\\..*");
  CHECK(s->MatchesType("memory:inuse_space:bytes:space:bytes", "memory"));
  CHECK_FALSE(s->MatchesType("process_cpu:cpu:nanoseconds:cpu:nanoseconds", "memory"));
  CHECK_FALSE(s->MatchesType("memory:inuse_space:bytes:space:bytes", "allocs"));

  for (const char* empty : {"", "{}", "  { } "}) {
    auto e = ParseLabelSelector(empty);
    REQUIRE(e.ok());
    CHECK(e->matchers.empty());
  }
  for (const char* bad :
       {"service_name=\"api\"", "{service_name=\"api\"", "{service_name=api}", "{=\"a\"}",
        "{a==\"b\"}", "{a=\"b\"} x", "{a=~\"(\"}", "{__type__=\"cpu\"}", "{_secret=\"x\"}",
        "{a=\"b\" c=\"d\"}", "{a=\"unterminated}"}) {
    INFO(bad);
    auto r = ParseLabelSelector(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK(r.status().message().find("label selector") != std::string::npos);
  }
  CHECK(PyroscopeLabelName("_app") == "service_name");
  CHECK(PyroscopeLabelName("env") == "env");
  CHECK(CprofilerLabelKey("service_name") == "_app");
}

TEST_CASE("Connect requests in both encodings", "[querier]") {
  querier::v1::SelectMergeStacktracesRequest want;
  want.set_profile_typeid("process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  want.set_label_selector("{service_name=\"api\"}");
  want.set_start(1700000000000);
  want.set_end(1700003600000);
  want.set_max_nodes(16);
  want.set_format(querier::v1::PROFILE_FORMAT_FLAMEGRAPH);

  const std::string proto = want.SerializeAsString();
  querier::v1::SelectMergeStacktracesRequest from_proto;
  REQUIRE(ParseQuerierRequest({QuerierCall::Encoding::kProto, proto}, &from_proto).ok());
  CHECK(from_proto.SerializeAsString() == proto);

  // lowerCamelCase and the proto's own names, int64 as strings or numbers,
  // enums by name or number, unknown members and nulls skipped.
  for (const char* json :
       {R"({"profileTypeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds",)"
        R"("labelSelector":"{service_name=\"api\"}","start":"1700000000000",)"
        R"("end":1700003600000,"maxNodes":"16","format":"PROFILE_FORMAT_FLAMEGRAPH",)"
        R"("stackTraceSelector":{"callSite":[]},"async":null})",
        R"({"profile_typeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds",)"
        R"("label_selector":"{service_name=\"api\"}","start":1700000000000,)"
        R"("end":"1700003600000","max_nodes":16,"format":1})"}) {
    INFO(json);
    querier::v1::SelectMergeStacktracesRequest got;
    REQUIRE(ParseQuerierRequest({QuerierCall::Encoding::kJson, json}, &got).ok());
    CHECK(got.SerializeAsString() == proto);
  }
  for (const char* bad : {"", "[]", "{", R"({"start":"12x"})", R"({"start":true})",
                          R"({"format":"PROFILE_FORMAT_NONESUCH"})", R"({"labelSelector":7})"}) {
    INFO(bad);
    querier::v1::SelectMergeStacktracesRequest got;
    CHECK(ParseQuerierRequest({QuerierCall::Encoding::kJson, bad}, &got).code() ==
          Status::Code::kInvalidArgument);
  }
  querier::v1::SelectMergeStacktracesRequest got;
  CHECK(ParseQuerierRequest({QuerierCall::Encoding::kProto, "\xff\xff"}, &got).code() ==
        Status::Code::kInvalidArgument);

  querier::v1::SelectSeriesRequest series;
  REQUIRE(ParseQuerierRequest({QuerierCall::Encoding::kJson,
                               R"({"groupBy":["service_name"],"step":15.5,)"
                               R"("aggregation":"TIME_SERIES_AGGREGATION_TYPE_AVERAGE",)"
                               R"("limit":"3"})"},
                              &series)
              .ok());
  CHECK(series.group_by_size() == 1);
  CHECK(series.step() == 15.5);
  CHECK(series.aggregation() == types::v1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE);
  CHECK(series.limit() == 3);

  CHECK(QuerierEncodingOf("application/json; charset=utf-8").value() ==
        QuerierCall::Encoding::kJson);
  CHECK(QuerierEncodingOf("application/proto").value() == QuerierCall::Encoding::kProto);
  CHECK_FALSE(QuerierEncodingOf("application/grpc").ok());
  CHECK_FALSE(QuerierEncodingOf("").ok());
}

TEST_CASE("Connect answers: JSON as proto3 maps it, errors with their statuses", "[querier]") {
  querier::v1::SelectMergeStacktracesResponse resp;
  *resp.mutable_flamegraph() =
      FlameGraphMessage({{"total", "main"}, {{0, 5, 0, 0}, {0, 5, 5, 1}}, 5, 5});
  const std::string json = EncodeQuerierResponse({QuerierCall::Encoding::kJson, ""}, resp);
  CHECK(json == R"({"flamegraph":{"names":["total","main"],"levels":[{"values":["0","5","0","0"]},)"
                R"({"values":["0","5","5","1"]}],"total":"5","maxSelf":"5"}})");
  querier::v1::SelectMergeStacktracesResponse back;
  REQUIRE(back.ParseFromString(EncodeQuerierResponse({QuerierCall::Encoding::kProto, ""}, resp)));
  CHECK(back.flamegraph().levels(1).values(2) == 5);

  struct Case {
    Status status;
    int http;
    const char* code;
  };
  for (const Case& c : std::vector<Case>{
           {Status::InvalidArgument("bad"), 400, "invalid_argument"},
           {Status::NotFound("gone"), 404, "not_found"},
           {Status::ResourceExhausted("too big"), 429, "resource_exhausted"},
           {Status::Unavailable("later"), 503, "unavailable"},
           {Status::IOError("disk"), 500, "internal"},
       }) {
    Response r = ConnectError(c.status);
    CHECK(r.status == c.http);
    CHECK(r.content_type == "application/json");
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    REQUIRE(doc.IsObject());
    CHECK(std::string(doc["code"].GetString()) == c.code);
    CHECK(std::string(doc["message"].GetString()) == c.status.message());
  }
  CHECK(ConnectUnimplemented("Diff").status == 501);
}
