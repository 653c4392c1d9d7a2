// pprof's list report: report.printSource over a graph at line granularity
// (newGraph with ObjNames, as pprof builds it for -list), with the source
// read from disk as its sourceReader and openSourceFile read it.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "base/fs.h"
#include "pprof/filter.h"
#include "pprof/id_index.h"
#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// Go's filepath.Clean on a slash-separated path: the shortest equivalent
// name, lexically ("a//b/../c/." is "a/c", "" is ".").
std::string CleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t at = 0;
  while (at <= path.size()) {
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(at, end - at);
    at = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

// Go's filepath.Base: the last element, trailing slashes ignored.
std::string BasePath(std::string_view path) {
  if (path.empty()) return ".";
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Go's filepath.Dir: all but the last element, cleaned.
std::string DirPath(std::string_view path) {
  size_t slash = path.rfind('/');
  return CleanPath(slash == std::string_view::npos ? "" : path.substr(0, slash + 1));
}

// Go's filepath.SplitList: "" is no element.
std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  size_t at = 0;
  while (true) {
    size_t colon = list.find(':', at);
    out.emplace_back(list.substr(at, colon == std::string_view::npos ? list.npos : colon - at));
    if (colon == std::string_view::npos) break;
    at = colon + 1;
  }
  return out;
}

// pprof's trimPath: without trim paths, the part after the first
// "/<last element of a search dir>/"; else the first trim path (or
// /proc/self/cwd/) that prefixes it removed.
std::string TrimPath(const std::string& path, const std::string& trim_path,
                     const std::string& search_path) {
  if (trim_path.empty()) {
    for (const std::string& dir : SplitList(search_path)) {
      const std::string want = "/" + BasePath(dir) + "/";
      if (size_t found = path.find(want); found != std::string::npos) {
        return path.substr(found + want.size());
      }
    }
  }
  std::vector<std::string> prefixes = SplitList(trim_path);
  prefixes.push_back("/proc/self/cwd/./");
  prefixes.push_back("/proc/self/cwd/");
  for (std::string prefix : prefixes) {
    if (prefix.empty() || prefix.back() != '/') prefix += '/';
    if (path.starts_with(prefix)) return path.substr(prefix.size());
  }
  return path;
}

// A file's lines as Go's bufio.Scanner reads them: split at '\n', a '\r'
// before it dropped; a line longer than the scanner's 64 KiB buffer ends
// the file there (pprof ignores the scanner's error).
std::vector<std::string> SplitLines(std::string_view data) {
  constexpr size_t kMaxLine = 64 * 1024;
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < data.size()) {
    size_t end = data.find('\n', at);
    const bool last = end == std::string_view::npos;
    if (last) end = data.size();
    if (end - at + (last ? 0 : 1) > kMaxLine) break;
    std::string_view line = data.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    at = end + 1;
  }
  return lines;
}

// Go's text of an open error: "open PATH: no such file or directory".
std::string OpenError(const std::string& path, const Status& status) {
  std::string message = status.message();
  // base/fs says "open PATH: Strerror"; Go's errno texts are lower case.
  const std::string prefix = "open " + path + ": ";
  if (message.starts_with(prefix) && message.size() > prefix.size()) {
    char& c = message[prefix.size()];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return message;
}

}  // namespace

// pprof's openSourceFile, then the whole file read (at most `max_bytes`):
// a name still absolute after TrimPath is opened as it is; a relative one
// is looked for under each directory of `search_path` and each of their
// parents. The error is pprof's text: "open PATH: no such file or
// directory", "could not find file PATH on path DIRS"; or the file is
// larger than `max_bytes`.
Result<std::vector<std::string>> ReadSourceLines(const std::string& file,
                                                 const std::string& search_path,
                                                 const std::string& trim_path, size_t max_bytes) {
  const std::string path = TrimPath(file, trim_path, search_path);
  if (path.starts_with("/")) {
    Result<std::string> data = ReadFile(path, max_bytes);
    if (!data.ok()) {
      const Status& error = data.status();
      if (error.code() == Status::Code::kNotFound) return Status::NotFound(OpenError(path, error));
      if (error.code() == Status::Code::kResourceExhausted) return error;
      return Status::IOError(OpenError(path, error));
    }
    return SplitLines(*data);
  }
  for (std::string dir : SplitList(search_path)) {
    while (true) {
      const std::string candidate = CleanPath(dir + "/" + path);
      Result<std::string> data = ReadFile(candidate, max_bytes);
      if (data.ok()) return SplitLines(*data);
      if (data.status().code() == Status::Code::kResourceExhausted) return data.status();
      const std::string parent = DirPath(dir);
      if (parent == dir) break;
      dir = parent;
    }
  }
  return Status::NotFound("could not find file " + path + " on path " + search_path);
}

namespace {

// A node of pprof's graph at line granularity with object names: one per
// function, file, line, start line and binary.
struct LineNode {
  std::string name, file;
  int line = 0, start_line = 0;
  int64_t flat = 0, cum = 0;
};

// The line nodes of the samples `v` keeps (built with Stacks::kEachSample),
// with their flat and cum as pprof's newGraph sums them; only those with
// some (selectNodesForGraph).
Result<std::vector<LineNode>> LineGraph(const Profile& p, const ReportOptions& o, const View& v,
                                        const std::string& search_path,
                                        const std::string& trim_path) {
  NameFilters names;
  CPROF_RETURN_IF_ERROR(CompileNameFilters(o, &names));
  const IdIndex function_index = IndexById(p.function());
  const IdIndex mapping_index = IndexById(p.mapping());
  const IdIndex location_index = IndexById(p.location());

  std::vector<LineNode> nodes;
  std::unordered_map<std::string, uint32_t> node_ids;
  // Per location: its nodes, innermost line first; empty when hidden.
  std::vector<std::vector<uint32_t>> locs(static_cast<size_t>(p.location_size()));
  for (int li = 0; li < p.location_size(); ++li) {
    const auto& l = p.location(li);
    static const std::string kEmpty;
    const int32_t mi = mapping_index.Find(l.mapping_id());
    const std::string& objfile = mi < 0 ? kEmpty : p.string_table(p.mapping(mi).filename());
    std::vector<const perftools::profiles::Function*> functions;
    for (const auto& line : l.line()) {
      const int32_t fi = function_index.Find(line.function_id());
      functions.push_back(fi < 0 ? nullptr : &p.function(fi));
    }
    // What -hide and -show keep of the location's lines.
    std::vector<const perftools::profiles::Function*> kept = functions;
    if (names.Hides()) {
      FilteredLocation filtered = FilterSamplesByName(p, names, objfile, functions);
      if (filtered.hidden) continue;
      kept = std::move(filtered.lines);
    }
    auto node_for = [&](LineNode info) {
      const std::string key = info.name + '\0' + info.file + '\0' + std::to_string(info.line) +
                              '\0' + std::to_string(info.start_line) + '\0' + objfile;
      auto [it, inserted] = node_ids.emplace(key, static_cast<uint32_t>(nodes.size()));
      if (inserted) nodes.push_back(std::move(info));
      return it->second;
    };
    std::vector<uint32_t>& loc = locs[static_cast<size_t>(li)];
    if (l.line_size() == 0) loc.push_back(node_for({}));
    for (int k = 0; k < l.line_size(); ++k) {
      const perftools::profiles::Function* fn = functions[static_cast<size_t>(k)];
      auto pos = std::find(kept.begin(), kept.end(), fn);
      if (pos == kept.end()) continue;  // hidden
      kept.erase(pos);
      LineNode info;
      if (fn != nullptr) {
        info.name = p.string_table(fn->name());
        const std::string& file = p.string_table(fn->filename());
        if (!file.empty()) info.file = CleanPath(TrimPath(file, trim_path, search_path));
        info.line = static_cast<int>(l.line(k).line());
        info.start_line = static_cast<int>(fn->start_line());
      }
      loc.push_back(node_for(std::move(info)));
    }
  }

  std::vector<uint32_t> seen(nodes.size(), UINT32_MAX);
  for (size_t i = 0; i < v.values.size(); ++i) {
    const int64_t w = v.values[i];
    if (w == 0) continue;
    const auto& s = p.sample(static_cast<int>(v.sample_of[i]));
    int64_t leaf = -1;
    for (int k = s.location_id_size() - 1; k >= 0; --k) {
      const int32_t pos = location_index.Find(s.location_id(k));
      if (pos < 0) continue;
      const std::vector<uint32_t>& loc = locs[static_cast<size_t>(pos)];
      for (auto n = loc.rbegin(); n != loc.rend(); ++n) {
        if (seen[*n] != i) {
          seen[*n] = static_cast<uint32_t>(i);
          nodes[*n].cum += w;
        }
        leaf = *n;
      }
    }
    if (leaf >= 0) nodes[static_cast<size_t>(leaf)].flat += w;
  }
  std::erase_if(nodes, [](const LineNode& n) { return n.flat == 0 && n.cum == 0; });
  return nodes;
}

// pprof's getSourceFromFile: the lines from the earliest start (a node's
// function start, else 5 before its line) to 5 after the last sampled line,
// each with the flat and cum of the nodes on it; it stops at the file's end.
void SourceFromFile(const std::vector<const LineNode*>& nodes, const std::vector<std::string>& text,
                    ListFile& out) {
  constexpr int kMargin = 5;
  int start = nodes[0]->start_line != 0 ? nodes[0]->start_line : nodes[0]->line - kMargin;
  int end = nodes[0]->line + kMargin;
  std::map<int, std::pair<int64_t, int64_t>> by_line;
  for (const LineNode* n : nodes) {
    const int node_start = n->start_line != 0 ? n->start_line : n->line - kMargin;
    if (node_start < start) {
      start = node_start;
    } else if (n->line + kMargin > end) {
      end = n->line + kMargin;
    }
    by_line[n->line].first += n->flat;
    by_line[n->line].second += n->cum;
  }
  start = std::max(start, 1);
  for (int line = start; line <= end && line <= static_cast<int>(text.size()); ++line) {
    auto sums = by_line.find(line);
    const auto [flat, cum] =
        sums == by_line.end() ? std::pair<int64_t, int64_t>{0, 0} : sums->second;
    out.lines.push_back({line, flat, cum, text[static_cast<size_t>(line - 1)]});
  }
}

}  // namespace

std::string ListReport::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, "minimum");
}

Result<ListReport> List(const Profile& profile, const ReportOptions& options,
                        const std::string& regex, const SourceOptions& source) {
  if (regex.empty()) return Status::InvalidArgument("list needs a regular expression");
  Regex symbol;
  CPROF_RETURN_IF_ERROR(CompileRegexOption("list", regex, &symbol));
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, options, Stacks::kEachSample));
  CPROF_ASSIGN_OR_RETURN(std::vector<LineNode> nodes,
                         LineGraph(profile, options, v, source.source_path, source.trim_path));

  // The matching functions by name, each with its nodes per file.
  std::map<std::string, std::map<std::string, std::vector<const LineNode*>>> functions;
  for (const LineNode& n : nodes) {
    if (!Matches(symbol, n.name)) continue;
    auto& files = functions[n.name];
    if (!n.file.empty()) files[n.file].push_back(&n);
  }
  if (functions.empty()) return Status::NotFound("no matches found for regexp: " + regex);

  // pprof reads from the working directory when no source path is given.
  std::string search_path = source.source_path;
  if (search_path.empty()) {
    std::error_code error;
    search_path = fs::current_path(error).string();
    if (error) return Status::IOError("could not stat current dir: " + error.message());
  }
  std::map<std::string, Result<std::vector<std::string>>> texts;  // by file, read once
  ListReport r;
  r.sample_unit = v.sample_unit;
  r.total = v.total;
  for (const auto& [name, files] : functions) {
    ListFunction f;
    f.name = name;
    for (const auto& [file, file_nodes] : files) {
      ListFile lf;
      lf.file = file;
      for (const LineNode* n : file_nodes) {
        lf.flat += n->flat;
        lf.cum += n->cum;
      }
      auto text = texts.find(file);
      if (text == texts.end()) {
        text = texts
                   .emplace(file, ReadSourceLines(file, search_path, source.trim_path,
                                                  source.max_file_bytes))
                   .first;
      }
      if (text->second.ok()) {
        SourceFromFile(file_nodes, *text->second, lf);
      } else {
        lf.error = text->second.status().message();
      }
      f.files.push_back(std::move(lf));
    }
    r.functions.push_back(std::move(f));
  }
  return r;
}

std::string FormatListText(const ListReport& r) {
  std::string out = "Total: " + r.FormatValue(r.total) + "\n";
  auto value_or_dot = [&](int64_t value) { return value == 0 ? "." : r.FormatValue(value); };
  char buf[256];
  for (const ListFunction& f : r.functions) {
    if (f.files.empty()) {
      out += "No source information for " + f.name + "\n";
      continue;
    }
    for (const ListFile& file : f.files) {
      out += "ROUTINE ======================== " + f.name + " in " + file.file + "\n";
      std::snprintf(buf, sizeof buf, "%10s %10s (flat, cum) %s of Total\n",
                    r.FormatValue(file.flat).c_str(), r.FormatValue(file.cum).c_str(),
                    Percentage(file.cum, r.total).c_str());
      out += buf;
      if (!file.error.empty()) {
        out += " Error: " + file.error + "\n";
        continue;
      }
      for (const ListLine& line : file.lines) {
        std::snprintf(buf, sizeof buf, "%10s %10s %6d:", value_or_dot(line.flat).c_str(),
                      value_or_dot(line.cum).c_str(), line.number);
        out += buf + line.text + "\n";
      }
    }
  }
  return out;
}

}  // namespace cprof::pprof
