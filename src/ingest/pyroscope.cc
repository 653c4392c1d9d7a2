#include "ingest/pyroscope.h"

#include <rapidjson/document.h>

#include <charconv>
#include <unordered_map>

#include "base/json_read.h"
#include "pprof/codec.h"

namespace cprof::ingest {
namespace {

struct PyroscopeType {
  std::string_view name;
  std::string_view profile_type;
};
// clang-format off
constexpr PyroscopeType kPyroscopeTypes[] = {
    {"cpu", "profile"},            {"itimer", "profile"},         {"wall", "fgprof"},
    {"alloc_objects", "heap"},     {"alloc_space", "heap"},       {"inuse_objects", "heap"},
    {"inuse_space", "heap"},       {"goroutines", "goroutine"},   {"mutex_count", "mutex"},
    {"mutex_duration", "mutex"},   {"block_count", "block"},      {"block_duration", "block"},
};
// clang-format on

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string_view ProfileTypeOfPyroscope(std::string_view type) {
  for (const PyroscopeType& t : kPyroscopeTypes) {
    if (t.name == type) return t.profile_type;
  }
  return "";
}

Result<PyroscopeName> ParsePyroscopeName(std::string_view name) {
  PyroscopeName out;
  std::string_view base = name;
  if (size_t brace = name.find('{'); brace != std::string_view::npos) {
    if (!name.ends_with('}')) {
      return Status::InvalidArgument("bad name \"" + std::string(name.substr(0, 120)) +
                                     "\": want APP.TYPE{k=v,...}");
    }
    base = name.substr(0, brace);
    std::string_view tags = name.substr(brace + 1, name.size() - brace - 2);
    while (!tags.empty()) {
      size_t comma = tags.find(',');
      std::string_view pair = tags.substr(0, comma);
      tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || Trim(pair.substr(0, eq)).empty()) {
        return Status::InvalidArgument("bad tag \"" + std::string(pair.substr(0, 80)) +
                                       "\" in name: want k=v");
      }
      out.labels[std::string(Trim(pair.substr(0, eq)))] = std::string(Trim(pair.substr(eq + 1)));
    }
  }
  if (size_t dot = base.rfind('.');
      dot != std::string_view::npos && !ProfileTypeOfPyroscope(base.substr(dot + 1)).empty()) {
    out.type = std::string(base.substr(dot + 1));
    base = base.substr(0, dot);
  }
  if (base.empty()) return Status::InvalidArgument("bad name: no application");
  out.app = std::string(base);
  return out;
}

Result<std::vector<FormPart>> ParseMultipartForm(std::string_view content_type,
                                                 std::string_view body) {
  size_t at = content_type.find("boundary=");
  if (!content_type.starts_with("multipart/form-data") || at == std::string_view::npos) {
    return Status::InvalidArgument("a multipart/form-data body without a boundary");
  }
  std::string_view boundary = content_type.substr(at + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') {
    boundary = boundary.substr(1, boundary.size() - 2);
  }
  if (boundary.empty() || boundary.size() > 200) {
    return Status::InvalidArgument("a multipart boundary of 1 to 200 characters");
  }
  const std::string delimiter = "--" + std::string(boundary);
  auto bad = [](std::string_view why) {
    return Status::InvalidArgument("bad multipart form: " + std::string(why));
  };
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return bad("no boundary in the body");
  std::vector<FormPart> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return bad("a boundary not followed by CRLF");
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return bad("a part without a blank line");
    std::string_view headers = body.substr(pos, headers_end - pos);
    const size_t data_start = headers_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) return bad("a part without its closing boundary");
    FormPart part;
    // Content-Disposition: form-data; name="profile"; filename="profile.pprof"
    size_t name_at = headers.find("name=\"");
    while (name_at != std::string_view::npos && name_at > 0 && headers[name_at - 1] != ' ' &&
           headers[name_at - 1] != ';') {
      name_at = headers.find("name=\"", name_at + 1);  // (not filename=)
    }
    if (name_at == std::string_view::npos) return bad("a part without a name");
    size_t name_end = headers.find('"', name_at + 6);
    if (name_end == std::string_view::npos) return bad("a part's name unterminated");
    part.name = std::string(headers.substr(name_at + 6, name_end - name_at - 6));
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    if (parts.size() > 16) return bad("more than 16 parts");
    pos = next + 2;
  }
}

Result<SampleTypeConfig> ParseSampleTypeConfig(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument("sample_type_config is not a JSON object");
  }
  SampleTypeConfig config;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (!it->value.IsObject()) {
      return Status::InvalidArgument("sample_type_config: " + std::string(it->name.GetString()) +
                                     " is not an object");
    }
    PyroscopeSampleType& t = config[it->name.GetString()];
    t.units = JsonString(it->value, "units");
    t.aggregation = JsonString(it->value, "aggregation");
    t.display_name = JsonString(it->value, "display-name");
    const rapidjson::Value* sampled = JsonMember(it->value, "sampled");
    t.sampled = sampled != nullptr && sampled->IsBool() && sampled->GetBool();
    const rapidjson::Value* cumulative = JsonMember(it->value, "cumulative");
    t.cumulative = cumulative != nullptr && cumulative->IsBool() && cumulative->GetBool();
  }
  return config;
}

std::string ProfileTypeOfConfig(const SampleTypeConfig& config) {
  for (const auto& [name, t] : config) {
    std::string_view type =
        ProfileTypeOfPyroscope(t.display_name.empty() ? std::string_view(name) : t.display_name);
    if (!type.empty()) return std::string(type);
  }
  return "";
}

Result<std::string> FoldedToProfile(std::string_view lines, std::string_view type,
                                    int64_t sample_rate, int64_t from_s, int64_t until_s) {
  const bool cpu = type == "cpu" || type == "itimer";
  if (!cpu && type != "goroutines") {
    return Status::InvalidArgument("the lines format carries cpu, itimer or goroutines, not \"" +
                                   std::string(type.substr(0, 40)) +
                                   "\": push other types as pprof");
  }
  if (sample_rate <= 0) sample_rate = 100;
  const int64_t period = 1'000'000'000 / sample_rate;
  pprof::Profile p;
  std::unordered_map<std::string, int> strings;
  auto string_id = [&](std::string_view s) {
    auto [it, added] = strings.try_emplace(std::string(s), p.string_table_size());
    if (added) p.add_string_table(std::string(s));
    return it->second;
  };
  string_id("");
  std::unordered_map<std::string, uint64_t> locations;  // function name -> its location
  auto location_of = [&](std::string_view function) {
    auto [it, added] = locations.try_emplace(std::string(function), locations.size() + 1);
    if (added) {
      auto* f = p.add_function();
      f->set_id(it->second);
      f->set_name(string_id(function));
      f->set_system_name(f->name());
      auto* l = p.add_location();
      l->set_id(it->second);
      l->add_line()->set_function_id(it->second);
    }
    return it->second;
  };
  auto add_type = [&](std::string_view name, std::string_view unit) {
    auto* t = p.add_sample_type();
    t->set_type(string_id(name));
    t->set_unit(string_id(unit));
  };
  if (cpu) {
    add_type("samples", "count");
    add_type("cpu", "nanoseconds");
    p.mutable_period_type()->set_type(string_id("cpu"));
    p.mutable_period_type()->set_unit(string_id("nanoseconds"));
    p.set_period(period);
  } else {
    add_type("goroutine", "count");
  }
  size_t line_no = 0;
  while (!lines.empty()) {
    size_t nl = lines.find('\n');
    std::string_view line = Trim(lines.substr(0, nl));
    lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    auto bad = [&](std::string_view why) {
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": " + std::string(why) +
                                     " (want frame;frame;frame COUNT)");
    };
    size_t space = line.rfind(' ');
    if (space == std::string_view::npos || space == 0) return bad("no count");
    std::string_view count = line.substr(space + 1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || end != count.data() + count.size() || n < 0) {
      return bad("a bad count");
    }
    std::string_view stack = Trim(line.substr(0, space));
    std::vector<uint64_t> ids;
    while (!stack.empty()) {
      size_t semi = stack.find(';');
      std::string_view frame = stack.substr(0, semi);
      stack = semi == std::string_view::npos ? std::string_view() : stack.substr(semi + 1);
      if (frame.empty()) return bad("an empty frame");
      ids.push_back(location_of(frame));
    }
    if (ids.size() > 1024) return bad("more than 1024 frames");
    auto* s = p.add_sample();
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) s->add_location_id(*it);  // leaf first
    s->add_value(n);
    if (cpu) s->add_value(n * period);
    if (p.sample_size() > 1'000'000) return bad("more than a million stacks");
  }
  p.set_time_nanos(from_s * 1'000'000'000);
  if (until_s > from_s) p.set_duration_nanos((until_s - from_s) * 1'000'000'000);
  return pprof::EncodeProfile(p, /*gzip=*/true);
}

}  // namespace cprof::ingest
