// pprof's sample filters, compiled from ReportOptions: -focus, -ignore,
// -hide and -show over a location's functions (profile.FilterSamplesByName)
// and -tagfocus and -tagignore over a sample's string labels
// (profile.FilterSamplesByTag). Internal to the reports (report.h).
// Thread-safe once compiled: const use only.
#ifndef CPROF_PPROF_FILTER_H_
#define CPROF_PPROF_FILTER_H_

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pprof/codec.h"
#include "pprof/report.h"

namespace cprof::pprof {

using Regex = std::unique_ptr<RE2>;

// pprof's compileRegexOption: `text` compiled into `out`, which stays null
// for "" (no filter). InvalidArgument, naming `what`, for a bad expression.
Status CompileRegexOption(const char* what, const std::string& text, Regex* out);

// Whether `re` matches somewhere in `s`; false when `re` is null.
bool Matches(const Regex& re, const std::string& s);

// pprof's -tagfocus/-tagignore for string labels: "key=RE1,RE2" keeps a
// sample with a `key` value matching any RE; "RE1,RE2" one where every RE
// matches some "key:value".
struct TagFilter {
  std::string key;
  std::vector<Regex> res;
  bool Matches(const Profile& p, const perftools::profiles::Sample& s) const {
    if (!key.empty()) {
      for (const auto& l : s.label()) {
        if (l.str() == 0 || p.string_table(l.key()) != key) continue;
        for (const Regex& re : res) {
          if (RE2::PartialMatch(p.string_table(l.str()), *re)) return true;
        }
      }
      return false;
    }
    for (const Regex& re : res) {
      bool any = false;
      for (const auto& l : s.label()) {
        if (l.str() != 0 &&
            RE2::PartialMatch(p.string_table(l.key()) + ":" + p.string_table(l.str()), *re)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }
};

// pprof's compileTagFilter: `text` compiled into `out`, which stays null for
// "". InvalidArgument for a bad expression or a numeric range.
Status CompileTagFilter(const char* what, const std::string& text, std::unique_ptr<TagFilter>* out);

// -focus, -ignore, -hide and -show, compiled; each null when not given.
struct NameFilters {
  Regex focus, ignore, hide, show;
  bool Hides() const { return hide || show; }
};
Status CompileNameFilters(const ReportOptions& options, NameFilters* out);

// What FilterSamplesByName makes of one location.
struct FilteredLocation {
  int8_t focus = -1;    // -1 neither, 0 ignored, 1 focused
  bool hidden = false;  // -hide or -show left none of its lines
  // Its lines' functions (null for a line without one) that -hide and -show
  // keep, innermost first.
  std::vector<const perftools::profiles::Function*> lines;
};

// pprof's FilterSamplesByName for location `l` of `p`, whose mapping's file
// is `objfile` and whose lines' functions are `lines`: a location matches an
// expression when one of its functions' names or files, or `objfile`, does.
FilteredLocation FilterSamplesByName(const Profile& p, const NameFilters& filters,
                                     const std::string& objfile,
                                     std::vector<const perftools::profiles::Function*> lines);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_FILTER_H_
