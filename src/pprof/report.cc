#include "pprof/report.h"

#include "pprof/view.h"

namespace cprof::pprof {

Result<TopTable> Top(const Profile& profile, const ReportOptions& o) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return TopOfView(v, o);
}

Result<TopTable> Top(const StreamedProfile& profile, const ReportOptions& o) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return TopOfView(v, o);
}

Result<FlameNode> FlameTree(const Profile& profile, const ReportOptions& o, int max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return FlameOfView(v, max_nodes);
}

Result<Analysis> Analyze(const Profile& profile, const ReportOptions& o, int max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return Analysis{TopOfView(v, o), FlameOfView(v, max_nodes)};
}

}  // namespace cprof::pprof
