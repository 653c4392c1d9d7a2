#include <google/protobuf/arena.h>
#include <catch2/catch.hpp>

#include <chrono>

#include "pprof/codec.h"
#include "pprof/summary.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::pprof;

namespace {

Profile TinyProfile() {
  Profile p;
  for (const char* s : {"", "samples", "count", "cpu", "nanoseconds", "main.f", "f.go"}) {
    p.add_string_table(s);
  }
  auto* t = p.add_sample_type();
  t->set_type(1);
  t->set_unit(2);
  t = p.add_sample_type();
  t->set_type(3);
  t->set_unit(4);
  auto* f = p.add_function();
  f->set_id(1);
  f->set_name(5);
  f->set_filename(6);
  auto* l = p.add_location();
  l->set_id(1);
  l->add_line()->set_function_id(1);
  auto* s = p.add_sample();
  s->add_location_id(1);
  s->add_value(3);
  s->add_value(30);
  s = p.add_sample();
  s->add_location_id(1);
  s->add_value(4);
  s->add_value(40);
  p.set_duration_nanos(10'000'000'000);
  return p;
}

}  // namespace

TEST_CASE("Real Go profiles decode and summarize", "[pprof]") {
  auto heap = DecodeProfile(testing::ReadTestData("heap.pb.gz"));
  REQUIRE(heap.ok());
  ProfileSummary s = Summarize(*heap, "heap");
  REQUIRE(s.sample_types.size() == 4);
  CHECK(s.sample_types[0].name == "heap_alloc_objects");
  CHECK(s.sample_types[3].name == "heap_inuse_space");
  CHECK(s.sample_types[3].unit == "bytes");
  CHECK(s.sample_types[3].total > 0);

  auto cpu = DecodeProfile(testing::ReadTestData("cpu.pb.gz"));
  REQUIRE(cpu.ok());
  ProfileSummary c = Summarize(*cpu, "profile");
  REQUIRE(c.sample_types.size() == 2);
  CHECK(c.sample_types[0].name == "profile_samples");
  CHECK(c.sample_types[1].name == "profile_cpu");
  CHECK(c.duration_nanos > 0);

  auto g = DecodeProfile(testing::ReadTestData("goroutine.pb.gz"));
  REQUIRE(g.ok());
  CHECK(Summarize(*g, "goroutine").sample_types.at(0).name == "goroutine");
}

TEST_CASE("Encode then decode is the same profile", "[pprof]") {
  Profile p = TinyProfile();
  for (bool gz : {true, false}) {
    auto back = DecodeProfile(EncodeProfile(p, gz));
    REQUIRE(back.ok());
    CHECK(back->SerializeAsString() == p.SerializeAsString());
  }
  ProfileSummary s = Summarize(p, "profile");
  CHECK(s.sample_types[0].total == 7);
  CHECK(s.sample_types[1].total == 70);
}

TEST_CASE("Validation rejects broken references", "[pprof]") {
  struct Case {
    const char* what;
    void (*mutate)(Profile*);
  };
  const Case cases[] =
      {
          {"string_table[0] not empty", [](Profile* p) { p->set_string_table(0, "x"); }},
          {"no string table", [](Profile* p) { p->clear_string_table(); }},
          {"no sample types",
           [](Profile* p) {
    p->clear_sample_type();
    p->clear_sample();
           }},
          {"sample type string out of range",
           [](Profile* p) { p->mutable_sample_type(0)->set_type(99); }},
          {"negative string index", [](Profile* p) { p->mutable_function(0)->set_name(-1); }},
          {"missing location", [](Profile* p) { p->mutable_sample(0)->set_location_id(0, 42); }},
          {"missing function",
           [](Profile* p) { p->mutable_location(0)->mutable_line(0)->set_function_id(9); }},
          {"missing mapping", [](Profile* p) { p->mutable_location(0)->set_mapping_id(3); }},
          {"value count", [](Profile* p) { p->mutable_sample(0)->add_value(1); }},
          {"duplicate function id", [](Profile* p) { *p->add_function() = p->function(0); }},
          {"zero location id", [](Profile* p) { p->mutable_location(0)->set_id(0); }},
          {"label key out of range",
           [](Profile* p) { p->mutable_sample(0)->add_label()->set_key(77); }},
          {"comment out of range", [](Profile* p) { p->add_comment(1000); }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Profile p = TinyProfile();
    c.mutate(&p);
    auto r = DecodeProfile(EncodeProfile(p));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("Every truncation of a real profile is a clean error", "[pprof]") {
  const std::string gz = testing::ReadTestData("heap.pb.gz");
  auto raw = Gunzip(gz, 1 << 30);
  REQUIRE(raw.ok());
  for (size_t n = 0; n < gz.size(); ++n) {
    auto r = DecodeProfile(std::string_view(gz).substr(0, n));
    CHECK_FALSE(r.ok());
  }
  // Truncated plain protobuf: never a crash; most are errors, a cut at a
  // message boundary may still be a valid (smaller) profile.
  int errors = 0;
  for (size_t n = 0; n < raw->size(); n += 7) {
    auto r = DecodeProfile(std::string_view(*raw).substr(0, n));
    if (!r.ok()) ++errors;
  }
  CHECK(errors > 0);
}

// Go writes symbol and file names as they are, UTF-8 or not, and pprof
// reads them back; so must we.
TEST_CASE("Strings that are not UTF-8 are kept, as pprof keeps them", "[pprof]") {
  Profile p = TinyProfile();
  p.set_string_table(5, "main.\xff\xfe");
  auto r = DecodeProfile(EncodeProfile(p));
  REQUIRE(r.ok());
  CHECK(r->string_table(5) == "main.\xff\xfe");
}

TEST_CASE("Garbage and bit flips never crash", "[pprof]") {
  const std::string gz = testing::ReadTestData("cpu.pb.gz");
  std::string raw = *Gunzip(gz, 1 << 30);
  CHECK_FALSE(DecodeProfile("<html>not a profile</html>").ok());
  CHECK_FALSE(DecodeProfile("").ok());
  for (size_t i = 0; i < raw.size(); i += 3) {
    std::string flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)DecodeProfile(flipped);  // any Status is fine; no crash, no UB
  }
}

TEST_CASE("Gunzip is bounded", "[pprof]") {
  std::string big(10 << 20, '\0');
  std::string gz = Gzip(big);
  CHECK(gz.size() < (1 << 20));
  auto r = Gunzip(gz, 1 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  auto ok = Gunzip(gz, 10 << 20);
  REQUIRE(ok.ok());
  CHECK(ok->size() == big.size());
  // Two members, as `cat a.gz b.gz` makes.
  auto two = Gunzip(Gzip("ab") + Gzip("cd"), 100);
  REQUIRE(two.ok());
  CHECK(*two == "abcd");
}

// A large profile's samples are parsed in pieces on several threads; the
// result must be what one sequential parse gives, with or without an
// arena, and a bad sample in any piece must fail the whole decode.
TEST_CASE("Parsing a large profile in pieces equals one parse", "[pprof]") {
  Profile head, first, second, tail = TinyProfile();
  *head.mutable_sample_type() = tail.sample_type();
  tail.clear_sample_type();
  tail.clear_sample();
  auto* l = tail.add_location();
  l->set_id(2);
  l->add_line()->set_function_id(1);
  tail.add_string_table("request");
  for (int i = 0; i < 500'000; ++i) {
    Profile& half = i < 250'000 ? first : second;
    auto* s = half.add_sample();
    for (int d = 0; d < 1 + i % 15; ++d) s->add_location_id(1 + (i + d) % 2);
    s->add_value(i);
    s->add_value(1'000'000'000 + i);
    auto* label = s->add_label();
    label->set_key(7);
    label->set_num(i);
  }
  const std::string h = head.SerializeAsString(), a = first.SerializeAsString(),
                    b = second.SerializeAsString(), t = tail.SerializeAsString();
  DecodeOptions threads;
  threads.parse_threads = 4;
  auto sequential = [](const std::string& raw) {
    Profile p;
    REQUIRE(p.ParseFromString(raw));
    return p.SerializeAsString();
  };

  const std::string raw = h + a + b + t;     // the order Go writes fields in
  REQUIRE(raw.size() > (size_t{12} << 20));  // three 4 MiB pieces at least
  const std::string want = sequential(raw);
  auto decoded = DecodeProfile(raw, threads);
  REQUIRE(decoded.ok());
  CHECK(decoded->sample_size() == 500'000);
  CHECK(decoded->SerializeAsString() == want);
  google::protobuf::Arena arena;
  auto* on_arena = google::protobuf::Arena::CreateMessage<Profile>(&arena);
  REQUIRE(DecodeProfileInto(Gzip(raw), on_arena, threads).ok());
  CHECK(on_arena->SerializeAsString() == want);

  // Samples in two runs with other fields between: parsed in one go.
  const std::string split = h + a + t + b;
  auto decoded_split = DecodeProfile(split, threads);
  REQUIRE(decoded_split.ok());
  CHECK(decoded_split->SerializeAsString() == sequential(split));

  // A malformed sample (inner wire type 7) between the pieces.
  auto bad = DecodeProfile(h + a + std::string("\x12\x01\x07", 3) + b + t, threads);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kCorruption);
}

// DecodeProfile parses samples itself: every way protobuf may write one
// (location ids and values packed or one field each, fields in any order,
// fields it does not know) reads as protobuf's own parser reads it, and
// malformed ones fail.
TEST_CASE("Samples parse as protobuf parses them", "[pprof]") {
  auto varint = [](uint64_t v) {
    std::string out;
    do {
      out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v != 0);
    return out;
  };
  auto field = [&](int number, int type, const std::string& payload) {
    std::string out = varint(static_cast<uint64_t>(number << 3 | type));
    return type == 2 ? out + varint(payload.size()) + payload : out + payload;
  };
  const std::string label = field(1, 0, varint(5)) + field(9, 0, varint(7)) +  // unknown
                            field(3, 0, varint(uint64_t(-4))) + field(4, 0, varint(6));
  const std::string sample =
      field(2, 0, varint(uint64_t(-3))) + field(1, 0, varint(1)) +           // one a field
      field(15, 2, "skipped") + field(1, 2, varint(1) + varint(1)) +         // packed
      field(3, 2, label) + field(2, 2, varint(30)) + field(14, 5, "abcd") +  // fixed32
      field(13, 1, "abcdefgh") + field(3, 1, "12345678");  // a label of the wrong wire type
  Profile head = TinyProfile();
  head.clear_sample();
  const std::string raw = head.SerializeAsString() + field(2, 2, sample);
  Profile want;
  REQUIRE(want.ParseFromString(raw));
  REQUIRE(want.sample(0).location_id_size() == 3);
  auto got = DecodeProfile(raw);
  REQUIRE(got.ok());
  // (protobuf keeps the unknown fields; nothing reads them)
  const auto& w = want.sample(0);
  const auto& g = got->sample(0);
  CHECK(std::vector<uint64_t>(g.location_id().begin(), g.location_id().end()) ==
        std::vector<uint64_t>(w.location_id().begin(), w.location_id().end()));
  CHECK(std::vector<int64_t>(g.value().begin(), g.value().end()) ==
        std::vector<int64_t>(w.value().begin(), w.value().end()));
  REQUIRE(g.label_size() == 1);
  REQUIRE(w.label_size() == 1);
  CHECK(g.label(0).key() == w.label(0).key());
  CHECK(g.label(0).str() == w.label(0).str());
  CHECK(g.label(0).num() == w.label(0).num());
  CHECK(g.label(0).num_unit() == w.label(0).num_unit());
  CHECK(w.label(0).num() == -4);

  for (const std::string& bad : {field(1, 2, "\x80"),                      // a varint cut short
                                 field(0, 0, varint(1)),                   // field 0
                                 field(3, 2, field(1, 7, "")),             // wire type 7
                                 field(1, 0, std::string(11, '\xff'))}) {  // too long
    CHECK_FALSE(DecodeProfile(head.SerializeAsString() + field(2, 2, bad)).ok());
  }
}

TEST_CASE("Many tiny elements are refused before they are parsed", "[pprof]") {
  // 10M empty samples: 20 MB on the wire, ~1 GB as parsed objects.
  std::string raw;
  for (int i = 0; i < 10'000'000; ++i) raw += std::string("\x12\x00", 2);
  auto r = DecodeProfile(Gzip(raw));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  DecodeOptions tight;
  tight.max_elements = 10;
  CHECK(DecodeProfile(testing::ReadTestData("heap.pb.gz"), tight).status().code() ==
        Status::Code::kResourceExhausted);
}

TEST_CASE("Ids chosen to collide in a hash table stay fast", "[pprof]") {
  // Multiples of a bucket-count prime all land in one bucket under an
  // identity hash: quadratic before the mixing hash.
  Profile p;
  p.add_string_table("");
  p.add_string_table("cpu");
  auto* t = p.add_sample_type();
  t->set_type(1);
  t->set_unit(1);
  for (uint64_t i = 1; i <= 200000; ++i) {
    auto* f = p.add_function();
    f->set_id(i * 202409);
  }
  auto start = std::chrono::steady_clock::now();
  CHECK(ValidateProfile(p).ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}
