#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "pprof/profile_builder.h"
#include "pprof/report.h"
#include "pprof/units.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

TEST_CASE("Top: recursion counted once in cum, inlined frames labelled", "[report]") {
  Profile p =
      ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}})
          .Sample({"a", "b", "a", "main"}, {100'000'000})  // a recursive
          .Sample({"main+helper", "main"}, {50'000'000})   // helper inlined into main
          .Sample({"c", "main"}, {850'000'000})
          .Build();
  auto t = Top(p, {});
  REQUIRE(t.ok());
  CHECK(t->total == 1'000'000'000);
  std::map<std::string, TopRow> rows;
  for (const auto& r : t->rows) rows[r.name] = r;
  CHECK(rows.at("a").flat == 100'000'000);
  CHECK(rows.at("a").cum == 100'000'000);  // not twice
  CHECK(rows.at("main").cum == 1'000'000'000);
  CHECK(rows.at("helper").flat == 50'000'000);
  CHECK(rows.at("helper").inline_label == "(inline)");
  CHECK(rows.at("c").inline_label.empty());
  CHECK(t->rows.front().name == "c");  // largest flat first
  CHECK(t->output_unit == "ms");

  ReportOptions focus;
  focus.focus = "^b$";
  auto f = Top(p, focus);
  REQUIRE(f.ok());
  CHECK(f->total == 1'000'000'000);  // percentages stay relative to everything
  CHECK(f->flat_sum == 100'000'000);
}

TEST_CASE("Folded stacks and the flame tree add up", "[report]") {
  ProfileBuilder b(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}});
  b.Sample({"a", "main"}, {3}).Sample({"b", "main"}, {4}).Sample({"a", "main"}, {5});
  Profile p = b.Build();
  auto folded = Folded(p, {});
  REQUIRE(folded.ok());
  CHECK(*folded == "main;a 8\nmain;b 4\n");
  auto tree = FlameTree(p, {}, 0);
  REQUIRE(tree.ok());
  CHECK(tree->total == 12);
  REQUIRE(tree->children.size() == 1);
  CHECK(tree->children[0].name == "main");
  CHECK(tree->children[0].children[0].name == "a");
  CHECK(tree->children[0].children[0].total == 8);
  CHECK(tree->children[0].children[0].self == 8);
}

TEST_CASE("The flame tree's node cap folds the smallest nodes", "[report]") {
  ProfileBuilder b(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}});
  int64_t sum = 0;
  for (int i = 0; i < 2000; ++i) {
    b.Sample({"leaf" + std::to_string(i), "mid" + std::to_string(i % 40), "main"}, {i + 1});
    sum += i + 1;
  }
  Profile p = b.Build();
  auto full = FlameTree(p, {}, 0);
  REQUIRE(full.ok());
  CHECK(CountNodes(*full) == 1 + 1 + 40 + 2000);
  auto capped = FlameTree(p, {}, 500);
  REQUIRE(capped.ok());
  CHECK(CountNodes(*capped) <= 500 + 41);  // at most one "…" per parent
  CHECK(capped->total == sum);
  // Totals still add up at every level.
  std::function<void(const FlameNode&)> check = [&](const FlameNode& n) {
    int64_t children = 0;
    for (const auto& c : n.children) {
      children += c.total;
      check(c);
    }
    CHECK(children + n.self == n.total);
  };
  check(*capped);
}

// The flame tree of random profiles (shared prefixes, stacks that are
// prefixes of others, recursion, labels splitting one stack into several
// samples, negative values) against a reference built from the samples as
// generated: a plain trie, cut at the max_nodes-th largest |total|, each
// dropped subtree folded into its parent's "…".
TEST_CASE("The flame tree equals a plain trie of the samples, capped or not", "[report]") {
  struct Ref {
    int64_t self = 0, total = 0;
    std::map<std::string, Ref> children;
  };
  auto all_totals = [](const Ref& root) {
    std::vector<int64_t> out;
    std::function<void(const Ref&)> walk = [&](const Ref& r) {
      out.push_back(std::llabs(r.total));
      for (const auto& [name, c] : r.children) walk(c);
    };
    walk(root);
    return out;
  };
  // The expected tree as text: "name total self" lines, children in the
  // flame tree's order (largest total first, then by name), indented.
  std::function<void(const std::string&, const Ref&, int64_t, int, std::string*)> expect =
      [&](const std::string& name, const Ref& r, int64_t cut, int depth, std::string* out) {
    *out += std::string(2 * depth, ' ') + name + " " + std::to_string(r.total) + " " +
            std::to_string(r.self) + "\n";
    std::vector<std::pair<std::string, const Ref*>> kept;
    int64_t folded = 0;
    for (const auto& [child, c] : r.children) {
      if (std::llabs(c.total) < cut) {
        folded += c.total;
      } else {
        kept.push_back({child, &c});
      }
    }
    Ref other;
    other.total = other.self = folded;
    if (folded != 0) kept.push_back({"\xE2\x80\xA6", &other});
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      if (a.second->total != b.second->total) return a.second->total > b.second->total;
      return a.first < b.first;
    });
    for (const auto& [child, c] : kept) expect(child, *c, cut, depth + 1, out);
  };
  std::function<void(const FlameNode&, int, std::string*)> print =
      [&](const FlameNode& n, int depth, std::string* out) {
    *out += std::string(2 * depth, ' ') + n.name + " " + std::to_string(n.total) + " " +
            std::to_string(n.self) + "\n";
    for (const FlameNode& c : n.children) print(c, depth + 1, out);
  };

  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    ProfileBuilder b(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}});
    Ref root;
    const int functions = 3 + static_cast<int>(rng() % 12);
    for (int i = 0, n = 5 + static_cast<int>(rng() % 300); i < n; ++i) {
      std::vector<std::string> stack;  // leaf first, as pprof stores it
      for (int d = 0, depth = 1 + static_cast<int>(rng() % 6); d < depth; ++d) {
        stack.push_back("f" + std::to_string(rng() % functions));
      }
      int64_t value = static_cast<int64_t>(rng() % 1000) - (seed % 4 == 0 ? 300 : 0);
      std::map<std::string, std::string> labels;
      if (rng() % 2) labels["request"] = std::to_string(rng() % 3);
      b.Sample(stack, {value}, labels);
      Ref* at = &root;
      root.total += value;
      for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
        at = &at->children[*it];
        at->total += value;
      }
      at->self += value;
    }
    Profile p = b.Build();
    // pprof's -top would drop zero-valued paths too; the reference keeps
    // only paths some non-zero sample went through.
    std::function<void(Ref&)> prune = [&](Ref& r) {
      for (auto it = r.children.begin(); it != r.children.end();) {
        prune(it->second);
        if (it->second.total == 0 && it->second.self == 0 && it->second.children.empty()) {
          it = r.children.erase(it);
        } else {
          ++it;
        }
      }
    };
    prune(root);
    std::vector<int64_t> totals = all_totals(root);
    for (int max_nodes : {0, 1, 3, 10, 50, 100000}) {
      INFO("seed " << seed << ", max_nodes " << max_nodes);
      int64_t cut = 0;
      if (max_nodes > 0 && totals.size() > static_cast<size_t>(max_nodes)) {
        std::vector<int64_t> sorted = totals;
        std::sort(sorted.begin(), sorted.end(), std::greater<int64_t>());
        cut = sorted[static_cast<size_t>(max_nodes) - 1] + 1;
      }
      std::string want, got;
      expect("root", root, cut, 0, &want);
      auto tree = FlameTree(p, {}, max_nodes);
      REQUIRE(tree.ok());
      print(*tree, 0, &got);
      CHECK(got == want);
    }
  }
}

TEST_CASE("Bad sample indexes and filters are clean errors", "[report]") {
  Profile p = ProfileBuilder({{"alloc_space", "bytes"}, {"inuse_space", "bytes"}})
                  .Sample({"f"}, {1, 2})
                  .Build();
  CHECK(*SampleIndex(p, "") == 1);
  CHECK(*SampleIndex(p, "alloc_space") == 0);
  CHECK(*SampleIndex(p, "1") == 1);
  CHECK(*SampleIndex(p, "sample_index=inuse_space") == 1);
  CHECK(SampleIndex(p, "cpu").status().message() ==
        "sample index \"cpu\" must be one of: alloc_space, inuse_space");
  ReportOptions bad;
  bad.ignore = "(";
  CHECK(Top(p, bad).status().code() == Status::Code::kInvalidArgument);
}

// Regressions from a review against go tool pprof (Go 1.19's vendored pprof).
namespace {
using Types = std::vector<std::pair<std::string, std::string>>;
std::map<std::string, TopRow> RowsOf(const TopTable& t) {
  std::map<std::string, TopRow> rows;
  for (const auto& r : t.rows) rows[r.name] = r;
  return rows;
}
}  // namespace

TEST_CASE("Extreme values neither crash nor recurse", "[units]") {
  CHECK_FALSE(ScaledLabel(INT64_MIN, "bytes", "auto").empty());
  CHECK_FALSE(ScaledLabel(INT64_MIN, "count", "minimum").empty());
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Sample({"a"}, {INT64_MAX})
                  .Sample({"b"}, {INT64_MAX})
                  .Build();
  CHECK(Top(p, {}).ok());  // sums wrap as Go's do
}

TEST_CASE("Units keep the profile's spelling", "[units]") {
  Profile p = ProfileBuilder(Types{{"things", "Widgets"}}).Sample({"f"}, {100}).Build();
  auto t = Top(p, {});
  REQUIRE(t.ok());
  CHECK(t->FormatValue(100) == "100Widgets");
}

TEST_CASE("Zero-cum nodes keep their edges when nothing is dropped", "[report]") {
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Sample({"Z+X"}, {5})
                  .Sample({"Z+Y"}, {-5})
                  .Sample({"W"}, {1000})
                  .Build();
  auto t = Top(p, {});
  REQUIRE(t.ok());
  auto rows = RowsOf(*t);
  CHECK(rows.at("X").inline_label == "(inline)");
  CHECK(rows.at("Y").inline_label == "(inline)");
}

TEST_CASE("A node count limit rebuilds the graph from the top nodes", "[report]") {
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Sample({"main+a"}, {100})
                  .Sample({"b", "main"}, {60})
                  .Build();
  ReportOptions o;
  o.node_count = 1;
  auto t = Top(p, o);
  REQUIRE(t.ok());
  REQUIRE(t->rows.size() == 1);
  CHECK(t->rows[0].name == "a");
  CHECK(t->rows[0].inline_label.empty());  // its caller is not in the graph
  CHECK(t->node_count_before_limit == 3);
}

TEST_CASE("Tag filters follow pprof: key=RE,RE or RE over key:value", "[report]") {
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Sample({"f"}, {1}, {{"handler", "api"}})
                  .Sample({"g"}, {2}, {{"handler", "web"}})
                  .Build();
  auto flat_sum = [&](const char* focus) {
    ReportOptions o;
    o.tag_focus = focus;
    auto t = Top(p, o);
    REQUIRE(t.ok());
    return t->flat_sum;
  };
  CHECK(flat_sum("handler=api") == 1);
  CHECK(flat_sum("handler=api,web") == 3);
  CHECK(flat_sum("^api$") == 0);  // matched against "handler:api"
  CHECK(flat_sum("^handler:api$") == 1);
  CHECK(flat_sum("handler,api") == 1);  // every pattern must match
  ReportOptions range;
  range.tag_focus = "bytes=1kb:2mb";
  CHECK(Top(p, range).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Stacks that expand past the frame budget are refused", "[report]") {
  std::string deep = "f0";
  for (int i = 1; i < 1000; ++i) deep += "+f" + std::to_string(i);  // 1000 inlined lines
  ProfileBuilder b(Types{{"cpu", "nanoseconds"}});
  for (int i = 0; i < 70000; ++i) b.Sample({deep}, {1});
  auto t = Top(b.Build(), {});
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Status::Code::kResourceExhausted);
}
