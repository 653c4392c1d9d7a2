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
