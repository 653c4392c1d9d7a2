#include <catch2/catch.hpp>

#include <random>

#include "pprof/merge.h"
#include "pprof/profile_builder.h"
#include "pprof/report.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

const std::vector<std::pair<std::string, std::string>> kCpu = {{"samples", "count"},
                                                               {"cpu", "nanoseconds"}};

int64_t Total(const Profile& p, int index) {
  int64_t t = 0;
  for (const auto& s : p.sample()) t += s.value(index);
  return t;
}

}  // namespace

TEST_CASE("Merge sums identical stacks and deduplicates by content", "[merge]") {
  Profile a = ProfileBuilder(kCpu, 0)
                  .Sample({"leaf", "main"}, {1, 10})
                  .Sample({"other", "main"}, {2, 20})
                  .Header(2000, 5, 100)
                  .Comment("x")
                  .Build();
  // Different ids and string order for the same functions.
  Profile b = ProfileBuilder(kCpu, 1000)
                  .Sample({"other", "main"}, {3, 30})
                  .Sample({"leaf", "main"}, {4, 40})
                  .Sample({"new", "main"}, {0, 0})  // all zero: dropped
                  .Header(1000, 7, 50)
                  .Comment("x")
                  .Comment("y")
                  .Build();
  Merger m;
  REQUIRE(m.Add(a, "a").ok());
  REQUIRE(m.Add(b, "b").ok());
  auto r = m.Finish();
  REQUIRE(r.ok());
  REQUIRE(ValidateProfile(**r).ok());
  CHECK((*r)->sample_size() == 2);
  CHECK((*r)->function_size() == 3);  // leaf, main, other ("new" only in a zero sample)
  CHECK((*r)->mapping_size() == 1);
  CHECK(Total(**r, 0) == 10);
  CHECK(Total(**r, 1) == 100);
  CHECK((*r)->time_nanos() == 1000);
  CHECK((*r)->duration_nanos() == 12);
  CHECK((*r)->period() == 100);
  CHECK((*r)->comment_size() == 2);
  auto top = Top(**r, {});
  REQUIRE(top.ok());
  REQUIRE(top->rows.size() == 3);
  CHECK(top->rows[0].name == "leaf");
  CHECK(top->rows[0].flat == 50);
  CHECK(top->rows[1].name == "other");
  CHECK(top->rows[2].name == "main");
  CHECK(top->rows[2].cum == 100);
}

TEST_CASE("Merge keeps stacks with different labels apart", "[merge]") {
  Profile a = ProfileBuilder(kCpu)
                  .Sample({"f"}, {1, 1}, {{"a", "1"}, {"b", "2"}})
                  .Sample({"f"}, {1, 1}, {{"a", "2"}})
                  .Build();
  Profile b = ProfileBuilder(kCpu, 7).Sample({"f"}, {1, 1}, {{"b", "2"}, {"a", "1"}}).Build();
  Merger m;
  REQUIRE(m.Add(a, "a").ok());
  REQUIRE(m.Add(b, "b").ok());
  auto r = m.Finish();
  REQUIRE(r.ok());
  CHECK((*r)->sample_size() == 2);
  CHECK(Total(**r, 0) == 3);
}

TEST_CASE("Merge refuses different sample types, naming both", "[merge]") {
  Profile cpu = ProfileBuilder(kCpu).Sample({"f"}, {1, 1}).Build();
  Profile heap =
      ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"inuse_space", "bytes"}})
          .Sample({"f"}, {5})
          .Build();
  Profile ms =
      ProfileBuilder({{"samples", "count"}, {"cpu", "milliseconds"}}).Sample({"f"}, {1, 1}).Build();
  Merger m;
  REQUIRE(m.Add(cpu, "cpu.pb.gz").ok());
  auto s = m.Add(heap, "heap.pb.gz");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("heap.pb.gz") != std::string::npos);
  CHECK(s.message().find("cpu.pb.gz") != std::string::npos);
  CHECK_FALSE(m.Add(ms, "ms").ok());  // same types, other unit
  auto r = m.Finish();
  REQUIRE(r.ok());
  CHECK((*r)->sample_size() == 1);
  CHECK_FALSE(Merger().Finish().ok());
}

TEST_CASE("Samples that sum to zero are dropped, empty stacks on request", "[merge]") {
  Profile a = ProfileBuilder(kCpu).Sample({"f"}, {1, 5}).Sample({}, {1, 1}).Build();
  Profile b = ProfileBuilder(kCpu).Sample({"f"}, {-1, -5}).Build();
  Merger m;
  REQUIRE(m.Add(a, "a").ok());
  REQUIRE(m.Add(b, "b").ok());
  auto r = m.Finish();
  REQUIRE(r.ok());
  REQUIRE((*r)->sample_size() == 1);  // the empty stack
  DropEmptyStacks(&**r);
  CHECK((*r)->sample_size() == 0);
}

// Merging consecutive runs apart and then their merges in order must give
// exactly what merging every input in order gives: same ids, same sample
// order, same header (including pprof's running minimum of times, which an
// input without a time restarts), zero-sum samples dropped at the end.
TEST_CASE("Merging in parts equals merging in order", "[merge]") {
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    std::vector<Profile> inputs;
    const int n = 2 + static_cast<int>(rng() % 11);
    for (int i = 0; i < n; ++i) {
      ProfileBuilder b(kCpu, rng() % 3 * 1000);
      for (int s = 0, samples = static_cast<int>(rng() % 6); s < samples; ++s) {
        std::vector<std::string> stack;
        for (int d = 0, depth = static_cast<int>(rng() % 4); d < depth; ++d) {
          stack.push_back("f" + std::to_string(rng() % 5));
        }
        int64_t v = static_cast<int64_t>(rng() % 5) - 2;  // zero sums happen
        std::map<std::string, std::string> labels;
        if (rng() % 3 == 0) labels["k"] = std::to_string(rng() % 2);
        b.Sample(stack, {v, v * 10}, labels);
      }
      b.Header(rng() % 4 == 0 ? 0 : 1'000 + static_cast<int64_t>(rng() % 100), 10,
               static_cast<int64_t>(rng() % 3));
      if (rng() % 3 == 0) b.Comment("c" + std::to_string(rng() % 2));
      Profile p = b.Build();
      // Another process's address space: the mapping and addresses move.
      const uint64_t shift = (rng() % 4) * 0x100000;
      for (auto& m : *p.mutable_mapping()) {
        m.set_memory_start(m.memory_start() + shift);
        m.set_memory_limit(m.memory_limit() + shift);
      }
      for (auto& l : *p.mutable_location()) l.set_address(l.address() + shift);
      inputs.push_back(std::move(p));
    }
    Merger in_order;
    for (int i = 0; i < n; ++i) REQUIRE(in_order.Add(inputs[i], "in" + std::to_string(i)).ok());
    auto want = in_order.Finish();
    REQUIRE(want.ok());

    Merger in_parts;
    for (int start = 0; start < n;) {
      int end = std::min(n, start + 1 + static_cast<int>(rng() % 4));
      Merger part;
      for (int i = start; i < end; ++i) REQUIRE(part.Add(inputs[i], "in" + std::to_string(i)).ok());
      auto partial = part.FinishPartial();
      REQUIRE(partial.ok());
      REQUIRE(in_parts.AddPartial(*partial, "in" + std::to_string(start)).ok());
      start = end;
    }
    auto got = in_parts.Finish();
    REQUIRE(got.ok());
    CHECK((*got)->time_nanos() == (*want)->time_nanos());
    CHECK((*got)->sample_size() == (*want)->sample_size());
    CHECK((*got)->SerializeAsString() == (*want)->SerializeAsString());
  }
}

namespace {

// `p` with its string, function, location and mapping tables in another
// order (ids kept, string indices remapped): the same profile to pprof.
Profile Shuffled(Profile p, std::mt19937& rng) {
  std::vector<int64_t> to(static_cast<size_t>(p.string_table_size()));
  for (size_t i = 0; i < to.size(); ++i) to[i] = static_cast<int64_t>(i);
  std::shuffle(to.begin() + 1, to.end(), rng);  // "" stays first
  std::vector<std::string> strings(to.size());
  for (size_t i = 0; i < to.size(); ++i)
    strings[static_cast<size_t>(to[i])] = p.string_table(static_cast<int>(i));
  p.clear_string_table();
  for (const std::string& s : strings) p.add_string_table(s);
  auto remap = [&](int64_t i) { return to[static_cast<size_t>(i)]; };
  for (auto& t : *p.mutable_sample_type()) {
    t.set_type(remap(t.type()));
    t.set_unit(remap(t.unit()));
  }
  p.mutable_period_type()->set_type(remap(p.period_type().type()));
  p.mutable_period_type()->set_unit(remap(p.period_type().unit()));
  p.set_drop_frames(remap(p.drop_frames()));
  p.set_keep_frames(remap(p.keep_frames()));
  p.set_default_sample_type(remap(p.default_sample_type()));
  for (auto& c : *p.mutable_comment()) c = remap(c);
  for (auto& f : *p.mutable_function()) {
    f.set_name(remap(f.name()));
    f.set_system_name(remap(f.system_name()));
    f.set_filename(remap(f.filename()));
  }
  for (auto& m : *p.mutable_mapping()) {
    m.set_filename(remap(m.filename()));
    m.set_build_id(remap(m.build_id()));
  }
  for (auto& s : *p.mutable_sample()) {
    for (auto& l : *s.mutable_label()) {
      l.set_key(remap(l.key()));
      l.set_str(remap(l.str()));
      l.set_num_unit(remap(l.num_unit()));
    }
  }
  std::shuffle(p.mutable_function()->begin(), p.mutable_function()->end(), rng);
  std::shuffle(p.mutable_location()->begin(), p.mutable_location()->end(), rng);
  std::shuffle(p.mutable_mapping()->begin(), p.mutable_mapping()->end(), rng);
  return p;
}

// A merged profile written out with its strings resolved: everything but
// the order of its string table.
std::string Resolved(const Profile& p) {
  std::string out;
  auto str = [&](int64_t i) { return "\"" + p.string_table(static_cast<int>(i)) + "\""; };
  for (const auto& f : p.function()) {
    out += "function " + std::to_string(f.id()) + " " + str(f.name()) + str(f.system_name()) +
           str(f.filename()) + std::to_string(f.start_line()) + "\n";
  }
  for (const auto& l : p.location()) {
    out += "location " + std::to_string(l.id()) + " m" + std::to_string(l.mapping_id()) + " @" +
           std::to_string(l.address()) + (l.is_folded() ? " folded" : "");
    for (const auto& line : l.line()) {
      out += " " + std::to_string(line.function_id()) + ":" + std::to_string(line.line());
    }
    out += "\n";
  }
  for (const auto& s : p.sample()) {
    out += "sample";
    for (uint64_t id : s.location_id()) out += " " + std::to_string(id);
    for (int64_t v : s.value()) out += " =" + std::to_string(v);
    for (const auto& l : s.label()) {
      out += " " + str(l.key()) +
             (l.str() != 0 ? str(l.str()) : std::to_string(l.num()) + str(l.num_unit()));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

// Each input's tables are compared first with the previous input's at the
// same positions: the result must not depend on whether they match.
TEST_CASE("Merging does not depend on the order of the inputs' tables", "[merge]") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    std::vector<Profile> inputs;
    const int n = 2 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      ProfileBuilder b(kCpu, rng() % 2 * 1000);
      for (int s = 0, samples = 1 + static_cast<int>(rng() % 40); s < samples; ++s) {
        std::vector<std::string> stack;
        for (int d = 0, depth = 1 + static_cast<int>(rng() % 6); d < depth; ++d) {
          std::string frame = "f" + std::to_string(rng() % 12);
          if (rng() % 5 == 0) frame += "+g" + std::to_string(rng() % 3);  // inlined
          if (rng() % 4 == 0) frame += "@" + std::to_string(rng() % 3 + 10);
          stack.push_back(frame);
        }
        std::map<std::string, std::string> labels;
        if (rng() % 3 == 0) labels["k"] = std::to_string(rng() % 3);
        b.Sample(stack, {1 + static_cast<int64_t>(rng() % 3), 10}, labels);
        if (rng() % 4 == 0) b.NumLabel("bytes", 16 << (rng() % 4), "bytes");
      }
      inputs.push_back(b.Build());
    }
    Merger as_written, shuffled;
    for (int i = 0; i < n; ++i) {
      REQUIRE(as_written.Add(inputs[i], "in").ok());
      // Every other input: tables in another order than the previous one's.
      REQUIRE(shuffled.Add(i % 2 ? Shuffled(inputs[i], rng) : inputs[i], "in").ok());
    }
    auto want = as_written.Finish();
    auto got = shuffled.Finish();
    REQUIRE(want.ok());
    REQUIRE(got.ok());
    CHECK(Resolved(**got) == Resolved(**want));
    CHECK((*got)->sample_size() == (*want)->sample_size());
  }
}
