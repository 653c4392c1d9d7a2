#include "trace/format.h"

#include <array>

namespace cprof::trace {
namespace {

// clang-format off
constexpr std::array<EventSpec, 256> MakeSpecs() {
  std::array<EventSpec, 256> s{};
  //                                name                   nargs stack stack2 str1 str2
  s[kEvProcsChange]         = {"ProcsChange",         2, 1, -1, -1, -1};
  s[kEvProcStart]           = {"ProcStart",           2, -1, -1, -1, -1};
  s[kEvProcStop]            = {"ProcStop",            0, -1, -1, -1, -1};
  s[kEvProcSteal]           = {"ProcSteal",           3, -1, -1, -1, -1};
  s[kEvProcStatus]          = {"ProcStatus",          2, -1, -1, -1, -1};
  s[kEvGoCreate]            = {"GoCreate",            3, 2, 1, -1, -1};
  s[kEvGoCreateSyscall]     = {"GoCreateSyscall",     1, -1, -1, -1, -1};
  s[kEvGoStart]             = {"GoStart",             2, -1, -1, -1, -1};
  s[kEvGoDestroy]           = {"GoDestroy",           0, -1, -1, -1, -1};
  s[kEvGoDestroySyscall]    = {"GoDestroySyscall",    0, -1, -1, -1, -1};
  s[kEvGoStop]              = {"GoStop",              2, 1, -1, 0, -1};
  s[kEvGoBlock]             = {"GoBlock",             2, 1, -1, 0, -1};
  s[kEvGoUnblock]           = {"GoUnblock",           3, 2, -1, -1, -1};
  s[kEvGoSyscallBegin]      = {"GoSyscallBegin",      2, 1, -1, -1, -1};
  s[kEvGoSyscallEnd]        = {"GoSyscallEnd",        0, -1, -1, -1, -1};
  s[kEvGoSyscallEndBlocked] = {"GoSyscallEndBlocked", 0, -1, -1, -1, -1};
  s[kEvGoStatus]            = {"GoStatus",            3, -1, -1, -1, -1};
  s[kEvSTWBegin]            = {"STWBegin",            2, 1, -1, 0, -1};
  s[kEvSTWEnd]              = {"STWEnd",              0, -1, -1, -1, -1};
  s[kEvGCActive]            = {"GCActive",            1, -1, -1, -1, -1};
  s[kEvGCBegin]             = {"GCBegin",             2, 1, -1, -1, -1};
  s[kEvGCEnd]               = {"GCEnd",               1, -1, -1, -1, -1};
  s[kEvGCSweepActive]       = {"GCSweepActive",       1, -1, -1, -1, -1};
  s[kEvGCSweepBegin]        = {"GCSweepBegin",        1, 0, -1, -1, -1};
  s[kEvGCSweepEnd]          = {"GCSweepEnd",          2, -1, -1, -1, -1};
  s[kEvGCMarkAssistActive]  = {"GCMarkAssistActive",  1, -1, -1, -1, -1};
  s[kEvGCMarkAssistBegin]   = {"GCMarkAssistBegin",   1, 0, -1, -1, -1};
  s[kEvGCMarkAssistEnd]     = {"GCMarkAssistEnd",     0, -1, -1, -1, -1};
  s[kEvHeapAlloc]           = {"HeapAlloc",           1, -1, -1, -1, -1};
  s[kEvHeapGoal]            = {"HeapGoal",            1, -1, -1, -1, -1};
  s[kEvGoLabel]             = {"GoLabel",             1, -1, -1, 0, -1};
  s[kEvUserTaskBegin]       = {"UserTaskBegin",       4, 3, -1, 2, -1};
  s[kEvUserTaskEnd]         = {"UserTaskEnd",         2, 1, -1, -1, -1};
  s[kEvUserRegionBegin]     = {"UserRegionBegin",     3, 2, -1, 1, -1};
  s[kEvUserRegionEnd]       = {"UserRegionEnd",       3, 2, -1, 1, -1};
  s[kEvUserLog]             = {"UserLog",             4, 3, -1, 1, 2};
  s[kEvGoSwitch]            = {"GoSwitch",            2, -1, -1, -1, -1};
  s[kEvGoSwitchDestroy]     = {"GoSwitchDestroy",     2, -1, -1, -1, -1};
  s[kEvGoCreateBlocked]     = {"GoCreateBlocked",     3, 2, 1, -1, -1};
  s[kEvGoStatusStack]       = {"GoStatusStack",       4, 3, -1, -1, -1};
  // The allocfree experiment (GOEXPERIMENT=allocfreetrace): read and passed
  // over.
  s[128] = {"Span",                3, -1, -1, -1, -1};
  s[129] = {"SpanAlloc",           3, -1, -1, -1, -1};
  s[130] = {"SpanFree",            1, -1, -1, -1, -1};
  s[131] = {"HeapObject",          2, -1, -1, -1, -1};
  s[132] = {"HeapObjectAlloc",     2, -1, -1, -1, -1};
  s[133] = {"HeapObjectFree",      1, -1, -1, -1, -1};
  s[134] = {"GoroutineStack",      2, -1, -1, -1, -1};
  s[135] = {"GoroutineStackAlloc", 2, -1, -1, -1, -1};
  s[136] = {"GoroutineStackFree",  1, -1, -1, -1, -1};
  return s;
}
// clang-format on

constexpr std::array<EventSpec, 256> kSpecs = MakeSpecs();

}  // namespace

const EventSpec* TimedSpec(uint8_t type) {
  return kSpecs[type].name.empty() ? nullptr : &kSpecs[type];
}

std::string_view EventName(uint8_t type) {
  if (type == kEvSync) return "Sync";
  if (type == kEvCPUSample) return "CPUSample";
  return kSpecs[type].name.empty() ? "Invalid" : kSpecs[type].name;
}

}  // namespace cprof::trace
