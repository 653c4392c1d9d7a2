#include <catch2/catch.hpp>

#include "query/interval.h"

using namespace cprof;
using namespace cprof::query;

namespace {

constexpr int64_t kMin = 60'000;

SeriesPoint Point(const std::string& id, int64_t minute, int64_t total) {
  return SeriesPoint{id, minute * kMin, {total, total * 10}};
}

Series Mutex(std::optional<SeriesPoint> before, std::vector<SeriesPoint> points) {
  Series s;
  s.profile_type = "mutex";
  s.cumulative = {true, true};
  s.before = std::move(before);
  s.points = std::move(points);
  return s;
}

// The plan's terms as "base>end" ("-" for a whole end).
std::vector<std::string> Terms(const WindowPlan& plan) {
  std::vector<std::string> out;
  for (const IntervalTerm& t : plan.terms) {
    out.push_back((t.base ? t.base->id : "-") + ">" + t.end->id);
  }
  return out;
}

}  // namespace

TEST_CASE("A window without a reset is last minus the snapshot before it", "[interval]") {
  std::vector<Series> series = {
      Mutex(Point("p", 0, 10), {Point("a", 1, 20), Point("b", 2, 25), Point("c", 3, 40)})};
  WindowPlan plan = PlanWindow(series);
  CHECK(Terms(plan) == std::vector<std::string>{"p>c"});
  CHECK(plan.baselines == 0);
  CHECK(plan.resets == 0);
  CHECK(DeltaValue(series[0], 0, 0) == 10);
  CHECK(DeltaValue(series[0], 1, 1) == 50);
  CHECK(DeltaValue(series[0], 2, 0) == 15);
}

TEST_CASE("A target's first snapshot is a baseline with no interval", "[interval]") {
  std::vector<Series> series = {Mutex(std::nullopt, {Point("a", 1, 20), Point("b", 2, 25)}),
                                Mutex(std::nullopt, {Point("x", 1, 5)})};
  WindowPlan plan = PlanWindow(series);
  CHECK(Terms(plan) == std::vector<std::string>{"a>b"});
  CHECK(plan.baselines == 2);
  CHECK_FALSE(DeltaValue(series[0], 0, 0).has_value());
  CHECK(DeltaValue(series[0], 1, 0) == 5);
  CHECK(PlanWindow({series[1]}).terms.empty());
}

TEST_CASE("A restart splits the window: before - base, plus the last after", "[interval]") {
  std::vector<Series> series = {
      Mutex(Point("p", 0, 10), {Point("a", 1, 20), Point("b", 2, 30), Point("r", 3, 4),
                                Point("s", 4, 9), Point("t", 5, 12)})};
  WindowPlan plan = PlanWindow(series);
  CHECK(Terms(plan) == std::vector<std::string>{"p>b", "->t"});
  CHECK(plan.resets == 1);
  // Only the series' last term carries the instantaneous values; the
  // terms span from the base to the last end.
  CHECK_FALSE(plan.terms[0].last);
  CHECK(plan.terms[1].last);
  CHECK(plan.start_ms == 0);
  CHECK(plan.end_ms == 5 * kMin);
  CHECK(DeltaValue(series[0], 2, 0) == 4);  // the restart's interval is itself
  CHECK(DeltaValue(series[0], 3, 0) == 5);
  // The window's total is the sum of its DeltaValues.
  int64_t sum = 0;
  for (size_t i = 0; i < series[0].points.size(); ++i) sum += *DeltaValue(series[0], i, 0);
  CHECK(sum == (30 - 10) + 12);
  // A restart as the window's last snapshot, and two in a row.
  std::vector<Series> last = {Mutex(Point("p", 0, 10), {Point("a", 1, 20), Point("r", 2, 3)})};
  CHECK(Terms(PlanWindow(last)) == std::vector<std::string>{"p>a", "->r"});
  std::vector<Series> twice = {
      Mutex(std::nullopt, {Point("a", 1, 20), Point("r", 2, 3), Point("q", 3, 1)})};
  CHECK(Terms(PlanWindow(twice)) == std::vector<std::string>{"->r", "->q"});
}

TEST_CASE("A gap longer than kMaxIntervalMs starts over with a baseline", "[interval]") {
  const int64_t gap = kMaxIntervalMs / kMin + 1;
  std::vector<Series> series = {Mutex(
      Point("p", 0, 10), {Point("a", 1, 20), Point("g", 1 + gap, 30), Point("h", 2 + gap, 35)})};
  WindowPlan plan = PlanWindow(series);
  CHECK(Terms(plan) == std::vector<std::string>{"p>a", "g>h"});
  CHECK(plan.baselines == 1);
  CHECK_FALSE(DeltaValue(series[0], 1, 0).has_value());
  // The snapshot before the window is too old to be a base.
  std::vector<Series> old = {Mutex(Point("p", -gap, 1), {Point("a", 1, 20)})};
  CHECK(PlanWindow(old).terms.empty());
}

TEST_CASE("Profiles served as intervals are each their own interval", "[interval]") {
  Series s = Mutex(Point("p", 0, 10), {Point("a", 1, 3), Point("b", 2, 7)});
  s.served_as_intervals = true;
  std::vector<Series> series = {s};
  CHECK(Terms(PlanWindow(series)) == std::vector<std::string>{"->a", "->b"});
  CHECK(DeltaValue(series[0], 1, 0) == 7);
}
