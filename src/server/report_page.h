// The self-contained HTML report (`merge`, `top`, `diff --format html`, and
// /api/report.html): web/report.html with app.css, the data and the web UI's
// own JavaScript inlined (report.js and the modules it imports, bundled), so
// that the file opens anywhere with no network, and shows what the analysis
// page shows: the flame graph (a diff's when there is a base), search, zoom
// and the top table. Thread-safe: pure functions over the embedded files.
#ifndef CPROF_SERVER_REPORT_PAGE_H_
#define CPROF_SERVER_REPORT_PAGE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cprof::server {

// The embedded module `entry` ("report.js") and, before it, every module it
// imports (depth first, each once), as one module: import lines dropped,
// `export` keywords removed. InvalidArgument when two modules declare the
// same top-level name, an import is not of a "./name.js" module that is
// embedded, or the code holds "</script" (it would end the script element).
Result<std::string> BundleModules(std::string_view entry);

// The report page. `analysis_json` and `base_json` are what /api/analysis
// answers (base_json "null" for none: not a diff); `facts` are label and
// value pairs shown under the title.
Result<std::string> RenderReportPage(std::string_view title,
                                     const std::vector<std::pair<std::string, std::string>>& facts,
                                     std::string_view analysis_json, std::string_view base_json);

}  // namespace cprof::server

#endif  // CPROF_SERVER_REPORT_PAGE_H_
