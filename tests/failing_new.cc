// The test binary's global operator new: malloc, except that it throws
// std::bad_alloc on the threads not spared while a
// FailAllocationsOnOtherThreads lives (test_util.h). The other forms
// (arrays, nothrow) are the library's, which call these.
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "test_util.h"

namespace {

std::atomic<bool> g_failing{false};
std::thread::id g_spared;
std::thread::id g_also_spared;

}  // namespace

void* operator new(std::size_t size) {
  if (g_failing.load(std::memory_order_acquire) && std::this_thread::get_id() != g_spared &&
      std::this_thread::get_id() != g_also_spared) {
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cprof::testing {

FailAllocationsOnOtherThreads::FailAllocationsOnOtherThreads(std::thread::id also_spared) {
  g_spared = std::this_thread::get_id();
  g_also_spared = also_spared;
  g_failing.store(true, std::memory_order_release);
}

FailAllocationsOnOtherThreads::~FailAllocationsOnOtherThreads() {
  g_failing.store(false, std::memory_order_release);
}

}  // namespace cprof::testing
