// StreamedProfile (codec.h) and the views built from it (view.h): the same
// view, table and errors as the profile DecodeProfile makes of the same
// bytes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pprof/codec.h"
#include "pprof/profile_builder.h"
#include "pprof/report.h"
#include "pprof/view.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

// Labels (string and numeric), inlined frames, a recursive stack, samples
// that differ only by labels, an all-zero sample and four sample types.
Profile Rich() {
  ProfileBuilder b(Types{{"alloc_objects", "count"},
                         {"alloc_space", "bytes"},
                         {"inuse_objects", "count"},
                         {"inuse_space", "bytes"}});
  b.Sample({"malloc", "a+inl", "main"}, {1, 512, 1, 512}, {{"handler", "api"}})
      .NumLabel("bytes", 512, "bytes")
      .Sample({"malloc", "a+inl", "main"}, {2, 1024, 0, 0}, {{"handler", "web"}})
      .NumLabel("bytes", 512, "bytes")
      .Sample({"b", "a", "b", "main"}, {3, 96, 3, 96}, {{"handler", "api"}})
      .Sample({"c@20", "main"}, {0, 0, 0, 0}, {{"handler", "idle"}})
      .Sample({"c@21", "d+e+f", "main"}, {4, 4096, 1, 1024})
      .Sample({"runtime.goexit"}, {5, 50, 5, 50}, {{"handler", "web"}});
  Profile p = b.Build();
  p.set_default_sample_type(p.sample_type(1).type());
  // A location without lines, in its mapping: pprof's "[binary]" node.
  auto* l = p.add_location();
  l->set_id(1000);
  l->set_mapping_id(p.mapping(0).id());
  l->set_address(0x1234);
  auto* s = p.add_sample();
  *s->mutable_location_id() = p.sample(0).location_id();
  s->set_location_id(0, 1000);
  for (int i = 0; i < 4; ++i) s->add_value(7);
  return p;
}

std::vector<ReportOptions> OptionSets() {
  std::vector<ReportOptions> sets(13);
  sets[1].sample_index = "alloc_objects";
  sets[2].sample_index = "3";
  sets[3].focus = "^a$";
  sets[4].ignore = "inl";
  sets[5].hide = "main";
  sets[6].show = "^(b|malloc)$";
  sets[7].tag_focus = "handler=api";
  sets[8].tag_ignore = "web";
  sets[9].tag_focus = "bytes=512";
  sets[10].node_count = 2;
  sets[11].node_fraction = 0;
  sets[12].focus = "c";
  sets[12].tag_ignore = "handler=idle";
  sets[12].sample_index = "inuse_objects";
  return sets;
}

void CheckSameView(const View& got, const View& want) {
  CHECK(got.names == want.names);
  CHECK(got.named == want.named);
  REQUIRE(got.frames.size() == want.frames.size());
  for (size_t i = 0; i < got.frames.size(); ++i) {
    CHECK(got.frames[i].node == want.frames[i].node);
    CHECK(got.frames[i].inlined == want.frames[i].inlined);
  }
  CHECK(got.starts == want.starts);
  CHECK(got.values == want.values);
  CHECK(got.sample_of == want.sample_of);
  CHECK(got.total == want.total);
  CHECK(got.sample_type == want.sample_type);
  CHECK(got.sample_unit == want.sample_unit);
  CHECK(got.kept_samples == want.kept_samples);
}

// Every option set, both stack modes: the streamed view and top table are
// the decoded profile's.
void CheckSameReports(const std::string& data) {
  auto decoded = DecodeProfile(data);
  REQUIRE(decoded.ok());
  auto streamed = StreamedProfile::Decode(data);
  REQUIRE(streamed.ok());
  CHECK(streamed->profile().sample_size() == 0);
  CHECK(streamed->sample_count() == decoded->sample_size());
  Profile header = *decoded;
  header.clear_sample();
  CHECK(streamed->profile().SerializeAsString() == header.SerializeAsString());
  for (const ReportOptions& o : OptionSets()) {
    INFO("index " << o.sample_index << " focus " << o.focus << " ignore " << o.ignore << " hide "
                  << o.hide << " show " << o.show << " tagfocus " << o.tag_focus << " tagignore "
                  << o.tag_ignore << " nodecount " << o.node_count);
    for (Stacks mode : {Stacks::kMerged, Stacks::kEachSample}) {
      auto want = BuildView(*decoded, o, mode);
      auto got = BuildView(*streamed, o, mode);
      REQUIRE(got.ok() == want.ok());
      if (!want.ok()) {
        CHECK(got.status().message() == want.status().message());
        continue;
      }
      CheckSameView(*got, *want);
    }
    auto want = Top(*decoded, o);
    auto got = Top(*streamed, o);
    REQUIRE(got.ok() == want.ok());
    if (want.ok()) {
      CHECK(FormatTopText(streamed->profile(), *got) == FormatTopText(*decoded, *want));
    }
  }
}

}  // namespace

TEST_CASE("A streamed profile gives the decoded profile's views and tables", "[pprof][view]") {
  SECTION("labels, inlined frames, zero samples, four sample types") {
    const Profile p = Rich();
    CheckSameReports(EncodeProfile(p, /*gzip=*/false));
    CheckSameReports(EncodeProfile(p));
  }
  SECTION("no labels: samples with the same stack stay apart") {
    Profile p = Rich();
    for (auto& s : *p.mutable_sample()) s.clear_label();
    CheckSameReports(EncodeProfile(p));
  }
  SECTION("no samples") {
    Profile p = Rich();
    p.clear_sample();
    CheckSameReports(EncodeProfile(p));
  }
  SECTION("samples not in one run of fields (parsed whole)") {
    Profile p = Rich();
    Profile first = p, rest;
    first.mutable_sample()->DeleteSubrange(3, p.sample_size() - 3);
    first.clear_comment();
    for (int i = 3; i < p.sample_size(); ++i) *rest.add_sample() = p.sample(i);
    rest.add_comment(0);  // a field after the samples, and more samples after it
    Profile tail;
    *tail.add_sample() = p.sample(0);
    CheckSameReports(first.SerializeAsString() + rest.SerializeAsString() +
                     tail.SerializeAsString());
  }
  SECTION("Go's own profiles") {
    for (const char* name : {"heap.pb.gz", "cpu.pb.gz", "goroutine.pb.gz"}) {
      INFO(name);
      CheckSameReports(testing::ReadTestData(name));
    }
  }
}

namespace {

// The error DecodeProfile then BuildView give `data`, and the streamed one.
std::pair<std::string, std::string> Errors(const std::string& data, const ReportOptions& o = {}) {
  std::string want, got;
  auto decoded = DecodeProfile(data);
  if (!decoded.ok()) {
    want = decoded.status().message();
  } else if (auto v = BuildView(*decoded, o); !v.ok()) {
    want = v.status().message();
  }
  auto streamed = StreamedProfile::Decode(data);
  if (!streamed.ok()) {
    got = streamed.status().message();
  } else if (auto v = BuildView(*streamed, o); !v.ok()) {
    got = v.status().message();
  }
  return {got, want};
}

}  // namespace

TEST_CASE("A streamed profile fails as the decoded one does", "[pprof][view]") {
  const Profile good = Rich();
  struct Case {
    const char* what;
    void (*mutate)(Profile*);
  };
  const Case cases[] =
      {
          {"no string table", [](Profile* p) { p->clear_string_table(); }},
          {"sample type string", [](Profile* p) { p->mutable_sample_type(0)->set_type(999); }},
          {"missing function",
           [](Profile* p) { p->mutable_location(0)->mutable_line(0)->set_function_id(999); }},
          {"missing location", [](Profile* p) { p->mutable_sample(2)->set_location_id(0, 999); }},
          {"value count", [](Profile* p) { p->mutable_sample(1)->add_value(1); }},
          {"label key", [](Profile* p) { p->mutable_sample(3)->add_label()->set_key(-1); }},
          {"two bad samples, the first told",
           [](Profile* p) {
    p->mutable_sample(4)->add_value(1);
    p->mutable_sample(2)->set_location_id(0, 999);
           }},
          {"a bad header and a bad sample",
           [](Profile* p) {
    p->mutable_sample(4)->add_value(1);
    p->add_comment(99999);
           }},
             };
  for (const Case& c : cases) {
    INFO(c.what);
    Profile p = good;
    c.mutate(&p);
    auto [got, want] = Errors(EncodeProfile(p));
    CHECK_FALSE(want.empty());
    CHECK(got == want);
  }

  const std::string head = [&] {
    Profile h = good;
    h.clear_sample();
    return h.SerializeAsString();
  }();
  const std::string sample = [&] {
    Profile s;
    *s.add_sample() = good.sample(0);
    return s.SerializeAsString();
  }();
  const std::string malformed("\x12\x03\x0a\x01\x80", 5);  // a varint cut short
  SECTION("a sample that does not parse comes before any other fault") {
    Profile bad_value;
    *bad_value.add_sample() = good.sample(0);
    bad_value.mutable_sample(0)->add_value(1);
    for (const std::string& data :
         {head + sample + malformed, head + bad_value.SerializeAsString() + sample + malformed}) {
      auto [got, want] = Errors(data);
      CHECK(want == "not a pprof profile (protobuf parse failed)");
      CHECK(got == want);
    }
    Profile bad_header = good;
    bad_header.clear_sample();
    bad_header.add_comment(99999);
    auto [got, want] = Errors(bad_header.SerializeAsString() + sample + malformed);
    CHECK(want == "not a pprof profile (protobuf parse failed)");
    CHECK(got == want);
  }
  SECTION("a bad sample comes before a bad option") {
    ReportOptions bad_regex, bad_index;
    bad_regex.focus = "(";
    bad_index.sample_index = "cpu";
    for (const ReportOptions& o : {bad_regex, bad_index}) {
      auto [ok_got, ok_want] = Errors(head + sample, o);
      CHECK_FALSE(ok_want.empty());
      CHECK(ok_got == ok_want);
      auto [got, want] = Errors(head + sample + malformed, o);
      CHECK(want == "not a pprof profile (protobuf parse failed)");
      CHECK(got == want);
    }
  }
  SECTION("every truncation") {
    const std::string raw = *Gunzip(testing::ReadTestData("heap.pb.gz"), 1 << 30);
    for (size_t n = 0; n < raw.size(); n += 5) {
      INFO(n);
      auto [got, want] = Errors(raw.substr(0, n));
      CHECK(got == want);
    }
  }
}
