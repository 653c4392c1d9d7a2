// Logging to stderr, one line per call. Thread-safe: lines never interleave.
//
// Lines are plain text meant for people and for journald/cron mail:
// "cprofiler: <message>". Verbose lines appear only after SetVerbose(true).
#ifndef CPROF_BASE_LOG_H_
#define CPROF_BASE_LOG_H_

#include <string_view>

namespace cprof {

void SetVerbose(bool verbose);
bool IsVerbose();

// Always printed.
void LogError(std::string_view message);
void LogInfo(std::string_view message);
// Printed only when verbose.
void LogVerbose(std::string_view message);

}  // namespace cprof

#endif  // CPROF_BASE_LOG_H_
