#include "pprof/filter.h"

namespace cprof::pprof {

Status CompileRegexOption(const char* what, const std::string& text, Regex* out) {
  if (text.empty()) return Status::OK();
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(text, o);
  if (!re->ok()) {
    return Status::InvalidArgument(std::string("bad ") + what + " regular expression \"" + text +
                                   "\": " + re->error());
  }
  *out = std::move(re);
  return Status::OK();
}

bool Matches(const Regex& re, const std::string& s) { return re && RE2::PartialMatch(s, *re); }

Status CheckRegex(const char* what, const std::string& regex) {
  Regex compiled;
  return CompileRegexOption(what, regex, &compiled);
}

std::string ExactNameRegex(std::string_view name) {
  return "^" + RE2::QuoteMeta(re2::StringPiece(name.data(), name.size())) + "$";
}

Status CompileTagFilter(const char* what, const std::string& text,
                        std::unique_ptr<TagFilter>* out) {
  if (text.empty()) return Status::OK();
  auto f = std::make_unique<TagFilter>();
  std::string value = text;
  size_t eq = text.find('=');
  if (eq != std::string::npos) {
    f->key = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  static const RE2 kRange("[+-]?[0-9]+[a-zA-Z]*(:([+-]?[0-9]+[a-zA-Z]*)?)?|:[+-]?[0-9]+[a-zA-Z]*");
  if (RE2::FullMatch(value, kRange)) {
    return Status::InvalidArgument(std::string(what) + " \"" + text +
                                   "\": numeric label ranges are not supported");
  }
  size_t start = 0;
  while (true) {
    size_t comma = value.find(',', start);
    Regex re;
    CPROF_RETURN_IF_ERROR(CompileRegexOption(what, value.substr(start, comma - start), &re));
    if (!re) CPROF_RETURN_IF_ERROR(CompileRegexOption(what, "(?:)", &re));  // "" matches all
    f->res.push_back(std::move(re));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  *out = std::move(f);
  return Status::OK();
}

Status CompileNameFilters(const ReportOptions& o, NameFilters* out) {
  CPROF_RETURN_IF_ERROR(CompileRegexOption("focus", o.focus, &out->focus));
  CPROF_RETURN_IF_ERROR(CompileRegexOption("ignore", o.ignore, &out->ignore));
  CPROF_RETURN_IF_ERROR(CompileRegexOption("hide", o.hide, &out->hide));
  CPROF_RETURN_IF_ERROR(CompileRegexOption("show", o.show, &out->show));
  return Status::OK();
}

FilteredLocation FilterSamplesByName(const Profile& p, const NameFilters& f,
                                     const std::string& objfile,
                                     std::vector<const perftools::profiles::Function*> lines) {
  using Line = const perftools::profiles::Function*;
  auto line_matches = [&](const Regex& re, Line fn) {
    return fn != nullptr &&
           (Matches(re, p.string_table(fn->name())) || Matches(re, p.string_table(fn->filename())));
  };
  auto loc_matches = [&](const Regex& re) {
    for (Line fn : lines) {
      if (line_matches(re, fn)) return true;
    }
    return Matches(re, objfile);
  };
  FilteredLocation loc;
  if (f.ignore && loc_matches(f.ignore)) {
    loc.focus = 0;
  } else if (!f.focus || loc_matches(f.focus)) {
    loc.focus = 1;
  }
  if (f.hide && loc_matches(f.hide)) {
    std::vector<Line> kept;
    if (!Matches(f.hide, objfile)) {
      for (Line fn : lines) {
        if (!line_matches(f.hide, fn)) kept.push_back(fn);
      }
    }
    lines = std::move(kept);
    loc.hidden = lines.empty();
  }
  if (f.show) {
    std::vector<Line> kept;
    if (Matches(f.show, objfile)) {
      kept = lines;
    } else {
      for (Line fn : lines) {
        if (fn == nullptr || line_matches(f.show, fn)) kept.push_back(fn);
      }
    }
    lines = std::move(kept);
    loc.hidden = loc.hidden || lines.empty();
  }
  loc.lines = std::move(lines);
  return loc;
}

}  // namespace cprof::pprof
