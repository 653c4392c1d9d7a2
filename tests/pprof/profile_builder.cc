#include "pprof/profile_builder.h"

#include <functional>

namespace cprof::testing {

ProfileBuilder::ProfileBuilder(std::vector<std::pair<std::string, std::string>> types,
                               uint64_t id_offset)
    : offset_(id_offset) {
  Str("");
  for (const auto& [type, unit] : types) {
    auto* vt = p_.add_sample_type();
    vt->set_type(Str(type));
    vt->set_unit(Str(unit));
  }
  auto* m = p_.add_mapping();
  m->set_id(1 + offset_);
  m->set_memory_start(0x400000);
  m->set_memory_limit(0x800000);
  m->set_filename(Str("/bin/app"));
}

int64_t ProfileBuilder::Str(const std::string& s) {
  auto [it, inserted] = strings_.emplace(s, p_.string_table_size());
  if (inserted) p_.add_string_table(s);
  return it->second;
}

uint64_t ProfileBuilder::Function(const std::string& name) {
  auto [it, inserted] = functions_.emplace(name, p_.function_size() + 1 + offset_);
  if (inserted) {
    auto* f = p_.add_function();
    f->set_id(it->second);
    f->set_name(Str(name));
    f->set_system_name(Str(name));
    f->set_filename(Str("/src/" + name + ".go"));
  }
  return it->second;
}

uint64_t ProfileBuilder::Location(const std::string& spec) {
  auto [it, inserted] = locations_.emplace(spec, p_.location_size() + 1 + offset_);
  if (inserted) {
    auto* l = p_.add_location();
    l->set_id(it->second);
    l->set_mapping_id(1 + offset_);
    // The same spec has the same address in every builder: pprof merges by it.
    l->set_address(0x401000 + 16 * (std::hash<std::string>()(spec) % 100000));
    // "a+b": b inlined into a; lines are innermost first.
    std::vector<std::string> names;
    size_t start = 0;
    while (true) {
      size_t plus = spec.find('+', start);
      names.push_back(spec.substr(start, plus - start));
      if (plus == std::string::npos) break;
      start = plus + 1;
    }
    for (auto n = names.rbegin(); n != names.rend(); ++n) {
      auto* line = l->add_line();
      const size_t at = n->find('@');
      line->set_function_id(Function(n->substr(0, at)));
      line->set_line(at == std::string::npos ? 10 : std::stoll(n->substr(at + 1)));
    }
  }
  return it->second;
}

ProfileBuilder& ProfileBuilder::Source(const std::string& name, const std::string& file,
                                       int64_t start_line) {
  auto* f = p_.mutable_function(static_cast<int>(Function(name) - 1 - offset_));
  f->set_filename(Str(file));
  f->set_start_line(start_line);
  return *this;
}

ProfileBuilder& ProfileBuilder::Sample(const std::vector<std::string>& stack,
                                       std::vector<int64_t> values,
                                       std::map<std::string, std::string> labels) {
  auto* s = p_.add_sample();
  for (const std::string& frame : stack) s->add_location_id(Location(frame));
  for (int64_t v : values) s->add_value(v);
  for (const auto& [k, v] : labels) {
    auto* l = s->add_label();
    l->set_key(Str(k));
    l->set_str(Str(v));
  }
  return *this;
}

ProfileBuilder& ProfileBuilder::NumLabel(const std::string& key, int64_t num,
                                         const std::string& unit) {
  auto* l = p_.mutable_sample(p_.sample_size() - 1)->add_label();
  l->set_key(Str(key));
  l->set_num(num);
  if (!unit.empty()) l->set_num_unit(Str(unit));
  return *this;
}

ProfileBuilder& ProfileBuilder::Header(int64_t time_nanos, int64_t duration_nanos, int64_t period) {
  p_.set_time_nanos(time_nanos);
  p_.set_duration_nanos(duration_nanos);
  p_.set_period(period);
  return *this;
}

ProfileBuilder& ProfileBuilder::Comment(const std::string& c) {
  p_.add_comment(Str(c));
  return *this;
}

}  // namespace cprof::testing
