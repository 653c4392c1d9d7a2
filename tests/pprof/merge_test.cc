#include <catch2/catch.hpp>

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
  REQUIRE(ValidateProfile(*r).ok());
  CHECK(r->sample_size() == 2);
  CHECK(r->function_size() == 3);  // leaf, main, other ("new" only in a zero sample)
  CHECK(r->mapping_size() == 1);
  CHECK(Total(*r, 0) == 10);
  CHECK(Total(*r, 1) == 100);
  CHECK(r->time_nanos() == 1000);
  CHECK(r->duration_nanos() == 12);
  CHECK(r->period() == 100);
  CHECK(r->comment_size() == 2);
  auto top = Top(*r, {});
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
  CHECK(r->sample_size() == 2);
  CHECK(Total(*r, 0) == 3);
}

TEST_CASE("Merge refuses different sample types, naming both", "[merge]") {
  Profile cpu = ProfileBuilder(kCpu).Sample({"f"}, {1, 1}).Build();
  Profile heap = ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"inuse_space", "bytes"}}).Sample({"f"}, {5}).Build();
  Profile ms = ProfileBuilder({{"samples", "count"}, {"cpu", "milliseconds"}}).Sample({"f"}, {1, 1}).Build();
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
  CHECK(r->sample_size() == 1);
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
  REQUIRE(r->sample_size() == 1);  // the empty stack
  DropEmptyStacks(&*r);
  CHECK(r->sample_size() == 0);
}
