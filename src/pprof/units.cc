#include "pprof/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

namespace cprof::pprof {
namespace {

struct Unit {
  const char* name;
  std::vector<std::string_view> aliases;
  double factor;
};

struct UnitType {
  std::vector<Unit> units;
  Unit default_unit;
};

const std::vector<UnitType>& UnitTypes() {
  static const std::vector<UnitType> types = {
      {{{"B", {"b", "byte"}, 1},
        {"kB", {"kb", "kbyte", "kilobyte"}, double(1 << 10)},
        {"MB", {"mb", "mbyte", "megabyte"}, double(1 << 20)},
        {"GB", {"gb", "gbyte", "gigabyte"}, double(1 << 30)},
        {"TB", {"tb", "tbyte", "terabyte"}, double(uint64_t{1} << 40)},
        {"PB", {"pb", "pbyte", "petabyte"}, double(uint64_t{1} << 50)}},
       {"B", {"b", "byte"}, 1}},
      {{{"ns", {"ns", "nanosecond"}, 1},
        {"us", {"\xCE\xBCs", "us", "microsecond"}, 1e3},
        {"ms", {"ms", "millisecond"}, 1e6},
        {"s", {"s", "sec", "second"}, 1e9},
        {"hrs", {"hour", "hr"}, 3600e9}},
       {"s", {}, 1e9}},
      {{{"n*GCU", {"nanogcu"}, 1e-9},
        {"u*GCU", {"microgcu"}, 1e-6},
        {"m*GCU", {"milligcu"}, 1e-3},
        {"GCU", {"gcu"}, 1},
        {"k*GCU", {"kilogcu"}, 1e3},
        {"M*GCU", {"megagcu"}, 1e6},
        {"G*GCU", {"gigagcu"}, 1e9},
        {"T*GCU", {"teragcu"}, 1e12},
        {"P*GCU", {"petagcu"}, 1e15}},
       {"GCU", {}, 1.0}},
  };
  return types;
}

// pprof's sniffUnit: lower-case, a trailing "s" dropped from words longer than 2.
const Unit* Sniff(const UnitType& type, std::string_view unit) {
  std::string u;
  for (char c : unit) u += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.size() > 2 && u.back() == 's') u.pop_back();
  for (const Unit& candidate : type.units) {
    for (std::string_view a : candidate.aliases) {
      if (a == u) return &candidate;
    }
  }
  return nullptr;
}

bool Convert(const UnitType& type, int64_t value, std::string_view from, std::string_view to,
             Scaled* out) {
  const Unit* from_unit = Sniff(type, from);
  if (from_unit == nullptr) return false;
  double v = static_cast<double>(value) * from_unit->factor;
  if (to == "minimum" || to == "auto") {
    double f = 0;
    const char* name = nullptr;
    for (const Unit& u : type.units) {
      if (u.factor >= f && v / u.factor >= 1.0) {
        f = u.factor;
        name = u.name;
      }
    }
    if (f != 0) {
      *out = {v / f, name};
    } else {
      *out = {v / type.default_unit.factor, type.default_unit.name};
    }
    return true;
  }
  const Unit* to_unit = Sniff(type, to);
  if (to_unit == nullptr) {
    *out = {v / type.default_unit.factor, type.default_unit.name};
  } else {
    *out = {v / to_unit->factor, to_unit->name};
  }
  return true;
}

}  // namespace

Scaled Scale(int64_t value, std::string_view from_unit, std::string_view to_unit) {
  if (value < 0 && -value > 0) {
    Scaled s = Scale(-value, from_unit, to_unit);
    s.value = -s.value;
    return s;
  }
  for (const UnitType& type : UnitTypes()) {
    Scaled s;
    if (Convert(type, value, from_unit, to_unit, &s)) return s;
  }
  if (to_unit == "count" || to_unit == "sample" || to_unit == "unit" || to_unit == "minimum" ||
      to_unit == "auto") {
    return {static_cast<double>(value), ""};
  }
  return {static_cast<double>(value), std::string(to_unit)};
}

std::string ScaledLabel(int64_t value, std::string_view from_unit, std::string_view to_unit) {
  Scaled s = Scale(value, from_unit, to_unit);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", s.value);
  std::string sv = buf;
  if (sv.size() >= 3 && sv.compare(sv.size() - 3, 3, ".00") == 0) sv.resize(sv.size() - 3);
  if (sv == "0" || sv == "-0") return "0";
  return sv + s.unit;
}

std::string Percentage(int64_t value, int64_t total) {
  double ratio = 0;
  if (total != 0) {
    ratio = std::fabs(static_cast<double>(value) / static_cast<double>(total)) * 100;
  }
  char buf[32];
  if (ratio >= 99.95 && ratio <= 100.05) return "  100%";
  if (ratio >= 1.0) {
    std::snprintf(buf, sizeof buf, "%5.2f%%", ratio);
  } else {
    std::snprintf(buf, sizeof buf, "%5.2g%%", ratio);
  }
  return buf;
}

}  // namespace cprof::pprof
