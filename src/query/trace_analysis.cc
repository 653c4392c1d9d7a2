#include "query/trace_analysis.h"

#include <unordered_map>

namespace cprof::query {

Result<TraceAnalysis> AnalyzeTrace(std::unique_ptr<trace::ByteSource> source,
                                   const std::vector<trace::ProfileKind>& kinds) {
  CPROF_ASSIGN_OR_RETURN(trace::Reader reader, trace::Reader::Open(std::move(source)));
  TraceAnalysis out;
  out.version = reader.version();
  std::vector<std::pair<trace::ProfileKind, trace::DerivedProfile>> derived;
  for (trace::ProfileKind k : kinds) derived.emplace_back(k, trace::DerivedProfile(k));
  trace::Event ev;
  for (;;) {
    CPROF_ASSIGN_OR_RETURN(bool more, reader.Next(&ev));
    if (!more) break;
    out.summary.Add(ev);
    for (auto& [kind, d] : derived) d.Add(ev, out.summary);
  }
  out.summary.Finalize();
  for (auto& [kind, d] : derived) out.profiles[kind] = d.Finish(out.summary);
  out.bytes = reader.offset();
  return out;
}

pprof::Profile BuildTraceProfile(const std::vector<trace::ProfileRecord>& records) {
  pprof::Profile p;
  std::unordered_map<std::string, int64_t> strings;
  auto str = [&](const std::string& s) -> int64_t {
    auto [it, inserted] = strings.emplace(s, p.string_table_size());
    if (inserted) p.add_string_table(s);
    return it->second;
  };
  str("");
  auto* pt = p.mutable_period_type();
  pt->set_type(str("trace"));
  pt->set_unit(str("count"));
  p.set_period(1);
  for (auto [type, unit] : {std::pair{"contentions", "count"}, {"delay", "nanoseconds"}}) {
    auto* st = p.add_sample_type();
    st->set_type(str(type));
    st->set_unit(str(unit));
  }
  std::unordered_map<uint64_t, uint64_t> locs;          // PC -> location ID
  std::unordered_map<std::string, uint64_t> functions;  // file + name -> function ID
  for (const trace::ProfileRecord& rec : records) {
    auto* sample = p.add_sample();
    for (const trace::OwnedFrame& f : rec.stack) {
      auto [loc, inserted] = locs.emplace(f.pc, p.location_size() + 1);
      if (inserted) {
        auto [fn, fn_new] = functions.emplace(f.file + f.func, p.function_size() + 1);
        if (fn_new) {
          auto* function = p.add_function();
          function->set_id(fn->second);
          function->set_name(str(f.func));
          function->set_system_name(str(f.func));
          function->set_filename(str(f.file));
        }
        auto* location = p.add_location();
        location->set_id(loc->second);
        location->set_address(f.pc);
        auto* line = location->add_line();
        line->set_function_id(fn->second);
        line->set_line(f.line);
      }
      sample->add_location_id(loc->second);
    }
    sample->add_value(rec.count);
    sample->add_value(rec.nanos);
  }
  return p;
}

}  // namespace cprof::query
