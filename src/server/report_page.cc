#include "server/report_page.h"

#include <re2/re2.h>

#include <map>
#include <set>

#include "base/json.h"
#include "server/assets.h"
#include "server/http_types.h"

namespace cprof::server {
namespace {

struct Bundler {
  std::set<std::string, std::less<>> visited;
  std::map<std::string, std::string, std::less<>> declared;  // top-level name -> module
  std::string out;

  Status Add(std::string_view module) {
    if (!visited.insert(std::string(module)).second) return Status::OK();
    const std::string_view* source = FindEmbeddedAsset(module);
    if (source == nullptr)
      return Status::InvalidArgument("no embedded module " + std::string(module));
    static const RE2 kImport(R"(^import\s.*\sfrom\s+'\./([A-Za-z0-9_]+\.js)';\s*$)");
    static const RE2 kDeclaration(
        R"(^(?:export\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*))");
    std::string body;
    std::string_view rest = *source;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      std::string imported, name;
      if (line.starts_with("import ")) {
        if (!RE2::FullMatch(line, kImport, &imported)) {
          return Status::InvalidArgument(std::string(module) +
                                         ": an import the bundle cannot "
                                         "take (one line, from './name.js'): " +
                                         std::string(line));
        }
        CPROF_RETURN_IF_ERROR(Add(imported));
        continue;
      }
      if (RE2::PartialMatch(line, kDeclaration, &name)) {
        auto [it, inserted] = declared.emplace(name, std::string(module));
        if (!inserted) {
          return Status::InvalidArgument(std::string(module) + " and " + it->second +
                                         " both declare " + name + " at the top level");
        }
      }
      if (line.starts_with("export ")) line.remove_prefix(7);
      body.append(line);
      body += '\n';
    }
    if (RE2::PartialMatch(body, R"((?i)</script)")) {
      return Status::InvalidArgument(std::string(module) + " holds </script");
    }
    out += "// ---- " + std::string(module) + "\n" + body;
    return Status::OK();
  }
};

// `json` made safe inside a <script> element: every '<' (in JSON only ever
// inside strings) as \u003c.
std::string ScriptSafeJson(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::string> BundleModules(std::string_view entry) {
  Bundler b;
  CPROF_RETURN_IF_ERROR(b.Add(entry));
  return std::move(b.out);
}

Result<std::string> RenderReportPage(std::string_view title,
                                     const std::vector<std::pair<std::string, std::string>>& facts,
                                     std::string_view analysis_json, std::string_view base_json) {
  const std::string_view* page = FindEmbeddedAsset("report.html");
  const std::string_view* style = FindEmbeddedAsset("app.css");
  if (page == nullptr || style == nullptr) {
    return Status::InvalidArgument("report.html or app.css is not embedded");
  }
  // The embedded files never change: bundled once, not per report.
  static const Result<std::string> bundle = BundleModules("report.js");
  if (!bundle.ok()) return bundle.status();
  // The flame graph and top table cards, as the analysis page has them.
  const std::string_view* analysis_page = FindEmbeddedAsset("analysis.html");
  constexpr std::string_view kViewStart = "<!-- profile view";
  constexpr std::string_view kViewEnd = "<!-- /profile view -->";
  size_t view_start =
      analysis_page == nullptr ? std::string_view::npos : analysis_page->find(kViewStart);
  size_t view_end = view_start == std::string_view::npos
                        ? std::string_view::npos
                        : analysis_page->find(kViewEnd, view_start);
  if (view_end == std::string_view::npos) {
    return Status::InvalidArgument("analysis.html has no profile view block");
  }
  std::string_view view =
      analysis_page->substr(view_start, view_end + kViewEnd.size() - view_start);
  JsonWriter w;
  w.StartObject();
  w.Field("title", title);
  w.StartArray("facts");
  for (const auto& [label, value] : facts) {
    w.StartArray();
    w.String(label);
    w.String(value);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  std::string head = w.Take();  // {"title":...,"facts":[...]}
  head.pop_back();              // the data goes on inside it
  std::string data = head + ",\"analysis\":" + std::string(analysis_json) +
                     ",\"base\":" + std::string(base_json) + "}";
  const std::pair<std::string_view, std::string> slots[] = {
      {"{{TITLE}}", HtmlEscape(title)},
      {"{{STYLE}}", std::string(*style)},
      {"{{PROFILE_VIEW}}", std::string(view)},
      {"{{DATA}}", ScriptSafeJson(data)},
      {"{{SCRIPT}}", *bundle},
  };
  // One pass, in the template's order: what fills a slot is never searched.
  std::string out;
  std::string_view rest = *page;
  for (const auto& [slot, value] : slots) {
    size_t at = rest.find(slot);
    if (at == std::string_view::npos) {
      return Status::InvalidArgument("report.html has no " + std::string(slot));
    }
    out.append(rest.substr(0, at));
    out += value;
    rest.remove_prefix(at + slot.size());
  }
  out.append(rest);
  return out;
}

}  // namespace cprof::server
