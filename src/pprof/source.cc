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

// pprof's trimPath: without trim paths, the part after the first
// "/<last element of a search dir>/"; else the first trim path (or
// /proc/self/cwd/) that prefixes it removed.
std::string TrimPath(const std::string& path, const std::string& trim_path,
                     const std::string& search_path) {
  if (trim_path.empty()) {
    for (const std::string& dir : SplitPathList(search_path)) {
      const std::string want = "/" + BasePath(dir) + "/";
      if (size_t found = path.find(want); found != std::string::npos) {
        return path.substr(found + want.size());
      }
    }
  }
  std::vector<std::string> prefixes = SplitPathList(trim_path);
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

namespace {

// The real paths of the directories a confined search may read under
// (those that do not exist left out).
std::vector<std::string> ConfinedRoots(const std::string& search_path) {
  std::vector<std::string> roots;
  for (const std::string& dir : SplitPathList(search_path)) {
    if (dir.empty()) continue;
    Result<fs::path> real = RealPath(dir);
    if (real.ok()) roots.push_back(real->string());
  }
  return roots;
}

// Whether the real path `real` is a root or lies under one.
bool UnderRoots(const std::string& real, const std::vector<std::string>& roots) {
  for (const std::string& root : roots) {
    if (real == root) return true;
    const std::string prefix = root.ends_with('/') ? root : root + "/";
    if (real.starts_with(prefix)) return true;
  }
  return false;
}

// One candidate's bytes: as it is, or, `roots` given (a confined search),
// only a regular file whose real path lies under one of them. The errors
// are Go's open errors' text (OpenError).
Result<std::string> ReadCandidate(const std::string& path, const std::vector<std::string>* roots,
                                  size_t max_bytes) {
  std::string read_path = path;
  if (roots != nullptr) {
    Result<fs::path> real = RealPath(path);
    // (missing or elsewhere alike: nothing said of what lies outside)
    if (!real.ok() || !UnderRoots(real->string(), *roots)) {
      return Status::NotFound("open " + path + ": not found under the source path");
    }
    if (!IsRegularFile(*real)) return Status::NotFound("open " + path + ": not a regular file");
    read_path = real->string();
  }
  Result<std::string> data = ReadFile(read_path, max_bytes);
  if (data.ok()) return data;
  const Status& error = data.status();
  if (error.code() == Status::Code::kNotFound) return Status::NotFound(OpenError(path, error));
  if (error.code() == Status::Code::kResourceExhausted) return error;
  return Status::IOError(OpenError(path, error));
}

// The names a Go toolchain's file may have under a module cache or a
// GOROOT/src: after the last "/pkg/mod/", and after the last "/src/" when
// the rest starts with a standard library package (no dot in its first
// element).
std::vector<std::string> GoSourceNames(const std::string& path) {
  std::vector<std::string> names;
  if (size_t mod = path.rfind("/pkg/mod/"); mod != std::string::npos) {
    names.push_back(path.substr(mod + 9));
  }
  if (size_t src = path.rfind("/src/"); src != std::string::npos) {
    std::string rest = path.substr(src + 5);
    const size_t slash = rest.find('/');
    if (slash != std::string::npos && rest.substr(0, slash).find('.') == std::string::npos) {
      names.push_back(std::move(rest));
    }
  }
  std::erase_if(names, [](const std::string& n) { return n.empty() || n.starts_with('/'); });
  return names;
}

}  // namespace

// pprof's openSourceFile, then the whole file read (at most
// `max_file_bytes`): a name still absolute after TrimPath is opened as it
// is; a relative one is looked for under each directory of the source path
// and each of their parents. The error is pprof's text: "open PATH: no
// such file or directory", "could not find file PATH on path DIRS"; or the
// file is larger than `max_file_bytes`.
Result<std::vector<std::string>> ReadSourceLines(const std::string& file,
                                                 const SourceOptions& source) {
  const std::string& search_path = source.source_path;
  const std::string path = TrimPath(file, source.trim_path, search_path);
  std::vector<std::string> roots;
  if (source.confined) {
    roots = ConfinedRoots(search_path);
    if (roots.empty()) return Status::NotFound("no source path to read " + path + " from");
  }
  const std::vector<std::string>* confine = source.confined ? &roots : nullptr;
  // Under each directory of the search path, and each of their parents when
  // `parents`; the first error other than a file missing, or NotFound.
  auto search = [&](const std::string& name, bool parents) -> Result<std::string> {
    for (std::string dir : SplitPathList(search_path)) {
      while (true) {
        Result<std::string> data =
            ReadCandidate(CleanPath(dir + "/" + name), confine, source.max_file_bytes);
        if (data.ok()) return data;
        if (data.status().code() == Status::Code::kResourceExhausted) return data.status();
        const std::string parent = DirPath(dir);
        if (!parents || parent == dir) break;
        dir = parent;
      }
    }
    return Status::NotFound("could not find file " + name + " on path " + search_path);
  };
  Result<std::string> data = path.starts_with("/")
                                 ? ReadCandidate(path, confine, source.max_file_bytes)
                                 : search(path, /*parents=*/true);
  if (!data.ok() && data.status().code() == Status::Code::kNotFound && source.go_modules) {
    for (const std::string& name : GoSourceNames(path)) {
      Result<std::string> found = search(name, /*parents=*/false);
      if (found.ok() || found.status().code() == Status::Code::kResourceExhausted) {
        data = std::move(found);
        break;
      }
    }
  }
  if (!data.ok()) return data.status();
  return SplitLines(*data);
}

Result<std::vector<std::string>> ReadSourceLines(const std::string& file,
                                                 const std::string& search_path,
                                                 const std::string& trim_path, size_t max_bytes) {
  SourceOptions source;
  source.source_path = search_path;
  source.trim_path = trim_path;
  source.max_file_bytes = max_bytes;
  return ReadSourceLines(file, source);
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

// Without the file: each line a node of `nodes` is on, by number, with
// their flat and cum summed (what SourceFromFile would show of it).
void SampledLines(const std::vector<const LineNode*>& nodes, ListFile& out) {
  std::map<int, std::pair<int64_t, int64_t>> by_line;
  for (const LineNode* n : nodes) {
    by_line[n->line].first += n->flat;
    by_line[n->line].second += n->cum;
  }
  for (const auto& [line, sums] : by_line) out.lines.push_back({line, sums.first, sums.second, ""});
}

}  // namespace

std::string ListReport::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, "minimum");
}

Result<ListReport> List(const Profile& profile, const ReportOptions& options,
                        const std::string& regex, const SourceOptions& source,
                        size_t max_functions) {
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

  // pprof reads from the working directory when no source path is given
  // (a confined search reads nothing then).
  SourceOptions search = source;
  if (search.source_path.empty() && !search.confined) {
    std::error_code error;
    search.source_path = fs::current_path(error).string();
    if (error) return Status::IOError("could not stat current dir: " + error.message());
  }
  std::map<std::string, Result<std::vector<std::string>>> texts;  // by file, read once
  ListReport r;
  r.sample_unit = v.sample_unit;
  r.total = v.total;
  for (const auto& [name, files] : functions) {
    if (max_functions > 0 && r.functions.size() == max_functions) {
      ++r.more_functions;
      continue;
    }
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
        text = texts.emplace(file, ReadSourceLines(file, search)).first;
      }
      if (text->second.ok()) {
        SourceFromFile(file_nodes, *text->second, lf);
      } else {
        lf.error = text->second.status().message();
        SampledLines(file_nodes, lf);
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
