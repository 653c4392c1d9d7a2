#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace cprof {
namespace {

std::atomic<bool> g_verbose{false};
std::mutex g_mu;

void Emit(std::string_view message) {
  std::string line = "cprofiler: ";
  line += message;
  line += '\n';
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void SetVerbose(bool verbose) { g_verbose = verbose; }
bool IsVerbose() { return g_verbose; }
void LogError(std::string_view message) { Emit(message); }
void LogInfo(std::string_view message) { Emit(message); }
void LogVerbose(std::string_view message) {
  if (g_verbose) Emit(message);
}

}  // namespace cprof
