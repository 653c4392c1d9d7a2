// Running independent pieces of work on a few threads.
// Thread-safe: each call has its own threads.
#ifndef CPROF_BASE_PARALLEL_H_
#define CPROF_BASE_PARALLEL_H_

#include <cstddef>
#include <functional>

#include "base/status.h"

namespace cprof {

// Calls fn(worker, i) once for every i in [0, count), on `workers` threads
// (the calling thread one of them; at least one), each taking the next i
// when it is done with one; returns when all are done. `worker` < workers
// names the thread, for per-thread results without locks.
void ParallelFor(size_t count, size_t workers,
                 const std::function<void(size_t worker, size_t i)>& fn);

// ParallelFor of fn(i) that starts no more i once one has failed; returns
// the first failure (in time), OK if none did.
Status ParallelForUntilError(size_t count, size_t workers,
                             const std::function<Status(size_t i)>& fn);

}  // namespace cprof

#endif  // CPROF_BASE_PARALLEL_H_
